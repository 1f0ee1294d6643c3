"""``POST /api/orders/{id}/cancel``: staff (``orders:manage``) call a pending order off.

Its held tickets, the event's capacity and the promo code's use go back, ``order.cancelled`` is
announced and the action audited, all in one transaction. Cancelling a cancelled order answers
it unchanged (nothing released twice, nothing announced); a paid order is refunded instead and
an expired one has nothing left to cancel (409 ``order_not_cancellable``). A payment that
arrives for the order afterwards is given back by ``RecordPayment``."""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.orders.announcements import order_announcement
from ticketbase.application.orders.audit import staff_action
from ticketbase.application.orders.staff_changes import lock_order
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.orders.order import Order, OrderStatus
from ticketbase.domain.shared.ids import OrderId


@dataclass(frozen=True, slots=True)
class CancelOrderCommand:
    order_id: OrderId
    expected_version: int | None = None
    """From ``If-Match`` or the body; ``None`` skips the check."""


class CancelOrder:
    def __init__(self, uow: UnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    async def __call__(self, command: CancelOrderCommand, actor: Actor) -> Order:
        organization_id = require(actor, Permission.ORDERS_MANAGE)
        now = self._clock.now()
        async with self._uow.for_tenant(organization_id) as tx:
            order = await lock_order(tx, command.order_id, command.expected_version)
            status = order.status
            fact = order.cancel(at=now)
            if fact is None:
                return order
            lines = [(line.ticket_type_id, line.quantity) for line in order.lines]
            await tx.inventory.release(order.event_id, lines, order.promo_code_id)
            await tx.orders.save(order)
            await tx.outbox.add(order_announcement(fact, self._ids.new()))
            await tx.audit.append(
                staff_action(
                    actor,
                    "order.cancelled",
                    "order",
                    order.id,
                    at=now,
                    entry_id=self._ids.new(),
                    changes={"status": {"from": status.value, "to": OrderStatus.CANCELLED.value}},
                )
            )
            await tx.commit()
        return order
