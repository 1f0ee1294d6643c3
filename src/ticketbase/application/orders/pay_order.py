"""``POST /api/orders/{id}/pay``: take the money through the chosen gateway, then record it.

1. **Who.** ``free`` and ``stripe`` are paid by the buyer (the order's token) or by staff with
   ``orders:manage``; ``manual`` (the box office took the money) only by staff.
2. **Whether.** A paid order answers as it is, charging nothing (paying twice is idempotent);
   an expired or cancelled one is refused (409) before any money moves. ``free`` pays only a
   zero total and the others only a total above zero.
3. **Charge** through the gateway, outside any transaction (a network call never holds a row
   lock). The gateway's idempotency key is derived from the order and the payment method, so a
   retried request never charges twice; a second, different charge of the same order is given
   back by ``RecordPayment``.
4. **Record** (``RecordPayment``): sold, tickets issued, confirmation queued — or, when the
   provider needs the buyer to act (3-D Secure), the order stays pending and the answer carries
   the ``clientSecret``; the webhook finishes it.

With an ``Idempotency-Key`` the key is remembered with the request's fingerprint: the same key
with another body is refused (422); a replay runs the idempotent payment again and gets the same
answer.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from ticketbase.application.orders.access import OrderAccess, load_order
from ticketbase.application.orders.checkout import KEEP_KEYS, IdempotencyKeyReused, check_key
from ticketbase.application.orders.record_payment import (
    PaymentGateways,
    ReceivedPayment,
    RecordPayment,
)
from ticketbase.application.ports.errors import DependencyUnavailable
from ticketbase.application.ports.payments import (
    ChargeRequest,
    ChargeStatus,
    PaymentGatewayError,
    PaymentProvider,
)
from ticketbase.application.ports.system import Clock
from ticketbase.application.ports.unit_of_work import TenantTransaction, UnitOfWork
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.orders.attendee import Attendee
from ticketbase.domain.orders.errors import PaymentDeclined, WrongPaymentProvider
from ticketbase.domain.orders.order import Order
from ticketbase.domain.shared.errors import PermissionDenied, RuleViolated
from ticketbase.domain.shared.ids import OrderId

PAID = 200


@dataclass(frozen=True, slots=True)
class PayCommand:
    order_id: OrderId
    access: OrderAccess
    provider: PaymentProvider
    payment_method: str | None = None
    idempotency_key: str | None = None

    def fingerprint(self) -> bytes:
        parts = [str(self.order_id), self.provider.value, self.payment_method]
        return hashlib.sha256(json.dumps(parts).encode()).digest()


@dataclass(frozen=True, slots=True)
class PendingPayment:
    """The provider waits for the buyer (``requires_action``): finish with ``client_secret``."""

    status: str
    client_secret: str | None


@dataclass(frozen=True, slots=True)
class PaymentAnswer:
    order: Order
    attendees: list[Attendee]
    pending: PendingPayment | None = None


class PayOrder:
    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        gateways: PaymentGateways,
        record: RecordPayment,
    ) -> None:
        self._uow, self._clock, self._gateways, self._record = uow, clock, gateways, record

    async def __call__(self, command: PayCommand) -> PaymentAnswer:
        access = command.access
        if command.provider is PaymentProvider.MANUAL and access.actor is None:
            raise PermissionDenied("the box office pays an order with the orders:manage permission")
        organization_id = access.organization(Permission.ORDERS_MANAGE)
        gateway = self._gateways.get(command.provider)
        if gateway is None:
            raise RuleViolated(
                f"{command.provider.value} payments are not set up", field="provider"
            )
        key = check_key(command.idempotency_key)
        async with self._uow.for_tenant(organization_id) as tx:
            order = await load_order(tx, command.order_id, access)
            if key is not None:
                await self._remember(tx, f"pay:{order.id}:{key}", command)
            due = order.check_payable(self._clock.now())
            attendees = [] if due else await tx.attendees.of_order(order.id)
            await tx.commit()
        if not due:
            return PaymentAnswer(order, attendees)
        _check_provider(command, order)
        try:
            charge = await gateway.charge(
                ChargeRequest(
                    organization_id=organization_id,
                    order_id=order.id,
                    amount=order.total,
                    description=f"Order {order.number}",
                    idempotency_key=_charge_key(order, command.payment_method),
                    payment_method=command.payment_method,
                    receipt_email=order.buyer.email.value,
                )
            )
        except PaymentGatewayError as error:
            raise DependencyUnavailable("payment_provider") from error
        if charge.status is ChargeStatus.FAILED:
            raise PaymentDeclined(charge.failure_message or "the payment was declined")
        if charge.status is ChargeStatus.PENDING:
            return PaymentAnswer(order, [], PendingPayment("requires_action", charge.client_secret))
        recorded = await self._record(
            ReceivedPayment(
                organization_id=organization_id,
                order_id=order.id,
                provider=command.provider,
                reference=charge.reference,
                amount=order.total,
                actor=access.actor,
            )
        )
        return PaymentAnswer(recorded.order, recorded.attendees)

    async def _remember(self, tx: TenantTransaction, key: str, command: PayCommand) -> None:
        stored = await tx.idempotency_keys.claim(
            key, command.fingerprint(), now=self._clock.now(), keep=KEEP_KEYS
        )
        if stored is None:
            await tx.idempotency_keys.record(key, PAID, {"orderId": str(command.order_id)})
        elif stored.request_hash != command.fingerprint():
            raise IdempotencyKeyReused(
                "this idempotency key was used for another request", field="Idempotency-Key"
            )


def _check_provider(command: PayCommand, order: Order) -> None:
    free = order.total.amount == 0
    if command.provider is PaymentProvider.FREE and not free:
        raise WrongPaymentProvider("only an order with a zero total is free", field="provider")
    if command.provider is not PaymentProvider.FREE and free:
        raise WrongPaymentProvider("an order with a zero total is paid as free", field="provider")
    if command.provider is PaymentProvider.STRIPE and not command.payment_method:
        raise RuleViolated("a card payment names its payment method", field="paymentMethod")


def _charge_key(order: Order, payment_method: str | None) -> str:
    """One charge per order and payment method, whatever retries the client or we make."""
    method = hashlib.sha256((payment_method or "").encode()).hexdigest()[:16]
    return f"order-{order.id}-{method}"
