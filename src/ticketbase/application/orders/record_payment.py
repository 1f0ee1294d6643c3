"""Record money a gateway took for an order: the one place an order becomes paid.

Used by ``PayOrder`` (the charge answered at once) and by the payment webhook (the provider
tells later). Each attempt is one tenant transaction; a concurrent change of the order (the
hold sweep, a cancel, the same webhook twice) fails its version check and the attempt runs
again on the fresh order, so the outcome is decided once:

- **Paid within the hold**: the held tickets become sold, one attendee per ticket is issued with
  a signed code, and ``order.paid`` and ``order.confirmation`` join the outbox.
- **Paid again** with the same payment: nothing changes (a webhook delivered twice). With
  another payment (a second charge of a paid order): that money goes back (``payment.refund``).
- **Paid after the hold ran out**: if the order is still pending its tickets are still held, so
  they are simply sold; if it expired, the stock is taken again with the same conditional
  updates as a checkout, in a transaction of its own. Stock gone → the order stays expired and
  the money goes back (``payment.refund`` through the same gateway).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from ticketbase.application.context import Actor
from ticketbase.application.orders.announcements import (
    automatic_refund,
    confirmation,
    late_payment_refund,
    money,
    order_announcement,
)
from ticketbase.application.orders.audit import staff_action
from ticketbase.application.ports.payments import PaymentGateway, PaymentProvider
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.tickets import TicketSigner
from ticketbase.application.ports.unit_of_work import TenantTransaction, UnitOfWork
from ticketbase.domain.events.errors import PromoCodeUsedUp
from ticketbase.domain.orders.attendee import Attendee
from ticketbase.domain.orders.domain_events import LatePaymentRefunded, OrderPaid
from ticketbase.domain.orders.errors import EventSoldOut, OrderNotFound, OrderNotPayable, SoldOut
from ticketbase.domain.orders.order import Order, OrderStatus, PaymentOutcome, PaymentResult
from ticketbase.domain.shared.errors import StaleVersion
from ticketbase.domain.shared.ids import AttendeeId, OrderId, OrganizationId
from ticketbase.domain.shared.values import Money

ATTEMPTS = 5


class PaymentGateways:
    """The configured gateway of each provider."""

    def __init__(self, gateways: Mapping[PaymentProvider, PaymentGateway]) -> None:
        self._gateways = dict(gateways)

    def get(self, provider: PaymentProvider) -> PaymentGateway | None:
        return self._gateways.get(provider)

    @property
    def providers(self) -> frozenset[PaymentProvider]:
        return frozenset(self._gateways)


@dataclass(frozen=True, slots=True)
class ReceivedPayment:
    organization_id: OrganizationId
    order_id: OrderId
    provider: PaymentProvider
    reference: str
    amount: Money
    actor: Actor | None = None
    """Staff who recorded it (the box office): audited with the payment."""


@dataclass(frozen=True, slots=True)
class Recorded:
    order: Order
    attendees: list[Attendee]
    outcome: PaymentOutcome


class RecordPayment:
    def __init__(
        self, uow: UnitOfWork, clock: Clock, ids: IdGenerator, signer: TicketSigner
    ) -> None:
        self._uow, self._clock, self._ids, self._signer = uow, clock, ids, signer

    async def __call__(self, payment: ReceivedPayment) -> Recorded:
        for attempt in range(ATTEMPTS):
            try:
                recorded = await self._attempt(payment)
            except OrderNotPayable:
                return await self._give_back(payment)
            except StaleVersion:
                if attempt == ATTEMPTS - 1:
                    raise
                continue
            if recorded is not None:
                return recorded
            return await self._retake_or_refund(payment)
        raise AssertionError("unreachable")

    async def _attempt(self, payment: ReceivedPayment) -> Recorded | None:
        """``None``: the order expired and its stock must be taken again."""
        now = self._clock.now()
        async with self._uow.for_tenant(payment.organization_id) as tx:
            order = await _order(tx, payment.order_id)
            result = order.pay(
                at=now,
                amount=payment.amount,
                reference=payment.reference,
                provider=payment.provider.value,
            )
            if result.outcome is PaymentOutcome.AFTER_EXPIRY:
                if order.status is not OrderStatus.PENDING:
                    return None
                # Pending past its hold: nobody released the tickets, they are still held.
                result = _settle(order, payment, now, stock_taken=True)
            return await self._finish(tx, order, result, payment)

    async def _retake_or_refund(self, payment: ReceivedPayment) -> Recorded:
        now = self._clock.now()
        async with self._uow.for_tenant(payment.organization_id) as tx:
            order = await _order(tx, payment.order_id)
            try:
                lines = [(line.ticket_type_id, line.quantity) for line in order.lines]
                await tx.inventory.hold(order.event_id, lines, order.promo_code_id)
            except (SoldOut, EventSoldOut, PromoCodeUsedUp):
                pass  # leave without committing: nothing of the refused hold stays
            else:
                result = _settle(order, payment, now, stock_taken=True)
                return await self._finish(tx, order, result, payment)
        async with self._uow.for_tenant(payment.organization_id) as tx:
            order = await _order(tx, payment.order_id)
            result = _settle(order, payment, now, stock_taken=False)
            return await self._finish(tx, order, result, payment)

    async def _give_back(self, payment: ReceivedPayment) -> Recorded:
        """Money for an order that was cancelled meanwhile: it goes back, the order stays."""
        async with self._uow.for_tenant(payment.organization_id) as tx:
            order = await _order(tx, payment.order_id)
            await tx.outbox.add(
                automatic_refund(
                    order_id=order.id,
                    provider=payment.provider,
                    reference=payment.reference,
                    amount=payment.amount,
                    at=self._clock.now(),
                    message_id=self._ids.new(),
                )
            )
            await tx.commit()
        return Recorded(order, [], PaymentOutcome.REFUNDED_AUTOMATICALLY)

    async def _finish(
        self,
        tx: TenantTransaction,
        order: Order,
        result: PaymentResult,
        payment: ReceivedPayment,
    ) -> Recorded:
        fact = result.event
        if isinstance(fact, OrderPaid):
            lines = [(line.ticket_type_id, line.quantity) for line in order.lines]
            await tx.inventory.confirm(order.event_id, lines)
            attendees = self._issue(order)
            await tx.orders.save(order)
            await tx.attendees.add_all(attendees)
            await tx.outbox.add(order_announcement(fact, self._ids.new()))
            await tx.outbox.add(confirmation(order.id, fact.at, self._ids.new()))
            if payment.actor is not None:
                await tx.audit.append(
                    staff_action(
                        payment.actor,
                        "order.paid",
                        "order",
                        order.id,
                        at=fact.at,
                        entry_id=self._ids.new(),
                        changes={"provider": payment.provider.value, "total": money(order.total)},
                    )
                )
            await tx.commit()
            return Recorded(order, attendees, result.outcome)
        attendees = await tx.attendees.of_order(order.id) if order.status.was_paid else []
        if isinstance(fact, LatePaymentRefunded):
            await tx.orders.save(order)
            await tx.outbox.add(late_payment_refund(fact, payment.provider, self._ids.new()))
            await tx.commit()
        elif result.outcome is PaymentOutcome.DUPLICATE:
            await tx.outbox.add(
                automatic_refund(
                    order_id=order.id,
                    provider=payment.provider,
                    reference=payment.reference,
                    amount=payment.amount,
                    at=self._clock.now(),
                    message_id=self._ids.new(),
                )
            )
            await tx.commit()
        return Recorded(order, attendees, result.outcome)

    def _issue(self, order: Order) -> list[Attendee]:
        holders = order.ticket_holders()
        ids = [AttendeeId(self._ids.new()) for _ in holders]
        codes = [self._signer.sign(order.organization_id, order.event_id, i) for i in ids]
        return Attendee.issue_all(order, ids=ids, codes=codes, now=self._clock.now())


def _settle(
    order: Order, payment: ReceivedPayment, now: datetime, *, stock_taken: bool
) -> PaymentResult:
    return order.settle_late_payment(
        at=now,
        amount=payment.amount,
        reference=payment.reference,
        provider=payment.provider.value,
        stock_taken=stock_taken,
    )


async def _order(tx: TenantTransaction, order_id: OrderId) -> Order:
    """The order, locked first: the hold sweep and staff lock the order before the stock too,
    so a payment racing them waits instead of deadlocking on the other row."""
    order = await tx.orders.lock(order_id)
    if order is None:
        raise OrderNotFound("no such order")
    return order
