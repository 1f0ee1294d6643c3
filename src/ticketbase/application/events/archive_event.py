"""Put away an event that is over, or cancelled."""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.events.loading import load_event
from ticketbase.application.ports.audit import AuditEntry
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.events.event import Event, EventStatus
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.shared.ids import EventId


@dataclass(frozen=True, slots=True)
class ArchiveEventCommand:
    event_id: EventId
    expected_version: int | None = None


class ArchiveEvent:
    def __init__(self, uow: UnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    async def __call__(self, command: ArchiveEventCommand, actor: Actor) -> Event:
        """Archiving an archived event changes nothing."""
        organization_id = require(actor, Permission.EVENTS_WRITE)
        now = self._clock.now()
        async with self._uow.for_tenant(organization_id) as tx:
            event = await load_event(tx, command.event_id)
            status = event.status
            if event.archive(now=now, expected_version=command.expected_version):
                await tx.events.save(event)
                await tx.audit.append(
                    AuditEntry(
                        id=self._ids.new(),
                        at=now,
                        actor_id=actor.user_id,
                        action="event.archived",
                        target_type="event",
                        target_id=str(event.id),
                        meta=actor.meta,
                        changes={
                            "status": {"from": status.value, "to": EventStatus.ARCHIVED.value}
                        },
                    )
                )
                await tx.commit()
        return event
