"""Change an event in part: what the command leaves at ``KEEP`` stays as it is.

The schedule's parts may be sent one by one (a new end alone); they are merged into the event's
schedule and the whole is checked again. ``None`` clears what is optional (``capacity``,
``sales_start_at``, ``sales_end_at``; ``metadata`` becomes ``{}``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.events.loading import load_event
from ticketbase.application.ports.audit import AuditEntry, JsonValue
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.events.event import KEEP, Event, Keep
from ticketbase.domain.events.metadata import JsonObject
from ticketbase.domain.events.schedule import Schedule
from ticketbase.domain.events.venue import Venue
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.shared.ids import EventId
from ticketbase.domain.shared.values import Slug

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class UpdateEventCommand:
    """``expected_version``: from ``If-Match`` or the body; ``None`` skips the check (the
    repository still refuses a save over a change made meanwhile)."""

    event_id: EventId
    expected_version: int | None = None
    name: str | Keep = KEEP
    slug: Slug | Keep = KEEP
    description: str | Keep = KEEP
    venue: Venue | Keep = KEEP
    starts_at: datetime | Keep = KEEP
    ends_at: datetime | Keep = KEEP
    timezone: str | Keep = KEEP
    sales_start_at: datetime | Keep | None = KEEP
    sales_end_at: datetime | Keep | None = KEEP
    capacity: int | Keep | None = KEEP
    metadata: JsonObject | Keep | None = KEEP


class UpdateEvent:
    def __init__(self, uow: UnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    async def __call__(self, command: UpdateEventCommand, actor: Actor) -> Event:
        organization_id = require(actor, Permission.EVENTS_WRITE)
        now = self._clock.now()
        async with self._uow.for_tenant(organization_id) as tx:
            event = await load_event(tx, command.event_id)
            shown, told = _shown(event), _told(event)
            changed = event.update(
                now=now,
                ticket_types=await tx.ticket_types.of_event(event.id),
                expected_version=command.expected_version,
                name=command.name,
                slug=command.slug,
                description=command.description,
                venue=command.venue,
                schedule=_schedule(event.schedule, command),
                capacity=command.capacity,
                metadata={} if command.metadata is None else command.metadata,
            )
            if changed:
                await tx.events.save(event)
                await tx.audit.append(
                    AuditEntry(
                        id=self._ids.new(),
                        at=now,
                        actor_id=actor.user_id,
                        action="event.updated",
                        target_type="event",
                        target_id=str(event.id),
                        meta=actor.meta,
                        changes=_changes(event, shown, told),
                    )
                )
                await tx.commit()
        return event


def _kept(value: T | Keep, current: T) -> T:
    return current if isinstance(value, Keep) else value


def _schedule(current: Schedule, command: UpdateEventCommand) -> Schedule | Keep:
    parts = (
        command.starts_at,
        command.ends_at,
        command.timezone,
        command.sales_start_at,
        command.sales_end_at,
    )
    if all(isinstance(part, Keep) for part in parts):
        return KEEP
    return Schedule(
        starts_at=_kept(command.starts_at, current.starts_at),
        ends_at=_kept(command.ends_at, current.ends_at),
        timezone=_kept(command.timezone, current.timezone),
        sales_start_at=_kept(command.sales_start_at, current.sales_start_at),
        sales_end_at=_kept(command.sales_end_at, current.sales_end_at),
    )


def _instant(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def _shown(event: Event) -> dict[str, JsonValue]:
    """The parts an audit row shows from and to, by their wire names."""
    return {
        "name": event.name,
        "slug": event.slug.value,
        "startsAt": event.starts_at.isoformat(),
        "endsAt": event.ends_at.isoformat(),
        "timezone": event.timezone,
        "salesStartAt": _instant(event.sales_start_at),
        "salesEndAt": _instant(event.sales_end_at),
        "capacity": event.capacity,
    }


def _told(event: Event) -> dict[str, object]:
    """The long or nested parts: an audit row only tells that they changed."""
    return {"description": event.description, "venue": event.venue, "metadata": event.metadata}


def _changes(
    event: Event, shown: dict[str, JsonValue], told: dict[str, object]
) -> dict[str, JsonValue]:
    changes: dict[str, JsonValue] = {
        part: {"from": shown[part], "to": value}
        for part, value in _shown(event).items()
        if value != shown[part]
    }
    changes.update({part: "changed" for part, value in _told(event).items() if value != told[part]})
    return changes
