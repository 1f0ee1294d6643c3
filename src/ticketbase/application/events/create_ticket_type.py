"""Add a ticket type to an event, priced in the organization's currency."""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.events.loading import load_event, organization_currency
from ticketbase.application.events.views import TicketTypeView, ticket_type_views
from ticketbase.application.ports.audit import AuditEntry
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.events.ticket_type import TicketTypeSpec
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.shared.ids import EventId, TicketTypeId


@dataclass(frozen=True, slots=True)
class CreateTicketTypeCommand:
    event_id: EventId
    spec: TicketTypeSpec


class CreateTicketType:
    def __init__(self, uow: UnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    async def __call__(self, command: CreateTicketTypeCommand, actor: Actor) -> TicketTypeView:
        organization_id = require(actor, Permission.EVENTS_WRITE)
        now = self._clock.now()
        async with self._uow.for_tenant(organization_id) as tx:
            event = await load_event(tx, command.event_id)
            ticket_type = event.add_ticket_type(
                id=TicketTypeId(self._ids.new()),
                spec=command.spec,
                currency=await organization_currency(tx),
                now=now,
            )
            others = await tx.ticket_types.of_event(event.id)
            await tx.ticket_types.add(ticket_type)
            await tx.audit.append(
                AuditEntry(
                    id=self._ids.new(),
                    at=now,
                    actor_id=actor.user_id,
                    action="ticket_type.created",
                    target_type="ticket_type",
                    target_id=str(ticket_type.id),
                    meta=actor.meta,
                    changes={
                        "eventId": str(event.id),
                        "name": ticket_type.name,
                        "price": ticket_type.price.amount,
                        "currency": ticket_type.price.currency,
                        "quantity": ticket_type.quantity,
                    },
                )
            )
            await tx.commit()
        return ticket_type_views(event, [*others, ticket_type], now)[-1]
