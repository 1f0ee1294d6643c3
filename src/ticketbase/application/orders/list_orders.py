"""List the tenant's orders for staff (``orders:read``), filtered, newest first, a keyset page
at a time."""

from __future__ import annotations

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.pagination import Page, PageRequest
from ticketbase.application.ports.orders import OrderFilter
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.orders.order import Order


class ListOrders:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, where: OrderFilter, page: PageRequest, actor: Actor) -> Page[Order]:
        organization_id = require(actor, Permission.ORDERS_READ)
        async with self._uow.for_tenant(organization_id) as tx:
            return await tx.orders.matching(where, page)
