"""Gateways that move no money through a provider: ``FreeGateway`` for a zero total and
``ManualGateway`` for the box office (cash or a card terminal; staff say it was paid).

Neither calls anything, so each answers at once and the same request always gets the same
answer: their references derive from the order and the idempotency key, which makes them
idempotent without keeping any state. Neither receives webhooks."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from ticketbase.application.ports.payments import (
    ChargeRequest,
    ChargeResult,
    ChargeStatus,
    InvalidWebhookSignature,
    PaymentGatewayError,
    PaymentNotice,
    PaymentProvider,
)
from ticketbase.domain.shared.values import Money


class FreeGateway:
    """Takes nothing: a charge or refund of anything but zero is a bug upstream, refused."""

    @property
    def provider(self) -> PaymentProvider:
        return PaymentProvider.FREE

    async def charge(self, request: ChargeRequest) -> ChargeResult:
        if request.amount.amount != 0:
            raise PaymentGatewayError(
                f"the free gateway takes only zero, not {request.amount}", retryable=False
            )
        return ChargeResult(status=ChargeStatus.SUCCEEDED, reference=f"free_{request.order_id}")

    async def refund(self, reference: str, amount: Money, idempotency_key: str) -> str:
        if amount.amount != 0:
            raise PaymentGatewayError(
                f"the free gateway gives back only zero, not {amount}", retryable=False
            )
        return f"free_refund_{idempotency_key}"

    def parse_webhook(
        self, body: bytes, headers: Mapping[str, str], now: datetime
    ) -> PaymentNotice:
        raise InvalidWebhookSignature("the free gateway sends no webhooks")


class ManualGateway:
    """The box office: the money changed hands in person, so recording it always succeeds."""

    @property
    def provider(self) -> PaymentProvider:
        return PaymentProvider.MANUAL

    async def charge(self, request: ChargeRequest) -> ChargeResult:
        if request.amount.is_negative:
            raise PaymentGatewayError(f"cannot take {request.amount}", retryable=False)
        return ChargeResult(status=ChargeStatus.SUCCEEDED, reference=f"manual_{request.order_id}")

    async def refund(self, reference: str, amount: Money, idempotency_key: str) -> str:
        if amount.is_negative:
            raise PaymentGatewayError(f"cannot give back {amount}", retryable=False)
        return f"manual_refund_{idempotency_key}"

    def parse_webhook(
        self, body: bytes, headers: Mapping[str, str], now: datetime
    ) -> PaymentNotice:
        raise InvalidWebhookSignature("the box office sends no webhooks")
