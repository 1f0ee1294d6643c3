"""The outbox messages of the orders area, written in the transaction that changes the order."""

from __future__ import annotations

from uuid import UUID

from ticketbase.application.ports.outbox import OutboxMessage
from ticketbase.domain.orders.domain_events import OrderCreated


def order_created(fact: OrderCreated, message_id: UUID) -> OutboxMessage:
    """``{organizationId, orderId, eventId, number, total, ticketCount, expiresAt, at}``."""
    return OutboxMessage(
        id=message_id,
        topic="order.created",
        payload={
            "organizationId": str(fact.organization_id),
            "orderId": str(fact.order_id),
            "eventId": str(fact.event_id),
            "number": fact.number,
            "total": {"amount": fact.total.amount, "currency": fact.total.currency},
            "ticketCount": fact.ticket_count,
            "expiresAt": fact.expires_at.isoformat(),
            "at": fact.at.isoformat(),
        },
        created_at=fact.at,
    )
