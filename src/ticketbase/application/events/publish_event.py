"""Put a draft on the storefront, announcing it through the outbox in the same transaction.

The plan's published events are counted under the organization's limit lock
(subscriptions/limits.py), so two drafts racing for the last one cannot both go live."""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.events.announcements import announcement
from ticketbase.application.events.loading import load_event
from ticketbase.application.ports.audit import AuditEntry
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.application.subscriptions.limits import check_published_event
from ticketbase.domain.events.event import Event, EventStatus
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.shared.ids import EventId
from ticketbase.domain.subscriptions.plan import PlanCatalog


@dataclass(frozen=True, slots=True)
class PublishEventCommand:
    event_id: EventId
    expected_version: int | None = None


class PublishEvent:
    def __init__(
        self, uow: UnitOfWork, clock: Clock, ids: IdGenerator, catalog: PlanCatalog
    ) -> None:
        self._uow, self._clock, self._ids, self._catalog = uow, clock, ids, catalog

    async def __call__(self, command: PublishEventCommand, actor: Actor) -> Event:
        """Publishing a published event changes nothing and announces nothing."""
        organization_id = require(actor, Permission.EVENTS_WRITE)
        now = self._clock.now()
        async with self._uow.for_tenant(organization_id) as tx:
            event = await load_event(tx, command.event_id)
            status = event.status
            if status is not EventStatus.PUBLISHED:
                await check_published_event(tx, self._catalog, now)
            published = event.publish(
                now=now,
                ticket_types=await tx.ticket_types.of_event(event.id),
                expected_version=command.expected_version,
            )
            if published is not None:
                await tx.events.save(event)
                await tx.outbox.add(announcement(published, self._ids.new()))
                await tx.audit.append(
                    AuditEntry(
                        id=self._ids.new(),
                        at=now,
                        actor_id=actor.user_id,
                        action="event.published",
                        target_type="event",
                        target_id=str(event.id),
                        meta=actor.meta,
                        changes={
                            "status": {"from": status.value, "to": EventStatus.PUBLISHED.value}
                        },
                    )
                )
                await tx.commit()
        return event
