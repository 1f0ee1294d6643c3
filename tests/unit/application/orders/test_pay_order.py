"""Paying orders on the in-memory adapters: who may pay how, what a payment changes (stock,
tickets, outbox), and the late, repeated and unwanted payments that must go back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import pytest
from tests.unit.application.events.conftest import EventsKit
from tests.unit.application.orders.test_checkout import BUYER_TOKENS, command

from ticketbase.adapters.payments.offline import FreeGateway, ManualGateway
from ticketbase.adapters.security.ticket_codes import (
    Ed25519TicketSigner,
    TicketSigningKeys,
    generate_private_key,
)
from ticketbase.application.context import Actor
from ticketbase.application.events.publish_event import PublishEventCommand
from ticketbase.application.orders.access import OrderAccess
from ticketbase.application.orders.checkout import Checkout, IdempotencyKeyReused, PlacedOrder
from ticketbase.application.orders.pay_order import PayCommand, PayOrder
from ticketbase.application.orders.record_payment import (
    PaymentGateways,
    ReceivedPayment,
    RecordPayment,
)
from ticketbase.application.ports.payments import (
    ChargeRequest,
    ChargeResult,
    ChargeStatus,
    PaymentNotice,
    PaymentProvider,
)
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.orders.errors import (
    OrderIsExpired,
    OrderNotFound,
    PaymentDeclined,
    WrongPaymentProvider,
)
from ticketbase.domain.orders.order import OrderStatus, PaymentOutcome
from ticketbase.domain.shared.errors import PermissionDenied
from ticketbase.domain.shared.values import Money

pytestmark = pytest.mark.anyio
SIGNER = Ed25519TicketSigner(TicketSigningKeys.parse([generate_private_key()]))


@dataclass
class ScriptedCard:
    """A card provider answering what the test says; counts the charges it was asked for."""

    status: ChargeStatus = ChargeStatus.SUCCEEDED
    charges: list[ChargeRequest] = field(default_factory=list)

    @property
    def provider(self) -> PaymentProvider:
        return PaymentProvider.STRIPE

    async def charge(self, request: ChargeRequest) -> ChargeResult:
        self.charges.append(request)
        return ChargeResult(self.status, f"pi_{request.idempotency_key}", "secret")

    async def refund(self, reference: str, amount: Money, idempotency_key: str) -> str:
        raise AssertionError("refunds leave through the outbox")

    def parse_webhook(
        self, body: bytes, headers: Mapping[str, str], now: datetime
    ) -> PaymentNotice:
        raise AssertionError("not used here")


@dataclass
class Payments:
    kit: EventsKit
    card: ScriptedCard
    record: RecordPayment
    pay: PayOrder

    async def place(
        self, organization: Organization, owner: Actor, quantity: int = 100
    ) -> PlacedOrder:
        """2 tickets of a new event's only type, of ``quantity`` places."""
        event = await self.kit.event(owner, f"Festival {self.kit.ids.new().hex[-8:]}")
        view = await self.kit.ticket_type(owner, event.id, quantity=quantity)
        await self.kit.publish_event(PublishEventCommand(event.id), owner)
        checkout = Checkout(self.kit.uow, self.kit.clock, self.kit.ids, BUYER_TOKENS)
        wanted = min(2, quantity)
        return await checkout(command(organization, event.id, view.ticket_type.id, wanted))

    def counts(self, placed: PlacedOrder) -> tuple[int, int]:
        order = placed.order
        types = self.kit.uow.database.state.ticket_types[order.organization_id]
        ticket_type = types[order.lines[0].ticket_type_id]
        return ticket_type.sold, ticket_type.held

    def topics(self, organization: Organization) -> list[str]:
        return [m.topic for m in self.kit.outbox(organization.id)]


@pytest.fixture
def payments(kit: EventsKit) -> Payments:
    card = ScriptedCard()
    gateways = PaymentGateways(
        {
            PaymentProvider.FREE: FreeGateway(),
            PaymentProvider.MANUAL: ManualGateway(),
            PaymentProvider.STRIPE: card,
        }
    )
    record = RecordPayment(kit.uow, kit.clock, kit.ids, SIGNER)
    return Payments(kit, card, record, PayOrder(kit.uow, kit.clock, gateways, record))


def by_buyer(placed: PlacedOrder, provider: PaymentProvider, **changes: object) -> PayCommand:
    access = OrderAccess.buyer(placed.order.organization_id, placed.access_token)
    return PayCommand(placed.order.id, access, provider, **changes)  # type: ignore[arg-type]


async def test_a_card_payment_sells_the_tickets_issues_signed_codes_and_queues_the_email(
    payments: Payments, owner: Actor, acme: Organization
) -> None:
    placed = await payments.place(acme, owner)
    assert payments.counts(placed) == (0, 2)
    answer = await payments.pay(by_buyer(placed, PaymentProvider.STRIPE, payment_method="pm_x"))
    assert answer.order.status is OrderStatus.PAID
    assert answer.order.payment_provider == "stripe"
    assert payments.counts(placed) == (2, 0)
    assert len(answer.attendees) == 2
    for attendee in answer.attendees:
        claims = SIGNER.verify(attendee.ticket_code)
        assert claims is not None
        assert (claims.organization_id, claims.attendee_id) == (acme.id, attendee.id)
    assert payments.topics(acme)[-2:] == ["order.paid", "order.confirmation"]
    # Again: the same answer, no second charge, nothing more in the outbox.
    messages = len(payments.topics(acme))
    again = await payments.pay(by_buyer(placed, PaymentProvider.STRIPE, payment_method="pm_x"))
    assert [a.ticket_code for a in again.attendees] == [a.ticket_code for a in answer.attendees]
    assert len(payments.card.charges) == 1
    assert len(payments.topics(acme)) == messages


async def test_who_may_pay_how(payments: Payments, owner: Actor, acme: Organization) -> None:
    placed = await payments.place(acme, owner)
    with pytest.raises(PermissionDenied):
        await payments.pay(by_buyer(placed, PaymentProvider.MANUAL))
    with pytest.raises(WrongPaymentProvider):
        await payments.pay(by_buyer(placed, PaymentProvider.FREE))
    with pytest.raises(OrderNotFound):
        await payments.pay(
            PayCommand(placed.order.id, OrderAccess.buyer(acme.id, "forged"), PaymentProvider.FREE)
        )
    staff = PayCommand(placed.order.id, OrderAccess.staff(owner), PaymentProvider.MANUAL)
    assert (await payments.pay(staff)).order.status is OrderStatus.PAID
    assert any(e.action == "order.paid" for _, e in payments.kit.uow.database.state.audit)


async def test_a_declined_card_changes_nothing_and_a_pending_one_waits(
    payments: Payments, owner: Actor, acme: Organization
) -> None:
    placed = await payments.place(acme, owner)
    payments.card.status = ChargeStatus.FAILED
    with pytest.raises(PaymentDeclined):
        await payments.pay(by_buyer(placed, PaymentProvider.STRIPE, payment_method="pm_x"))
    payments.card.status = ChargeStatus.PENDING
    answer = await payments.pay(by_buyer(placed, PaymentProvider.STRIPE, payment_method="pm_y"))
    assert answer.order.status is OrderStatus.PENDING
    assert answer.pending is not None
    assert answer.pending.client_secret == "secret"
    assert payments.counts(placed) == (0, 2)


async def test_an_expired_order_is_refused_before_any_charge(
    payments: Payments, owner: Actor, acme: Organization
) -> None:
    placed = await payments.place(acme, owner)
    payments.kit.clock.advance(minutes=16)
    with pytest.raises(OrderIsExpired):
        await payments.pay(by_buyer(placed, PaymentProvider.STRIPE, payment_method="pm_x"))
    assert payments.card.charges == []


async def test_the_same_idempotency_key_with_another_body_is_refused(
    payments: Payments, owner: Actor, acme: Organization
) -> None:
    placed = await payments.place(acme, owner)
    first = by_buyer(placed, PaymentProvider.STRIPE, payment_method="pm_x", idempotency_key="k")
    await payments.pay(first)
    assert (await payments.pay(first)).order.status is OrderStatus.PAID
    with pytest.raises(IdempotencyKeyReused):
        await payments.pay(
            by_buyer(placed, PaymentProvider.STRIPE, payment_method="pm_z", idempotency_key="k")
        )


def received(placed: PlacedOrder, reference: str = "pi_late") -> ReceivedPayment:
    order = placed.order
    return ReceivedPayment(
        order.organization_id, order.id, PaymentProvider.STRIPE, reference, order.total
    )


async def test_a_late_payment_sells_tickets_still_held(
    payments: Payments, owner: Actor, acme: Organization
) -> None:
    placed = await payments.place(acme, owner)
    payments.kit.clock.advance(minutes=30)  # nobody released the hold
    recorded = await payments.record(received(placed))
    assert recorded.outcome is PaymentOutcome.PAID
    assert payments.counts(placed) == (2, 0)


async def test_a_late_payment_takes_released_stock_again_or_goes_back(
    payments: Payments, owner: Actor, acme: Organization
) -> None:
    placed = await payments.place(acme, owner, quantity=2)
    # The sweep released it: the order is expired, its tickets back in stock.
    async with payments.kit.uow.for_tenant(acme.id) as tx:
        order = await tx.orders.get(placed.order.id)
        assert order is not None
        payments.kit.clock.advance(minutes=20)
        order.expire(now=payments.kit.clock.now())
        await tx.orders.save(order)
        lines = [(line.ticket_type_id, line.quantity) for line in order.lines]
        await tx.inventory.release(order.event_id, lines)
        await tx.commit()
    assert payments.counts(placed) == (0, 0)
    recorded = await payments.record(received(placed))
    assert recorded.outcome is PaymentOutcome.PAID
    assert payments.counts(placed) == (2, 0)
    assert len(recorded.attendees) == 2

    # A second order whose stock went to someone else meanwhile: the money goes back, once.
    second = await payments.place(acme, owner, quantity=1)
    async with payments.kit.uow.for_tenant(acme.id) as tx:
        order = await tx.orders.get(second.order.id)
        assert order is not None
        payments.kit.clock.advance(minutes=20)
        order.expire(now=payments.kit.clock.now())
        await tx.orders.save(order)
        lines = [(line.ticket_type_id, line.quantity) for line in order.lines]
        await tx.inventory.release(order.event_id, lines)
        await tx.commit()
    rival = Checkout(payments.kit.uow, payments.kit.clock, payments.kit.ids, BUYER_TOKENS)
    await rival(command(acme, second.order.event_id, second.order.lines[0].ticket_type_id, 1))
    for _ in range(2):  # the webhook, delivered twice
        recorded = await payments.record(received(second, "pi_second"))
        assert recorded.order.status is OrderStatus.EXPIRED
    refunds = [m for m in payments.kit.outbox(acme.id) if m.topic == "payment.refund"]
    assert len(refunds) == 1
    assert refunds[0].payload["idempotencyKey"] == "auto-pi_second"


async def test_another_charge_of_a_paid_order_and_a_payment_of_a_cancelled_one_go_back(
    payments: Payments, owner: Actor, acme: Organization
) -> None:
    placed = await payments.place(acme, owner)
    await payments.record(received(placed, "pi_first"))
    duplicate = await payments.record(received(placed, "pi_second"))
    assert duplicate.outcome is PaymentOutcome.DUPLICATE
    cancelled = await payments.place(acme, owner)
    async with payments.kit.uow.for_tenant(acme.id) as tx:
        order = await tx.orders.get(cancelled.order.id)
        assert order is not None
        order.cancel(at=payments.kit.clock.now())
        await tx.orders.save(order)
        await tx.commit()
    gone = await payments.record(received(cancelled, "pi_cancelled"))
    assert gone.order.status is OrderStatus.CANCELLED
    keys = [
        m.payload["idempotencyKey"]
        for m in payments.kit.outbox(acme.id)
        if m.topic == "payment.refund"
    ]
    assert keys == ["auto-pi_second", "auto-pi_cancelled"]
