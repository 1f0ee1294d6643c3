"""Give money back through the gateway that took it: the outbox handler of ``payment.refund``.

A staff refund (``RefundOrder``) and the automatic ones (a late payment without stock, a second
charge, a payment of a cancelled order: ``RecordPayment``) write the message in the transaction
that decided the refund; its payload names the ``provider``, the payment's ``reference``, the
``amount`` and the gateway's ``idempotencyKey``. The worker delivers it at least once, and the
key makes a redelivery (after a crash, a lost acknowledgement, a lease that ran out) refund
nothing more at the provider.

Any failure raises, so the outbox retries with backoff and finally parks the message, kept and
visible with its error: a gateway error (down, timeout, refused), a provider that is no longer
configured (the refund waits for it to be set up again), or a payload this handler cannot read.
The gateway's error texts are written to mask secrets; they are stored as the message's
``last_error``."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ticketbase.application.orders.record_payment import PaymentGateways
from ticketbase.application.ports.audit import JsonValue
from ticketbase.application.ports.outbox import ClaimedMessage
from ticketbase.application.ports.payments import PaymentProvider
from ticketbase.domain.shared.values import Money

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RefundInstruction:
    provider: PaymentProvider
    reference: str
    amount: Money
    idempotency_key: str

    @classmethod
    def read(cls, payload: dict[str, JsonValue]) -> RefundInstruction:
        """The message's payload; ``ValueError`` naming what is missing or wrong."""
        provider, reference = payload.get("provider"), payload.get("reference")
        key, amount = payload.get("idempotencyKey"), payload.get("amount")
        if not isinstance(provider, str) or provider not in set(PaymentProvider):
            raise ValueError(f"a payment.refund message names no known provider: {provider!r}")
        if not isinstance(reference, str) or not reference:
            raise ValueError("a payment.refund message names no payment reference")
        if not isinstance(key, str) or not key:
            raise ValueError("a payment.refund message carries no idempotency key")
        if not isinstance(amount, dict):
            raise ValueError("a payment.refund message carries no amount")
        value, currency = amount.get("amount"), amount.get("currency")
        if type(value) is not int or not isinstance(currency, str):
            raise ValueError(f"a payment.refund message's amount is not money: {amount!r}")
        return cls(PaymentProvider(provider), reference, Money(value, currency), key)


class RefundPayment:
    def __init__(self, gateways: PaymentGateways) -> None:
        self._gateways = gateways

    async def __call__(self, message: ClaimedMessage) -> None:
        refund = RefundInstruction.read(message.payload)
        gateway = self._gateways.get(refund.provider)
        if gateway is None:
            raise RuntimeError(
                f"the {refund.provider.value} payment provider is not configured: this refund"
                " waits until it is set up again"
            )
        refund_id = await gateway.refund(refund.reference, refund.amount, refund.idempotency_key)
        log.info(
            "payment_refunded provider=%s order_id=%s amount=%s refund_id=%s message_id=%s",
            refund.provider.value,
            message.payload.get("orderId"),
            refund.amount,
            refund_id,
            message.id,
        )
