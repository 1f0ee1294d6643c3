"""Read an order: its buyer with the access token the checkout answered, or staff with
``orders:read``. Once paid, the order comes with its attendees (their ticket codes)."""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.application.orders.access import OrderAccess, load_order
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.orders.attendee import Attendee
from ticketbase.domain.orders.order import Order
from ticketbase.domain.shared.ids import OrderId


@dataclass(frozen=True, slots=True)
class OrderView:
    order: Order
    attendees: list[Attendee]


class GetOrder:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, order_id: OrderId, access: OrderAccess) -> OrderView:
        async with self._uow.for_tenant(access.organization(Permission.ORDERS_READ)) as tx:
            order = await load_order(tx, order_id, access)
            attendees = await tx.attendees.of_order(order.id) if order.status.was_paid else []
        return OrderView(order, attendees)
