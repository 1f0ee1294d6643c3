"""List an event's ticket types with their sales counts, availability and current price."""

from __future__ import annotations

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.events.loading import load_event
from ticketbase.application.events.views import TicketTypeView, ticket_type_views
from ticketbase.application.ports.system import Clock
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.shared.ids import EventId


class ListTicketTypes:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, event_id: EventId, actor: Actor) -> list[TicketTypeView]:
        """In the order they were added."""
        organization_id = require(actor, Permission.EVENTS_READ)
        async with self._uow.for_tenant(organization_id) as tx:
            event = await load_event(tx, event_id)
            ticket_types = await tx.ticket_types.of_event(event.id)
        return list(ticket_type_views(event, ticket_types, self._clock.now()))
