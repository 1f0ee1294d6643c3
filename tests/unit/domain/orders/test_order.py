"""The Order aggregate: placing a quote on hold, the numbers people read, payment (on time,
twice, late, after cancellation), expiry, cancellation and refunds that never exceed the paid
total — with a state machine that tries every sequence of them."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from uuid import UUID

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from ticketbase.domain.events.promo_code import PercentOff
from ticketbase.domain.orders.buyer import Buyer, NamedAttendee
from ticketbase.domain.orders.domain_events import (
    LatePaymentRefunded,
    OrderCancelled,
    OrderCreated,
    OrderExpired,
    OrderPaid,
    OrderRefunded,
)
from ticketbase.domain.orders.errors import (
    OrderIsExpired,
    OrderNotCancellable,
    OrderNotPayable,
    OrderNotRefundable,
    OrderNotYetExpired,
    PaymentAmountMismatch,
    RefundExceedsPaid,
    TooManyAttendees,
)
from ticketbase.domain.orders.order import (
    DEFAULT_HOLD,
    Order,
    OrderNumber,
    OrderStatus,
    PaymentOutcome,
)
from ticketbase.domain.orders.quote import Quote
from ticketbase.domain.shared.errors import Conflict, DomainError, RuleViolated
from ticketbase.domain.shared.ids import PromoCodeId
from ticketbase.domain.shared.values import CurrencyMismatch, EmailAddress, Money

from .builders import (
    EVENT_ID,
    HOLD,
    NOW,
    ORDER_ID,
    ORGANIZATION,
    STANDARD,
    VIP,
    a_buyer,
    a_pending_order,
    a_promo_code,
    a_quote,
    eur,
)

TOTAL = eur(14_900)
IN_TIME = NOW + HOLD - timedelta(microseconds=1)
LATE = NOW + HOLD
PS = PaymentOutcome


def snapshot(order: Order) -> tuple[object, ...]:
    return tuple(getattr(order, f.name) for f in dataclasses.fields(order))


def paid_order(reference: str | None = "pay_1") -> Order:
    order = a_pending_order()
    order.pay(at=NOW, amount=TOTAL, reference=reference)
    return order


def place(**overrides: object) -> tuple[Order, OrderCreated]:
    values: dict[str, object] = {
        "id": ORDER_ID,
        "organization_id": ORGANIZATION,
        "event_id": EVENT_ID,
        "number": OrderNumber.from_sequence(42),
        "quote": a_quote(),
        "buyer": a_buyer(),
        "now": NOW,
    }
    values.update(overrides)
    return Order.place(**values)  # type: ignore[arg-type]


class TestNumber:
    def test_six_digits_at_least_and_a_luhn_check_digit(self) -> None:
        assert str(OrderNumber.from_sequence(42)) == "0000422"
        assert OrderNumber.from_sequence(7_992_739_871).value == "79927398713"

    @given(st.integers(1, 10**12 - 1))
    def test_every_number_parses_back_and_one_wrong_digit_is_caught(self, n: int) -> None:
        number = OrderNumber.from_sequence(n)
        assert OrderNumber.parse(f" {number.value[:3]}-{number.value[3:]} ") == number
        for position in range(len(number.value)):
            digit = int(number.value[position])
            typo = number.value[:position] + str((digit + 1) % 10) + number.value[position + 1 :]
            with pytest.raises(RuleViolated):
                OrderNumber(typo)

    @pytest.mark.parametrize("raw", ["", "123456", "00004221", "abc", "٠٠٠٠٤٢٦"])
    def test_what_is_not_a_number(self, raw: str) -> None:
        with pytest.raises(RuleViolated) as caught:
            OrderNumber.parse(raw)
        assert caught.value.field == "number"

    @pytest.mark.parametrize("sequence", [0, -1, 10**12])
    def test_a_sequence_is_positive_and_bounded(self, sequence: int) -> None:
        with pytest.raises(ValueError, match="order sequence"):
            OrderNumber.from_sequence(sequence)


class TestBuyer:
    def test_is_cleaned_and_the_email_normalised(self) -> None:
        buyer = Buyer.parse(full_name="  Ada   Lovelace ", email=" Ada@Example.ORG ")
        assert buyer == Buyer("Ada Lovelace", EmailAddress("ada@example.org"))

    @pytest.mark.parametrize(
        ("full_name", "email", "field"),
        [("", "a@b.org", "fullName"), ("x" * 201, "a@b.org", "fullName"), ("Ada", "a@b", "email")],
    )
    def test_refuses_a_bad_name_or_address(self, full_name: str, email: str, field: str) -> None:
        with pytest.raises(RuleViolated) as caught:
            Buyer.parse(full_name=full_name, email=email)
        assert caught.value.field == field


class TestPlace:
    def test_a_pending_order_held_for_15_minutes_by_default(self) -> None:
        order, created = place(quote=a_quote(promo_code=a_promo_code()))
        assert timedelta(minutes=15) == DEFAULT_HOLD
        assert (order.status, order.expires_at, order.version) == (
            OrderStatus.PENDING,
            NOW + DEFAULT_HOLD,
            1,
        )
        assert (order.total, order.paid, order.refunded) == (eur(13_410), eur(0), eur(0))
        assert order.promo_code_id == PromoCodeId(UUID(int=1000))
        assert created == OrderCreated(
            ORGANIZATION,
            ORDER_ID,
            EVENT_ID,
            NOW,
            number="0000422",
            total=eur(13_410),
            ticket_count=3,
            expires_at=NOW + DEFAULT_HOLD,
            promo_code_id=PromoCodeId(UUID(int=1000)),
        )

    @pytest.mark.parametrize("hold", [timedelta(0), timedelta(days=2)])
    def test_a_hold_is_configured_within_reason(self, hold: timedelta) -> None:
        with pytest.raises(ValueError, match="a hold"):
            place(hold=hold)

    def test_named_attendees_first_then_the_buyer(self) -> None:
        grace = NamedAttendee.parse(ticket_type_id=STANDARD, full_name="Grace", email="g@x.org")
        order, _ = place(attendees=[grace])
        ada = a_buyer()
        assert order.ticket_holders() == (
            grace,
            NamedAttendee(STANDARD, ada.full_name, ada.email),
            NamedAttendee(VIP, ada.full_name, ada.email),
        )

    @pytest.mark.parametrize("named", [(STANDARD, STANDARD, STANDARD), (VIP, VIP)])
    def test_no_more_named_attendees_than_tickets(self, named: tuple[object, ...]) -> None:
        attendees = [
            NamedAttendee.parse(ticket_type_id=t, full_name="Grace", email="g@x.org")  # type: ignore[arg-type]
            for t in named
        ]
        with pytest.raises(TooManyAttendees) as caught:
            place(attendees=attendees)
        assert caught.value.field == f"attendees[{len(named) - 1}].ticketTypeId"
        assert caught.value.code == "too_many_attendees"


class TestPay:
    def test_within_the_hold_the_order_is_paid(self) -> None:
        order = a_pending_order()
        assert order.check_payable(IN_TIME) is True
        result = order.pay(at=IN_TIME, amount=TOTAL, reference="pay_1")
        assert result.outcome is PS.PAID
        assert result.event == OrderPaid(
            ORGANIZATION, ORDER_ID, EVENT_ID, IN_TIME, total=TOTAL, ticket_count=3, late=False
        )
        assert (order.status, order.paid_at, order.payment_reference) == (
            OrderStatus.PAID,
            IN_TIME,
            "pay_1",
        )
        assert (order.paid, order.version) == (TOTAL, 2)

    @pytest.mark.parametrize("reference", ["pay_1", None])
    def test_the_same_payment_twice_changes_nothing(self, reference: str | None) -> None:
        order = paid_order()
        before = snapshot(order)
        result = order.pay(at=LATE, amount=TOTAL, reference=reference)
        assert (result.outcome, result.event, result.changed) == (PS.ALREADY_PAID, None, False)
        assert snapshot(order) == before
        assert order.check_payable(LATE) is False

    def test_another_payment_of_a_paid_order_is_a_duplicate(self) -> None:
        order = paid_order()
        before = snapshot(order)
        assert order.pay(at=NOW, amount=TOTAL, reference="pay_2").outcome is PS.DUPLICATE
        assert snapshot(order) == before

    @pytest.mark.parametrize("amount", [eur(14_899), eur(14_901), Money(14_900, "USD")])
    def test_exactly_the_total(self, amount: Money) -> None:
        order = a_pending_order()
        with pytest.raises(PaymentAmountMismatch) as caught:
            order.pay(at=NOW, amount=amount)
        assert (caught.value.code, caught.value.field) == ("payment_amount_mismatch", "amount")
        assert order.status is OrderStatus.PENDING

    def test_a_cancelled_order_is_not_paid(self) -> None:
        order = a_pending_order()
        order.cancel(at=NOW)
        with pytest.raises(OrderNotPayable) as caught:
            order.pay(at=NOW, amount=TOTAL)
        assert caught.value.code == "order_not_payable"
        assert isinstance(caught.value, Conflict)
        with pytest.raises(OrderNotPayable):
            order.check_payable(NOW)

    def test_before_charging_an_expired_order_is_refused(self) -> None:
        order = a_pending_order()
        with pytest.raises(OrderIsExpired) as caught:
            order.check_payable(LATE)
        assert caught.value.code == "order_expired"
        order.expire(now=LATE)
        with pytest.raises(OrderIsExpired):
            order.check_payable(NOW)

    @pytest.mark.parametrize("marked", [False, True], ids=["pending", "marked expired"])
    def test_money_after_the_hold_is_a_distinct_outcome_that_changes_nothing(
        self, marked: bool
    ) -> None:
        order = a_pending_order()
        if marked:
            order.expire(now=LATE)
        before = snapshot(order)
        result = order.pay(at=LATE, amount=TOTAL, reference="pay_1")
        assert (result.outcome, result.event) == (PS.AFTER_EXPIRY, None)
        assert snapshot(order) == before


class TestLatePayment:
    @pytest.mark.parametrize("marked", [False, True], ids=["pending", "marked expired"])
    def test_with_the_stock_taken_again_the_order_is_paid(self, marked: bool) -> None:
        order = a_pending_order()
        if marked:
            order.expire(now=LATE)
        result = order.settle_late_payment(
            at=LATE, amount=TOTAL, reference="pay_1", stock_taken=True
        )
        assert result.outcome is PS.PAID
        assert isinstance(result.event, OrderPaid)
        assert result.event.late
        assert order.status is OrderStatus.PAID
        again = order.pay(at=LATE, amount=TOTAL, reference="pay_1")
        assert again.outcome is PS.ALREADY_PAID

    @pytest.mark.parametrize("marked", [False, True], ids=["pending", "marked expired"])
    def test_without_stock_the_money_goes_back_once(self, marked: bool) -> None:
        order = a_pending_order()
        if marked:
            order.expire(now=LATE)
        result = order.settle_late_payment(
            at=LATE, amount=TOTAL, reference="pay_1", stock_taken=False
        )
        assert result.outcome is PS.REFUNDED_AUTOMATICALLY
        assert result.event == LatePaymentRefunded(
            ORGANIZATION, ORDER_ID, EVENT_ID, LATE, TOTAL, "pay_1"
        )
        assert (order.status, order.paid, order.refunded) == (OrderStatus.EXPIRED, eur(0), eur(0))
        before = snapshot(order)
        assert order.pay(at=LATE, amount=TOTAL, reference="pay_1").outcome is PS.ALREADY_REFUNDED
        replay = order.settle_late_payment(
            at=LATE, amount=TOTAL, reference="pay_1", stock_taken=True
        )
        assert replay.outcome is PS.ALREADY_REFUNDED
        assert snapshot(order) == before

    def test_within_the_hold_it_is_an_ordinary_payment(self) -> None:
        order = a_pending_order()
        result = order.settle_late_payment(at=NOW, amount=TOTAL, stock_taken=False)
        assert result.outcome is PS.PAID

    def test_a_cancelled_order_is_not_paid_late_either(self) -> None:
        order = a_pending_order()
        order.cancel(at=NOW)
        with pytest.raises(OrderNotPayable):
            order.settle_late_payment(at=LATE, amount=TOTAL, stock_taken=True)


class TestExpire:
    def test_a_pending_order_after_its_hold(self) -> None:
        order = a_pending_order()
        assert order.expire(now=LATE) == OrderExpired(ORGANIZATION, ORDER_ID, EVENT_ID, LATE)
        assert (order.status, order.expired_at, order.version) == (OrderStatus.EXPIRED, LATE, 2)

    def test_not_before(self) -> None:
        order = a_pending_order()
        with pytest.raises(OrderNotYetExpired) as caught:
            order.expire(now=IN_TIME)
        assert caught.value.code == "order_not_yet_expired"
        assert order.status is OrderStatus.PENDING

    @pytest.mark.parametrize("make", ["paid", "cancelled", "expired"])
    def test_any_other_status_is_left_alone(self, make: str) -> None:
        order = a_pending_order()
        if make == "paid":
            order.pay(at=NOW, amount=TOTAL)
        elif make == "cancelled":
            order.cancel(at=NOW)
        else:
            order.expire(now=LATE)
        before = snapshot(order)
        assert order.expire(now=LATE + HOLD) is None
        assert snapshot(order) == before


class TestCancel:
    def test_a_pending_order(self) -> None:
        order = a_pending_order()
        assert order.cancel(at=NOW) == OrderCancelled(ORGANIZATION, ORDER_ID, EVENT_ID, NOW)
        assert (order.status, order.cancelled_at) == (OrderStatus.CANCELLED, NOW)
        before = snapshot(order)
        assert order.cancel(at=LATE) is None
        assert snapshot(order) == before

    def test_not_a_paid_or_expired_one(self) -> None:
        paid = paid_order()
        with pytest.raises(OrderNotCancellable) as caught:
            paid.cancel(at=NOW)
        assert caught.value.code == "order_not_cancellable"
        expired = a_pending_order()
        expired.expire(now=LATE)
        with pytest.raises(OrderNotCancellable):
            expired.cancel(at=LATE)


class TestRefund:
    def test_partial_then_the_rest(self) -> None:
        order = paid_order()
        first = order.refund(at=LATE, amount=eur(4_900))
        assert first == OrderRefunded(
            ORGANIZATION,
            ORDER_ID,
            EVENT_ID,
            LATE,
            amount=eur(4_900),
            refunded=eur(4_900),
            full=False,
        )
        assert (order.status, order.refundable) == (OrderStatus.PARTIALLY_REFUNDED, eur(10_000))
        rest = order.refund(at=LATE)
        assert rest is not None
        assert (rest.amount, rest.refunded, rest.full) == (eur(10_000), TOTAL, True)
        assert (order.status, order.refunded, order.refundable) == (
            OrderStatus.REFUNDED,
            TOTAL,
            eur(0),
        )

    def test_in_one_go(self) -> None:
        order = paid_order()
        assert order.refund(at=LATE, amount=TOTAL) is not None
        assert order.status is OrderStatus.REFUNDED
        before = snapshot(order)
        assert order.refund(at=LATE) is None
        assert snapshot(order) == before

    def test_never_more_than_is_left(self) -> None:
        order = paid_order()
        order.refund(at=LATE, amount=eur(10_000))
        with pytest.raises(RefundExceedsPaid) as caught:
            order.refund(at=LATE, amount=eur(4_901))
        assert (caught.value.code, caught.value.field) == ("refund_exceeds_paid", "amount")
        assert isinstance(caught.value, RuleViolated)
        order.refund(at=LATE)
        with pytest.raises(RefundExceedsPaid):
            order.refund(at=LATE, amount=eur(1))

    @pytest.mark.parametrize(
        ("amount", "error"),
        [(eur(0), RuleViolated), (eur(-5), RuleViolated), (Money(100, "USD"), CurrencyMismatch)],
    )
    def test_a_positive_amount_in_the_orders_currency(
        self, amount: Money, error: type[DomainError]
    ) -> None:
        with pytest.raises(error) as caught:
            paid_order().refund(at=LATE, amount=amount)
        assert caught.value.field == "amount"

    @pytest.mark.parametrize("state", ["pending", "cancelled", "expired"])
    def test_only_what_was_paid(self, state: str) -> None:
        order = a_pending_order()
        if state == "cancelled":
            order.cancel(at=NOW)
        elif state == "expired":
            order.expire(now=LATE)
        with pytest.raises(OrderNotRefundable) as caught:
            order.refund(at=LATE)
        assert caught.value.code == "order_not_refundable"

    def test_a_free_order_refunds_to_refunded(self) -> None:
        free = a_pending_order(a_quote(promo_code=a_promo_code(discount=PercentOff(100))))
        free.pay(at=NOW, amount=eur(0))
        assert free.refund(at=LATE) is not None
        assert free.status is OrderStatus.REFUNDED


# --- the state machine ---------------------------------------------------------------------------

LEGAL = {
    OrderStatus.PENDING: {OrderStatus.PAID, OrderStatus.CANCELLED, OrderStatus.EXPIRED},
    OrderStatus.PAID: {OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED},
    OrderStatus.PARTIALLY_REFUNDED: {OrderStatus.REFUNDED},
    OrderStatus.REFUNDED: set(),
    OrderStatus.CANCELLED: set(),
    OrderStatus.EXPIRED: {OrderStatus.PAID},  # a late payment that found the stock again
}
minutes = st.integers(0, 40).map(lambda m: NOW + timedelta(minutes=m))
references = st.sampled_from(["pay_1", "pay_2", None])


class OrderLife(RuleBasedStateMachine):
    """Every sequence of payments (on time, late, repeated), expiries, cancellations and
    refunds moves the status along legal transitions only; refunds never exceed what was paid;
    a refused step or a repeat changes nothing; every change bumps the version once."""

    def __init__(self) -> None:
        super().__init__()
        self.order = a_pending_order()

    @initialize(promo=st.booleans())
    def start(self, promo: bool) -> None:
        q: Quote = a_quote(promo_code=a_promo_code() if promo else None)
        self.order = a_pending_order(q)

    def attempt(self, step: object) -> None:
        before = snapshot(self.order)
        status = self.order.status
        try:
            outcome = step()  # type: ignore[operator]
        except DomainError:
            assert snapshot(self.order) == before
            return
        changed = snapshot(self.order) != before
        announced = getattr(outcome, "event", outcome)
        assert changed == (announced is not None), (outcome, status)
        assert self.order.version == before[-1] + changed  # version is the last field
        if self.order.status is not status:
            assert self.order.status in LEGAL[status], (status, self.order.status)
            event(f"{status.value} -> {self.order.status.value}")

    @rule(at=minutes, reference=references)
    def pay(self, at: object, reference: str | None) -> None:
        self.attempt(lambda: self.order.pay(at=at, amount=self.order.total, reference=reference))  # type: ignore[arg-type]

    @rule(at=minutes, reference=references, stock=st.booleans())
    def settle_late(self, at: object, reference: str | None, stock: bool) -> None:
        order = self.order

        def step() -> object:
            result = order.pay(at=at, amount=order.total, reference=reference)  # type: ignore[arg-type]
            if result.outcome is not PaymentOutcome.AFTER_EXPIRY:
                return result
            return order.settle_late_payment(
                at=at,  # type: ignore[arg-type]
                amount=order.total,
                reference=reference,
                stock_taken=stock,
            )

        self.attempt(step)

    @rule(at=minutes)
    def expire(self, at: object) -> None:
        self.attempt(lambda: self.order.expire(now=at))  # type: ignore[arg-type]

    @rule(at=minutes)
    def cancel(self, at: object) -> None:
        self.attempt(lambda: self.order.cancel(at=at))  # type: ignore[arg-type]

    @rule(amount=st.none() | st.integers(-10, 16_000).map(eur))
    def refund(self, amount: Money | None) -> None:
        self.attempt(lambda: self.order.refund(at=NOW, amount=amount))

    @invariant()
    def refunds_stay_within_what_was_paid(self) -> None:
        order = self.order
        assert eur(0) <= order.refunded <= order.paid <= order.total
        if order.status is OrderStatus.REFUNDED:
            assert order.refunded == order.paid
        if order.status is OrderStatus.PAID:
            assert order.refunded == eur(0)
        if order.status is OrderStatus.PARTIALLY_REFUNDED:
            assert eur(0) < order.refunded < order.paid

    @invariant()
    def paid_means_a_payment_was_recorded(self) -> None:
        assert (self.order.paid_at is not None) == self.order.status.was_paid


OrderLife.TestCase.settings = settings(max_examples=150, stateful_step_count=25, deadline=None)
TestOrderLife = OrderLife.TestCase
