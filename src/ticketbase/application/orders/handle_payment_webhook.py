"""A payment provider's webhook: believe nothing before the signature, then act on what it says.

Only a succeeded payment of an order TicketBase charged changes anything, through
``RecordPayment`` (so a webhook delivered twice, or racing the synchronous answer of
``PayOrder``, pays the order once). Everything else — a failed attempt, a refund TicketBase
asked for itself, an event about a charge made elsewhere, an order gone with its tenant — is
acknowledged and left alone: answering an error would only make the provider retry it."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from ticketbase.application.orders.record_payment import (
    PaymentGateways,
    ReceivedPayment,
    RecordPayment,
)
from ticketbase.application.ports.payments import NoticeKind, PaymentProvider
from ticketbase.application.ports.system import Clock
from ticketbase.domain.orders.errors import OrderNotFound, PaymentAmountMismatch
from ticketbase.domain.shared.errors import NotFound

log = logging.getLogger(__name__)


class UnknownProvider(NotFound):
    code = "not_found"


@dataclass(frozen=True, slots=True)
class WebhookOutcome:
    event_id: str
    acted: bool


class HandlePaymentWebhook:
    def __init__(self, clock: Clock, gateways: PaymentGateways, record: RecordPayment) -> None:
        self._clock, self._gateways, self._record = clock, gateways, record

    async def __call__(
        self, provider: str, body: bytes, headers: Mapping[str, str]
    ) -> WebhookOutcome:
        """``InvalidWebhookSignature`` / ``ValueError`` when the request is not the provider's
        or cannot be read."""
        try:
            gateway = self._gateways.get(PaymentProvider(provider))
        except ValueError:
            gateway = None
        if gateway is None:
            raise UnknownProvider("no such payment provider")
        notice = gateway.parse_webhook(body, headers, self._clock.now())
        if (
            notice.kind is not NoticeKind.SUCCEEDED
            or notice.organization_id is None
            or notice.order_id is None
            or notice.reference is None
            or notice.amount is None
        ):
            log.info("payment_webhook_ignored event_id=%s kind=%s", notice.event_id, notice.kind)
            return WebhookOutcome(notice.event_id, acted=False)
        try:
            recorded = await self._record(
                ReceivedPayment(
                    organization_id=notice.organization_id,
                    order_id=notice.order_id,
                    provider=gateway.provider,
                    reference=notice.reference,
                    amount=notice.amount,
                )
            )
        except (OrderNotFound, PaymentAmountMismatch) as error:
            # Not ours to keep, and retrying cannot help: an operator looks at the log.
            log.error("payment_webhook_unmatched event_id=%s error=%s", notice.event_id, error)
            return WebhookOutcome(notice.event_id, acted=False)
        log.info(
            "payment_webhook_recorded event_id=%s order_id=%s outcome=%s",
            notice.event_id,
            recorded.order.id,
            recorded.outcome.value,
        )
        return WebhookOutcome(notice.event_id, acted=True)
