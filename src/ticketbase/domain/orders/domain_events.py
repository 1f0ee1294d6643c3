"""Facts the orders area announces; the application writes them to the outbox in the same
transaction as the change (confirmation emails, webhooks, plugins, the gateway's refunds)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from ticketbase.domain.shared.ids import EventId, OrderId, OrganizationId, PromoCodeId
from ticketbase.domain.shared.values import Money


@dataclass(frozen=True, slots=True)
class OrderCreated:
    name: ClassVar[str] = "order_created"

    organization_id: OrganizationId
    order_id: OrderId
    event_id: EventId
    at: datetime
    number: str
    total: Money
    ticket_count: int
    expires_at: datetime
    promo_code_id: PromoCodeId | None = None


@dataclass(frozen=True, slots=True)
class OrderPaid:
    """``late``: paid after its hold ran out, with the stock taken again."""

    name: ClassVar[str] = "order_paid"

    organization_id: OrganizationId
    order_id: OrderId
    event_id: EventId
    at: datetime
    total: Money
    ticket_count: int
    late: bool = False


@dataclass(frozen=True, slots=True)
class OrderRefunded:
    """``amount``: this refund; ``refunded``: all refunds so far; ``full``: nothing is left."""

    name: ClassVar[str] = "order_refunded"

    organization_id: OrganizationId
    order_id: OrderId
    event_id: EventId
    at: datetime
    amount: Money
    refunded: Money
    full: bool


@dataclass(frozen=True, slots=True)
class OrderCancelled:
    name: ClassVar[str] = "order_cancelled"

    organization_id: OrganizationId
    order_id: OrderId
    event_id: EventId
    at: datetime


@dataclass(frozen=True, slots=True)
class OrderExpired:
    name: ClassVar[str] = "order_expired"

    organization_id: OrganizationId
    order_id: OrderId
    event_id: EventId
    at: datetime


@dataclass(frozen=True, slots=True)
class LatePaymentRefunded:
    """Money arrived after the hold ran out and the stock was gone: the gateway gives
    ``amount`` back for the payment ``reference``."""

    name: ClassVar[str] = "late_payment_refunded"

    organization_id: OrganizationId
    order_id: OrderId
    event_id: EventId
    at: datetime
    amount: Money
    reference: str | None
