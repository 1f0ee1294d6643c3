"""The buyer's view of an order: no account, only the access token handed out at checkout.

A missing or wrong token, an unknown id and another tenant's order all answer alike
(``OrderNotFound``): nobody learns that an order exists without its token."""

from __future__ import annotations

import hmac

from ticketbase.application.identity.opaque_tokens import hash_opaque_token
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.orders.errors import OrderNotFound
from ticketbase.domain.orders.order import Order
from ticketbase.domain.shared.ids import OrderId, OrganizationId


class GetOrder:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(
        self, organization_id: OrganizationId, order_id: OrderId, token: str | None
    ) -> Order:
        if not token:
            raise OrderNotFound("no such order")
        given = hash_opaque_token(token)
        async with self._uow.for_tenant(organization_id) as tx:
            stored = await tx.orders.access_token_hash(order_id)
            if stored is None or not hmac.compare_digest(stored, given):
                raise OrderNotFound("no such order")
            order = await tx.orders.get(order_id)
        if order is None:
            raise OrderNotFound("no such order")
        return order
