"""Payments: the gateways that take and give back a buyer's money.

A ``PaymentGateway`` is one provider: ``free`` (a zero total, nothing to take), ``manual`` (the
box office took cash or a card terminal; staff say so) and a card provider (``stripe``: any
Stripe-compatible API). The application decides *whether* an order may be paid or refunded (the
domain's state machine); a gateway only moves money and reports what the provider says.

- **Charges are idempotent.** ``charge`` carries an idempotency key (the order's id: an order is
  paid once); the provider answers a repeated call with the first charge, never a second one.
- **Refunds leave through the outbox.** A refund is recorded on the order in the business
  transaction together with an outbox message; the worker calls ``refund`` with the message id
  as idempotency key, retrying until the provider has it. A crash never loses or doubles one.
- **Webhooks are verified.** ``parse_webhook`` checks the provider's signature (and its
  timestamp tolerance) before anything in the body is believed; a bad one raises
  ``InvalidWebhookSignature``. The notice names the tenant and order from the charge's metadata,
  which only the server wrote.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ticketbase.domain.shared.ids import OrderId, OrganizationId
from ticketbase.domain.shared.values import Money


class PaymentProvider(enum.StrEnum):
    FREE = "free"
    MANUAL = "manual"
    STRIPE = "stripe"


class ChargeStatus(enum.StrEnum):
    SUCCEEDED = "succeeded"
    """The money is taken: pay the order now."""
    PENDING = "pending"
    """The buyer must act (3-D Secure: ``client_secret``) or the provider is still working; a
    webhook tells the outcome."""
    FAILED = "failed"
    """Declined: the order stays pending, the buyer may try again."""


@dataclass(frozen=True, slots=True)
class ChargeRequest:
    organization_id: OrganizationId
    order_id: OrderId
    amount: Money
    description: str
    idempotency_key: str
    payment_method: str | None = None
    """The provider's token of the buyer's card (``pm_…``); ``None`` where none is needed."""
    receipt_email: str | None = None


@dataclass(frozen=True, slots=True)
class ChargeResult:
    status: ChargeStatus
    reference: str
    """The provider's id of the charge (a PaymentIntent's ``pi_…``): what refunds name."""
    client_secret: str | None = None
    failure_message: str | None = None


class NoticeKind(enum.StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REFUNDED = "refunded"
    OTHER = "other"
    """A provider event TicketBase does not act on (answered 200, ignored)."""


@dataclass(frozen=True, slots=True)
class PaymentNotice:
    """What a verified webhook says. ``organization_id``/``order_id`` are ``None`` for an
    event about a charge TicketBase did not make (answered 200, ignored)."""

    event_id: str
    kind: NoticeKind
    reference: str | None
    organization_id: OrganizationId | None
    order_id: OrderId | None
    amount: Money | None
    created_at: datetime


class PaymentGatewayError(Exception):
    """The provider could not be reached or answered with an error (not a decline: a declined
    card is a ``FAILED`` result). ``retryable``: worth trying again later."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class InvalidWebhookSignature(Exception):
    """The webhook's signature is missing, malformed, wrong or outside the tolerance."""


class PaymentGateway(Protocol):
    @property
    def provider(self) -> PaymentProvider: ...

    async def charge(self, request: ChargeRequest) -> ChargeResult:
        """Take ``request.amount``; the same ``idempotency_key`` again answers the first
        charge. Raises ``PaymentGatewayError`` when the provider cannot say."""
        ...

    async def refund(self, reference: str, amount: Money, idempotency_key: str) -> str:
        """Give ``amount`` of the charge ``reference`` back; the provider's refund id. The same
        ``idempotency_key`` again refunds nothing more."""
        ...

    def parse_webhook(
        self, body: bytes, headers: Mapping[str, str], now: datetime
    ) -> PaymentNotice:
        """Verify and read a webhook (``headers`` lower-cased); ``InvalidWebhookSignature``
        when it is not the provider's, ``ValueError`` when the body cannot be read."""
        ...
