"""One attendee for staff with ``orders:read``."""

from __future__ import annotations

from ticketbase.application.attendees.loading import load_attendee
from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.orders.attendee import Attendee
from ticketbase.domain.shared.ids import AttendeeId


class GetAttendee:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, attendee_id: AttendeeId, actor: Actor) -> Attendee:
        async with self._uow.for_tenant(require(actor, Permission.ORDERS_READ)) as tx:
            return await load_attendee(tx, attendee_id)
