"""Create an event as a draft: its slug derived from the name unless given."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.ports.audit import AuditEntry
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.events.event import Event
from ticketbase.domain.events.metadata import JsonObject
from ticketbase.domain.events.schedule import Schedule
from ticketbase.domain.events.venue import Venue
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.shared.ids import EventId
from ticketbase.domain.shared.values import Slug


@dataclass(frozen=True, slots=True)
class CreateEventCommand:
    name: str
    description: str
    venue: Venue
    starts_at: datetime
    ends_at: datetime
    timezone: str
    slug: Slug | None = None
    capacity: int | None = None
    sales_start_at: datetime | None = None
    sales_end_at: datetime | None = None
    metadata: JsonObject | None = None


class CreateEvent:
    def __init__(self, uow: UnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    async def __call__(self, command: CreateEventCommand, actor: Actor) -> Event:
        """``Conflict`` (field ``slug``) when the slug, given or derived, is taken."""
        organization_id = require(actor, Permission.EVENTS_WRITE)
        now = self._clock.now()
        event = Event.create(
            id=EventId(self._ids.new()),
            organization_id=organization_id,
            name=command.name,
            description=command.description,
            venue=command.venue,
            schedule=Schedule(
                starts_at=command.starts_at,
                ends_at=command.ends_at,
                timezone=command.timezone,
                sales_start_at=command.sales_start_at,
                sales_end_at=command.sales_end_at,
            ),
            now=now,
            slug=command.slug,
            capacity=command.capacity,
            metadata=command.metadata,
        )
        async with self._uow.for_tenant(organization_id) as tx:
            await tx.events.add(event)
            await tx.audit.append(
                AuditEntry(
                    id=self._ids.new(),
                    at=now,
                    actor_id=actor.user_id,
                    action="event.created",
                    target_type="event",
                    target_id=str(event.id),
                    meta=actor.meta,
                    changes={
                        "name": event.name,
                        "slug": event.slug.value,
                        "startsAt": event.starts_at.isoformat(),
                        "endsAt": event.ends_at.isoformat(),
                    },
                )
            )
            await tx.commit()
        return event
