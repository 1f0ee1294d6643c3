"""What the staff actions on an order (cancel, refund) share: the order read locked, and the
optimistic check of the version the client last saw (``If-Match`` or ``version``)."""

from __future__ import annotations

from ticketbase.application.ports.unit_of_work import TenantTransaction
from ticketbase.domain.orders.errors import OrderNotFound
from ticketbase.domain.orders.order import Order
from ticketbase.domain.shared.errors import StaleVersion
from ticketbase.domain.shared.ids import OrderId


async def lock_order(
    tx: TenantTransaction, order_id: OrderId, expected_version: int | None
) -> Order:
    """The order, locked until the transaction ends (a payment or the hold expiry changing it
    meanwhile waits, then sees this change); ``StaleVersion`` when the client saw another
    version. The check comes first, like the events' (a retried request with the old version
    is told, not answered as if it were first)."""
    order = await tx.orders.lock(order_id)
    if order is None:
        raise OrderNotFound("no such order")
    if expected_version is not None and expected_version != order.version:
        raise StaleVersion(f"the order is at version {order.version}, not {expected_version}")
    return order
