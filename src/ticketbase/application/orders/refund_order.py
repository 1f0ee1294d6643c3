"""``POST /api/orders/{id}/refund``: staff (``orders:manage``) give a paid order's money back,
all that is left or a part of it.

One transaction records the refund on the order, announces ``order.refunded`` and queues the
worker's ``payment.refund`` command (the gateway that took the payment, its reference, the
amount; the message id is the gateway's idempotency key, so a redelivered command refunds
nothing more), and audits it. The money moves later, in the worker, outside any transaction:
the provider's answer never holds a row lock, and a provider that is down delays the refund
(retried with backoff) instead of failing the request.

A refund that brings the refunded amount up to the total (in full, or the last part) puts the
tickets back on sale (``sold - n``); the promo code's use stays counted. A partial refund leaves
the tickets valid. Rules are the order's: a pending, cancelled or expired order has nothing to
refund (409), more than what is left → 422 on ``amount``; a full refund of a refunded order
answers it unchanged. A partial refund is not idempotent: a client that retries sends
``If-Match`` and a replay is refused as stale (409) instead of refunding twice."""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.orders.announcements import money, order_announcement, refund_payment
from ticketbase.application.orders.audit import staff_action
from ticketbase.application.orders.get_order import OrderView
from ticketbase.application.orders.staff_changes import lock_order
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.orders.errors import OrderNotRefundable
from ticketbase.domain.shared.ids import OrderId
from ticketbase.domain.shared.values import Money


@dataclass(frozen=True, slots=True)
class RefundOrderCommand:
    order_id: OrderId
    amount: Money | None = None
    """``None``: all that is left."""
    expected_version: int | None = None


class RefundOrder:
    def __init__(self, uow: UnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    async def __call__(self, command: RefundOrderCommand, actor: Actor) -> OrderView:
        """The order as it is now, with its tickets (void once it is refunded in full)."""
        organization_id = require(actor, Permission.ORDERS_MANAGE)
        now = self._clock.now()
        async with self._uow.for_tenant(organization_id) as tx:
            order = await lock_order(tx, command.order_id, command.expected_version)
            fact = order.refund(at=now, amount=command.amount)
            attendees = await tx.attendees.of_order(order.id)
            if fact is None:
                return OrderView(order, attendees)
            if fact.amount.amount > 0:  # a free order refunds its zero without a gateway
                if order.payment_provider is None or order.payment_reference is None:
                    raise OrderNotRefundable(
                        "this order's payment names no gateway to give the money back through"
                    )
                await tx.outbox.add(
                    refund_payment(
                        order_id=order.id,
                        provider=order.payment_provider,
                        reference=order.payment_reference,
                        amount=fact.amount,
                        at=now,
                        message_id=self._ids.new(),
                    )
                )
            if fact.full:
                lines = [(line.ticket_type_id, line.quantity) for line in order.lines]
                await tx.inventory.unsell(order.event_id, lines, order.promo_code_id)
            await tx.orders.save(order)
            await tx.outbox.add(order_announcement(fact, self._ids.new()))
            await tx.audit.append(
                staff_action(
                    actor,
                    "order.refunded",
                    "order",
                    order.id,
                    at=now,
                    entry_id=self._ids.new(),
                    changes={
                        "amount": money(fact.amount),
                        "refunded": money(fact.refunded),
                        "status": order.status.value,
                    },
                )
            )
            await tx.commit()
        return OrderView(order, attendees)
