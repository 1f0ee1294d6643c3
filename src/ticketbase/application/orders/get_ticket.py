"""One ticket of an order, for its QR image: the buyer with the order's token, or staff with
``orders:read``. A ticket of an order that admits nobody (cancelled, refunded in full) is not
handed out again (``TicketVoid``); another order's attendee is ``AttendeeNotFound``."""

from __future__ import annotations

from ticketbase.application.orders.access import OrderAccess, load_order
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.orders.attendee import Attendee
from ticketbase.domain.orders.errors import AttendeeNotFound, TicketVoid
from ticketbase.domain.orders.order import OrderStatus
from ticketbase.domain.shared.ids import AttendeeId, OrderId

_ADMITTING = frozenset({OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED})


class GetTicket:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(
        self, order_id: OrderId, attendee_id: AttendeeId, access: OrderAccess
    ) -> Attendee:
        async with self._uow.for_tenant(access.organization(Permission.ORDERS_READ)) as tx:
            order = await load_order(tx, order_id, access)
            attendee = await tx.attendees.get(attendee_id)
        if attendee is None or attendee.order_id != order.id:
            raise AttendeeNotFound("no such ticket in this order")
        if order.status not in _ADMITTING:
            raise TicketVoid(f"this order is {order.status.value}: its tickets admit nobody")
        return attendee
