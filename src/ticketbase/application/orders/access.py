"""Who may read or act on an order: its buyer, with the access token the checkout handed out,
or a member of the order's organization with the needed permission.

A missing or wrong token, an unknown id and another tenant's order all answer alike
(``OrderNotFound``): nobody learns that an order exists without its token."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.identity.opaque_tokens import hash_opaque_token
from ticketbase.application.ports.unit_of_work import TenantTransaction
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.orders.errors import OrderNotFound
from ticketbase.domain.orders.order import Order
from ticketbase.domain.shared.ids import OrderId, OrganizationId


@dataclass(frozen=True, slots=True)
class OrderAccess:
    """The buyer's ``token`` for a storefront's ``organization_id``, or a staff ``actor`` (whose
    organization is its token's)."""

    organization_id: OrganizationId | None = None
    token: str | None = None
    actor: Actor | None = None

    @classmethod
    def buyer(cls, organization_id: OrganizationId, token: str | None) -> OrderAccess:
        return cls(organization_id=organization_id, token=token)

    @classmethod
    def staff(cls, actor: Actor) -> OrderAccess:
        return cls(actor=actor)

    def organization(self, permission: Permission) -> OrganizationId:
        """The tenant to open; for staff, only with ``permission``."""
        if self.actor is not None:
            return require(self.actor, permission)
        assert self.organization_id is not None, "a buyer's access names its storefront"
        return self.organization_id


async def load_order(tx: TenantTransaction, order_id: OrderId, access: OrderAccess) -> Order:
    """The order, if ``access`` may see it (staff were checked by ``organization``)."""
    if access.actor is None:
        if not access.token:
            raise OrderNotFound("no such order")
        stored = await tx.orders.access_token_hash(order_id)
        if stored is None or not hmac.compare_digest(stored, hash_opaque_token(access.token)):
            raise OrderNotFound("no such order")
    order = await tx.orders.get(order_id)
    if order is None:
        raise OrderNotFound("no such order")
    return order
