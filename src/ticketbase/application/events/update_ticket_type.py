"""Replace a ticket type's spec (``PUT``), guarded by its version."""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.events.audit import changed_fields
from ticketbase.application.events.loading import (
    load_event,
    organization_currency,
    pick_ticket_type,
)
from ticketbase.application.events.views import TicketTypeView, ticket_type_views
from ticketbase.application.ports.audit import AuditEntry
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.events.ticket_type import TicketTypeSpec
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.shared.ids import EventId, TicketTypeId


@dataclass(frozen=True, slots=True)
class UpdateTicketTypeCommand:
    """``expected_version``: from ``If-Match`` or the body; ``None`` skips the check."""

    event_id: EventId
    ticket_type_id: TicketTypeId
    spec: TicketTypeSpec
    expected_version: int | None = None


class UpdateTicketType:
    def __init__(self, uow: UnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    async def __call__(self, command: UpdateTicketTypeCommand, actor: Actor) -> TicketTypeView:
        organization_id = require(actor, Permission.EVENTS_WRITE)
        now = self._clock.now()
        async with self._uow.for_tenant(organization_id) as tx:
            event = await load_event(tx, command.event_id)
            ticket_types = await tx.ticket_types.of_event(event.id)
            ticket_type = pick_ticket_type(ticket_types, command.ticket_type_id)
            before = ticket_type.spec
            if event.revise_ticket_type(
                ticket_type,
                command.spec,
                currency=await organization_currency(tx),
                now=now,
                expected_version=command.expected_version,
            ):
                await tx.ticket_types.save(ticket_type)
                await tx.audit.append(
                    AuditEntry(
                        id=self._ids.new(),
                        at=now,
                        actor_id=actor.user_id,
                        action="ticket_type.updated",
                        target_type="ticket_type",
                        target_id=str(ticket_type.id),
                        meta=actor.meta,
                        changes={
                            "eventId": str(event.id),
                            "fields": changed_fields(before, ticket_type.spec),
                        },
                    )
                )
                await tx.commit()
        views = ticket_type_views(event, ticket_types, now)
        return next(v for v in views if v.ticket_type.id == ticket_type.id)
