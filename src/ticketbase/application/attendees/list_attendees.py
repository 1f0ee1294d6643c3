"""An event's attendees for staff with ``orders:read``: newest first, filtered by ticket type,
check-in and a name or email fragment, a page at a time. Another tenant's event is not found."""

from __future__ import annotations

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.events.loading import load_event
from ticketbase.application.pagination import Page, PageRequest
from ticketbase.application.ports.attendees import AttendeeFilter
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.orders.attendee import Attendee
from ticketbase.domain.shared.ids import EventId


class ListAttendees:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(
        self, event_id: EventId, where: AttendeeFilter, page: PageRequest, actor: Actor
    ) -> Page[Attendee]:
        async with self._uow.for_tenant(require(actor, Permission.ORDERS_READ)) as tx:
            # An empty page for an event that is not there would hide a wrong id: 404 instead.
            event = await load_event(tx, event_id)
            return await tx.attendees.of_event(event.id, where, page)
