"""Checkout quotes: what a request may buy (windows, visibility, min/max, lines, promo codes)
and what it costs — per-line tax rounded half-even, proven against a ``Fraction`` reference,
and totals that always add up."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from fractions import Fraction
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.unit.domain.events.builders import ENDS, a_spec, a_ticket_type, an_event

from ticketbase.domain.events.errors import PromoCodeExpired, PromoCodeUsedUp
from ticketbase.domain.events.event import Event
from ticketbase.domain.events.pricing import PricingTier
from ticketbase.domain.events.promo_code import AmountOff, PercentOff, PromoCode
from ticketbase.domain.events.ticket_type import TicketType
from ticketbase.domain.orders.errors import (
    DuplicateLine,
    EmptyOrder,
    PromoCodeNotApplicable,
    QuantityOutOfRange,
    SalesClosed,
    SoldOut,
    TooManyLines,
    UnknownPromoCode,
    UnknownTicketType,
)
from ticketbase.domain.orders.quote import (
    MAX_LINES,
    PricedLine,
    Quote,
    RequestedItem,
    Totals,
    quote,
)
from ticketbase.domain.shared.errors import Conflict, RuleViolated
from ticketbase.domain.shared.ids import EventId
from ticketbase.domain.shared.values import CurrencyMismatch, Money

from .builders import (
    NOW,
    STANDARD,
    VIP,
    a_promo_code,
    a_quote,
    eur,
    items,
    on_sale_event,
    standard,
    ticket_type_id,
    vip,
)

HOUR = timedelta(hours=1)


def quote_of(
    *pairs: tuple[TicketType, int],
    ticket_types: list[TicketType] | None = None,
    **kwargs: object,
) -> Quote:
    return quote(
        kwargs.pop("event", None) or on_sale_event(),  # type: ignore[arg-type]
        [standard(), vip()] if ticket_types is None else ticket_types,
        items(*pairs),
        at=kwargs.pop("at", NOW),  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )


def cancelled_event() -> Event:
    event = on_sale_event()
    event.cancel(now=NOW)
    return event


class TestPricing:
    def test_prices_each_line_and_sums_the_totals(self) -> None:
        q = a_quote()
        first, second = q.lines
        assert (first.ticket_type_id, first.name, first.quantity) == (STANDARD, "Standard", 2)
        assert (first.unit_price, first.discount, first.total) == (eur(2500), eur(0), eur(5000))
        assert first.tax == eur(455)  # 5000 * 1000 / 11000 = 454.54…
        assert (second.total, second.tax) == (eur(9900), eur(0))
        assert q.totals == Totals(
            subtotal=eur(14900), discount=eur(0), fees=eur(0), tax=eur(455), total=eur(14900)
        )
        assert (q.ticket_count, q.currency, q.promo_code_id) == (3, "EUR", None)

    def test_a_line_is_priced_at_the_current_tier(self) -> None:
        early = PricingTier("Early bird", eur(1900), ends_at=NOW + HOUR)
        tiered = standard(tiers=[early])
        assert quote_of((tiered, 2), ticket_types=[tiered]).lines[0].unit_price == eur(1900)
        later = quote_of((tiered, 2), ticket_types=[tiered], at=NOW + HOUR)
        assert later.lines[0].unit_price == eur(2500)

    def test_a_promo_code_discounts_only_the_lines_it_covers(self) -> None:
        code = a_promo_code(ticket_type_ids=[STANDARD])
        q = a_quote(promo_code=code)
        assert [line.discount for line in q.lines] == [eur(500), eur(0)]
        assert q.lines[0].tax == eur(409)  # 4500 * 1000 / 11000 = 409.09…
        assert q.totals.discount == eur(500)
        assert q.totals.total == eur(14400)
        assert q.promo_code_id == code.id

    def test_a_discount_never_goes_below_zero(self) -> None:
        q = a_quote(promo_code=a_promo_code(discount=AmountOff(eur(50_000))))
        assert [line.total for line in q.lines] == [eur(0), eur(0)]
        assert (q.totals.total, q.totals.tax, q.totals.discount) == (eur(0), eur(0), eur(14900))

    def test_tax_is_rounded_per_line_half_even(self) -> None:
        # 1 cent at 10 000 bp contains 0.5 cent of tax → 0 (even); 3 cents 1.5 → 2.
        cheap = standard(price=eur(1), tax_rate=10_000)
        assert quote_of((cheap, 1), ticket_types=[cheap]).totals.tax == eur(0)
        assert quote_of((cheap, 3), ticket_types=[cheap]).totals.tax == eur(2)


class TestRefusals:
    def test_an_empty_order(self) -> None:
        with pytest.raises(EmptyOrder) as caught:
            quote_of()
        assert (caught.value.field, caught.value.code) == ("items", "order_empty")

    def test_too_many_lines(self) -> None:
        many = [a_ticket_type(n) for n in range(MAX_LINES + 1)]
        with pytest.raises(TooManyLines) as caught:
            quote_of(*[(t, 1) for t in many], ticket_types=many)
        assert (caught.value.field, caught.value.code) == ("items", "too_many_lines")
        assert quote_of(*[(t, 1) for t in many[:MAX_LINES]], ticket_types=many).ticket_count

    def test_a_ticket_type_named_twice(self) -> None:
        with pytest.raises(DuplicateLine) as caught:
            quote_of((standard(), 1), (vip(), 1), (standard(), 2))
        assert caught.value.field == "items[2].ticketTypeId"
        assert caught.value.code == "duplicate_line"

    @pytest.mark.parametrize(
        "ticket_types",
        [
            pytest.param([vip()], id="unknown"),
            pytest.param([standard(hidden=True), vip()], id="hidden"),
            pytest.param(
                [a_ticket_type(1, event_id=EventId(UUID(int=99))), vip()], id="another event's"
            ),
        ],
    )
    def test_unknown_hidden_and_foreign_ticket_types_look_the_same(
        self, ticket_types: list[TicketType]
    ) -> None:
        with pytest.raises(UnknownTicketType) as caught:
            quote_of((vip(), 1), (standard(), 1), ticket_types=ticket_types)
        assert caught.value.field == "items[1].ticketTypeId"
        assert caught.value.code == "unknown_ticket_type"
        assert str(caught.value) == "no such ticket type in this event"

    def test_the_box_office_may_sell_hidden_ticket_types(self) -> None:
        hidden = standard(hidden=True)
        q = quote_of((hidden, 1), ticket_types=[hidden], include_hidden=True)
        assert q.lines[0].ticket_type_id == STANDARD

    @pytest.mark.parametrize("make", [an_event, cancelled_event], ids=["draft", "cancelled"])
    def test_an_event_not_on_sale(self, make: Callable[[], Event]) -> None:
        event = make()
        with pytest.raises(SalesClosed) as caught:
            quote_of((standard(), 1), event=event)
        assert (caught.value.field, caught.value.code) == ("eventId", "sales_closed")
        assert isinstance(caught.value, Conflict)

    def test_after_the_events_sales_end(self) -> None:
        with pytest.raises(SalesClosed) as caught:
            quote_of((standard(), 1), at=ENDS)
        assert caught.value.field == "eventId"

    @pytest.mark.parametrize(
        "spec",
        [{"sales_start_at": NOW + HOUR}, {"sales_end_at": NOW}],
        ids=["not yet", "over"],
    )
    def test_a_ticket_types_own_window_closed(self, spec: dict[str, object]) -> None:
        closed = vip(**spec)
        with pytest.raises(SalesClosed) as caught:
            quote_of((standard(), 1), (closed, 1), ticket_types=[standard(), closed])
        assert caught.value.field == "items[1].ticketTypeId"

    @pytest.mark.parametrize("quantity", [0, -1, 1, 5])
    def test_a_quantity_outside_min_and_max_per_order(self, quantity: int) -> None:
        bounded = vip(min_per_order=2, max_per_order=4)
        with pytest.raises(QuantityOutOfRange) as caught:
            quote_of((bounded, quantity), ticket_types=[bounded])
        assert caught.value.field == "items[0].quantity"
        assert caught.value.code == "quantity_out_of_range"
        assert isinstance(caught.value, RuleViolated)

    @pytest.mark.parametrize("quantity", [2, 4])
    def test_the_bounds_themselves_are_fine(self, quantity: int) -> None:
        bounded = vip(min_per_order=2, max_per_order=4)
        assert quote_of((bounded, quantity), ticket_types=[bounded]).ticket_count == quantity


class TestPromoCodeRefusals:
    def test_an_expired_code(self) -> None:
        with pytest.raises(PromoCodeExpired) as caught:
            a_quote(promo_code=a_promo_code(valid_until=NOW))
        assert caught.value.field == "promoCode"

    def test_a_used_up_code(self) -> None:
        code = a_promo_code(max_uses=2)
        code.uses = 2
        with pytest.raises(PromoCodeUsedUp) as caught:
            a_quote(promo_code=code)
        assert caught.value.field == "promoCode"

    def test_another_events_code_is_unknown(self) -> None:
        code = a_promo_code()
        code.event_id = EventId(UUID(int=99))
        with pytest.raises(UnknownPromoCode) as caught:
            a_quote(promo_code=code)
        assert (caught.value.field, caught.value.code) == ("promoCode", "promo_code_unknown")
        assert isinstance(caught.value, RuleViolated)

    def test_a_code_that_covers_no_line(self) -> None:
        code = a_promo_code(ticket_type_ids=[ticket_type_id(7)])
        with pytest.raises(PromoCodeNotApplicable) as caught:
            a_quote(promo_code=code)
        assert caught.value.field == "promoCode"
        assert caught.value.code == "promo_code_not_applicable"


class TestValues:
    def test_totals_that_do_not_add_up_are_refused(self) -> None:
        with pytest.raises(RuleViolated):
            Totals(eur(100), eur(10), eur(0), eur(0), eur(100))
        with pytest.raises(RuleViolated):
            Totals(eur(100), eur(0), eur(0), eur(101), eur(100))
        with pytest.raises(RuleViolated):
            Totals(eur(100), eur(200), eur(0), eur(0), eur(-100))
        with pytest.raises(CurrencyMismatch):
            Totals(eur(100), eur(0), Money(0, "USD"), eur(0), eur(100))

    def test_a_line_that_does_not_add_up_is_refused(self) -> None:
        def line(**overrides: object) -> PricedLine:
            values: dict[str, object] = {
                "ticket_type_id": STANDARD,
                "name": "Standard",
                "quantity": 2,
                "unit_price": eur(100),
                "discount": eur(0),
                "tax_rate": 0,
                "tax": eur(0),
                "total": eur(200),
            }
            values.update(overrides)
            return PricedLine(**values)  # type: ignore[arg-type]

        assert line().gross == eur(200)
        for bad in (
            {"quantity": 0},
            {"total": eur(199)},
            {"discount": eur(201), "total": eur(-1)},
            {"tax": eur(201)},
            {"unit_price": eur(-1), "total": eur(-2)},
        ):
            with pytest.raises(RuleViolated):
                line(**bad)

    def test_a_quote_whose_totals_are_not_its_lines_sums_is_refused(self) -> None:
        q = a_quote()
        with pytest.raises(RuleViolated):
            Quote(q.lines[:1], q.totals)

    def test_sold_out_names_the_ticket_type(self) -> None:
        error = SoldOut.of(VIP, "VIP", line=1)
        assert (error.code, error.field, error.ticket_type_id) == (
            "sold_out",
            "items[1].ticketTypeId",
            VIP,
        )
        assert "VIP" in str(error)
        assert isinstance(error, Conflict)
        assert SoldOut.of(VIP, "VIP").field is None


# --- properties ----------------------------------------------------------------------------------


def half_even(value: Fraction) -> int:
    """The reference rounding, written out: the nearest integer, ties to the even one."""
    floor = value.numerator // value.denominator
    rest = value - floor
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and floor % 2 == 1):
        return floor + 1
    return floor


@st.composite
def ticket_types(draw: st.DrawFn) -> list[TicketType]:
    count = draw(st.integers(1, 6))
    return [
        a_ticket_type(
            n,
            spec=a_spec(
                name=f"Type {n}",
                price=eur(draw(st.integers(0, 100_000))),
                tax_rate=draw(st.integers(0, 10_000)),
                max_per_order=100,
            ),
        )
        for n in range(count)
    ]


promo_codes = st.none() | st.builds(
    lambda discount, covered: a_promo_code(discount=discount, ticket_type_ids=covered),
    st.one_of(st.integers(1, 100).map(PercentOff), st.integers(1, 50_000).map(eur).map(AmountOff)),
    st.none() | st.sets(st.integers(0, 5).map(ticket_type_id), min_size=1),
)


@settings(max_examples=300, deadline=None)
@given(
    types=ticket_types(),
    quantities=st.lists(st.integers(1, 100), min_size=6, max_size=6),
    promo_code=promo_codes,
)
def test_totals_add_up_and_tax_is_rounded_per_line_half_even(
    types: list[TicketType], quantities: list[int], promo_code: PromoCode | None
) -> None:
    requested = [RequestedItem(t.id, n) for t, n in zip(types, quantities, strict=False)]
    try:
        q = quote(on_sale_event(), types, requested, at=NOW, promo_code=promo_code)
    except PromoCodeNotApplicable:
        assert promo_code is not None
        assert not any(promo_code.covers(t.id) for t in types)
        return
    zero = eur(0)
    by_id = {t.id: t for t in types}
    for line, item in zip(q.lines, requested, strict=True):
        ticket_type = by_id[item.ticket_type_id]
        gross = ticket_type.price * item.quantity
        assert line.quantity == item.quantity
        assert zero <= line.discount <= gross
        assert line.total == gross - line.discount >= zero
        rate = ticket_type.spec.tax_rate
        assert line.tax.amount == half_even(Fraction(line.total.amount * rate, 10_000 + rate))
        assert zero <= line.tax <= line.total
        if promo_code is None or not promo_code.covers(line.ticket_type_id):
            assert line.discount == zero
    totals = q.totals
    assert totals.total == totals.subtotal - totals.discount + totals.fees
    assert totals.subtotal == sum((line.gross for line in q.lines), zero)
    assert totals.discount == sum((line.discount for line in q.lines), zero)
    assert totals.tax == sum((line.tax for line in q.lines), zero)
    assert totals.total == sum((line.total for line in q.lines), zero)
    assert totals.fees == zero
    assert zero <= totals.tax <= totals.total
    parts = (totals.subtotal, totals.discount, totals.fees, totals.tax, totals.total)
    assert all(not m.is_negative and m.currency == "EUR" for m in parts)


@given(st.fractions(min_value=-1000, max_value=1000, max_denominator=64))
def test_the_reference_rounding_agrees_with_pythons_round(value: Fraction) -> None:
    assert half_even(value) == round(value)
