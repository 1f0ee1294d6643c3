"""The outbox messages of the orders area, written in the transaction that changes the order.

Announcements (``order.created``, ``order.paid``, ``order.refunded``, ``order.cancelled``,
``order.expired``) tell the rest of the platform (real time, webhooks, plugins) what happened;
their payload is ``{organizationId, orderId, eventId, at, …}`` with the fact's own fields.
Commands to the worker carry out a side effect: ``order.confirmation`` (email the buyer their
tickets) and ``payment.refund`` (give money back through the gateway that took it)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ticketbase.application.ports.audit import JsonValue
from ticketbase.application.ports.outbox import OutboxMessage
from ticketbase.domain.orders.domain_events import (
    LatePaymentRefunded,
    OrderCancelled,
    OrderCreated,
    OrderExpired,
    OrderPaid,
    OrderRefunded,
)
from ticketbase.domain.shared.ids import OrderId
from ticketbase.domain.shared.values import Money

OrderFact = OrderCreated | OrderPaid | OrderRefunded | OrderCancelled | OrderExpired

TOPICS: dict[type[OrderFact], str] = {
    OrderCreated: "order.created",
    OrderPaid: "order.paid",
    OrderRefunded: "order.refunded",
    OrderCancelled: "order.cancelled",
    OrderExpired: "order.expired",
}
CONFIRMATION = "order.confirmation"
REFUND_PAYMENT = "payment.refund"


def money(value: Money) -> dict[str, JsonValue]:
    return {"amount": value.amount, "currency": value.currency}


def _details(fact: OrderFact) -> dict[str, JsonValue]:
    if isinstance(fact, OrderCreated):
        return {
            "number": fact.number,
            "total": money(fact.total),
            "ticketCount": fact.ticket_count,
            "expiresAt": fact.expires_at.isoformat(),
        }
    if isinstance(fact, OrderPaid):
        return {"total": money(fact.total), "ticketCount": fact.ticket_count, "late": fact.late}
    if isinstance(fact, OrderRefunded):
        return {"amount": money(fact.amount), "refunded": money(fact.refunded), "full": fact.full}
    return {}


def order_announcement(fact: OrderFact, message_id: UUID) -> OutboxMessage:
    return OutboxMessage(
        id=message_id,
        topic=TOPICS[type(fact)],
        payload={
            "organizationId": str(fact.organization_id),
            "orderId": str(fact.order_id),
            "eventId": str(fact.event_id),
            "at": fact.at.isoformat(),
            **_details(fact),
        },
        created_at=fact.at,
    )


def order_created(fact: OrderCreated, message_id: UUID) -> OutboxMessage:
    return order_announcement(fact, message_id)


def confirmation(order_id: OrderId, at: datetime, message_id: UUID) -> OutboxMessage:
    """Email the buyer the order with its tickets (again, for a resend: a new message)."""
    return OutboxMessage(message_id, CONFIRMATION, {"orderId": str(order_id)}, at)


def refund_payment(
    *,
    order_id: OrderId,
    provider: str,
    reference: str,
    amount: Money,
    at: datetime,
    message_id: UUID,
    idempotency_key: str | None = None,
) -> OutboxMessage:
    """Give ``amount`` of the payment ``reference`` back through ``provider``.
    ``idempotency_key`` (the message id when absent) is the gateway's: a redelivery, or the
    same automatic refund asked for twice (``auto-<reference>``), refunds nothing more."""
    return OutboxMessage(
        message_id,
        REFUND_PAYMENT,
        {
            "orderId": str(order_id),
            "provider": provider,
            "reference": reference,
            "amount": money(amount),
            "idempotencyKey": idempotency_key or str(message_id),
        },
        at,
    )


def automatic_refund(
    *,
    order_id: OrderId,
    provider: str,
    reference: str,
    amount: Money,
    at: datetime,
    message_id: UUID,
) -> OutboxMessage:
    """Money TicketBase must not keep (a late payment without stock, a second charge, a payment
    of a cancelled order): keyed by the payment, so however often it is noticed it goes back
    once."""
    return refund_payment(
        order_id=order_id,
        provider=provider,
        reference=reference,
        amount=amount,
        at=at,
        message_id=message_id,
        idempotency_key=f"auto-{reference}",
    )


def late_payment_refund(
    fact: LatePaymentRefunded, provider: str, message_id: UUID
) -> OutboxMessage:
    assert fact.reference is not None, "a late payment always has the gateway's reference"
    return automatic_refund(
        order_id=fact.order_id,
        provider=provider,
        reference=fact.reference,
        amount=fact.amount,
        at=fact.at,
        message_id=message_id,
    )
