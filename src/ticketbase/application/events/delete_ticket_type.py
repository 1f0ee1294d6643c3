"""Remove a ticket type nothing was sold or held of (hiding it is the way out otherwise).

A ticket type named by one of the event's promo codes stays until the code no longer names
it: deleting it would leave the code pointing at nothing."""

from __future__ import annotations

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.events.loading import load_event, pick_ticket_type
from ticketbase.application.ports.audit import AuditEntry
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.shared.errors import Conflict
from ticketbase.domain.shared.ids import EventId, TicketTypeId


class DeleteTicketType:
    def __init__(self, uow: UnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    async def __call__(self, event_id: EventId, ticket_type_id: TicketTypeId, actor: Actor) -> None:
        organization_id = require(actor, Permission.EVENTS_WRITE)
        now = self._clock.now()
        async with self._uow.for_tenant(organization_id) as tx:
            event = await load_event(tx, event_id)
            ticket_type = pick_ticket_type(await tx.ticket_types.of_event(event.id), ticket_type_id)
            event.check_ticket_type_removable(ticket_type)
            naming = [
                p.code
                for p in await tx.promo_codes.of_event(event.id)
                if p.spec.ticket_type_ids is not None and ticket_type.id in p.spec.ticket_type_ids
            ]
            if naming:
                raise Conflict(
                    f"promo codes name this ticket type ({', '.join(naming)}): "
                    "change them first, or hide the ticket type"
                )
            await tx.ticket_types.delete(ticket_type.id)
            await tx.audit.append(
                AuditEntry(
                    id=self._ids.new(),
                    at=now,
                    actor_id=actor.user_id,
                    action="ticket_type.deleted",
                    target_type="ticket_type",
                    target_id=str(ticket_type.id),
                    meta=actor.meta,
                    changes={"eventId": str(event.id), "name": ticket_type.name},
                )
            )
            await tx.commit()
