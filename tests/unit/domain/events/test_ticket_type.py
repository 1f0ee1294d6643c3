"""Ticket types: the rules of a spec, its sales window inside the event's, and what sales
forbid (cutting the quantity below sold + held, deleting)."""

from __future__ import annotations

from datetime import timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ticketbase.domain.events.errors import (
    QuantityBelowSold,
    SalesWindowOutsideEvent,
    TicketTypeHasSales,
)
from ticketbase.domain.events.pricing import MAX_QUANTITY, PricingTier
from ticketbase.domain.events.schedule import SalesWindow
from ticketbase.domain.events.ticket_type import MAX_PER_ORDER
from ticketbase.domain.shared.errors import Conflict, RuleViolated, StaleVersion
from ticketbase.domain.shared.values import Money

from .builders import ENDS, NOW, STARTS, a_schedule, a_spec, a_ticket_type, eur

LATER = NOW + timedelta(hours=1)
DAY = timedelta(days=1)


class TestSpec:
    def test_defaults_are_valid(self) -> None:
        spec = a_spec()
        assert (spec.min_per_order, spec.max_per_order, spec.hidden, spec.tax_rate) == (
            1,
            10,
            False,
            0,
        )
        assert spec.tiers == ()

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"name": ""}, "name"),
            ({"name": " \t"}, "name"),
            ({"name": "x" * 201}, "name"),
            ({"description": "x" * 10_001}, "description"),
            ({"price": eur(-1)}, "price"),
            ({"quantity": 0}, "quantity"),
            ({"quantity": MAX_QUANTITY + 1}, "quantity"),
            ({"min_per_order": 0}, "minPerOrder"),
            (
                {"min_per_order": MAX_PER_ORDER + 1, "max_per_order": MAX_PER_ORDER + 1},
                "minPerOrder",
            ),
            ({"quantity": 3, "min_per_order": 4, "max_per_order": 4}, "minPerOrder"),
            ({"min_per_order": 5, "max_per_order": 4}, "maxPerOrder"),
            ({"max_per_order": MAX_PER_ORDER + 1}, "maxPerOrder"),
            ({"tax_rate": -1}, "taxRate"),
            ({"tax_rate": 10_001}, "taxRate"),
            ({"sales_start_at": NOW, "sales_end_at": NOW}, "salesEndAt"),
            ({"sales_start_at": NOW.replace(tzinfo=None)}, "salesStartAt"),
            ({"sales_end_at": NOW.replace(tzinfo=None)}, "salesEndAt"),
        ],
    )
    def test_refuses_an_invalid_spec(self, kwargs: dict[str, object], field: str) -> None:
        with pytest.raises(RuleViolated) as caught:
            a_spec(**kwargs)
        assert caught.value.field == field

    @given(
        st.integers(min_value=1, max_value=MAX_PER_ORDER),
        st.integers(min_value=1, max_value=MAX_PER_ORDER),
        st.integers(min_value=1, max_value=200),
    )
    def test_accepts_exactly_one_le_min_le_max_le_the_bound_and_min_le_quantity(
        self, low: int, high: int, quantity: int
    ) -> None:
        valid = low <= high and low <= quantity
        try:
            a_spec(min_per_order=low, max_per_order=high, quantity=quantity)
        except RuleViolated:
            accepted = False
        else:
            accepted = True
        assert accepted is valid

    def test_a_free_ticket_and_full_tax_are_allowed(self) -> None:
        spec = a_spec(price=eur(0), tax_rate=10_000)
        assert spec.price == eur(0)

    def test_sales_times_are_kept_in_utc(self) -> None:
        spec = a_spec(sales_start_at=NOW.astimezone(timezone(timedelta(hours=-5))))
        assert spec.sales_start_at == NOW
        assert spec.sales_start_at is not None
        assert spec.sales_start_at.utcoffset() == timedelta(0)

    def test_tiers_are_kept_as_a_tuple(self) -> None:
        tier = PricingTier("Early bird", eur(1500))
        spec = a_spec(tiers=[tier])
        assert spec.tiers == (tier,)
        assert spec == a_spec(tiers=(tier,))

    def test_a_price_and_its_tiers_share_the_currency(self) -> None:
        with pytest.raises(RuleViolated) as caught:
            a_spec(tiers=[PricingTier("Early", eur(1)), PricingTier("US", Money(1, "USD"))])
        assert caught.value.field == "tiers[1].price"
        assert caught.value.code == "currency_mismatch"


class TestFitsTheEvent:
    def test_without_windows_it_sells_with_the_event(self) -> None:
        schedule = a_schedule(sales_start_at=NOW)
        a_spec().check_fits(schedule)
        assert a_spec().sales_window_in(schedule) == SalesWindow(NOW, ENDS)

    def test_its_own_bounds_narrow_the_event_window(self) -> None:
        schedule = a_schedule(sales_start_at=NOW)
        spec = a_spec(sales_start_at=NOW + DAY, sales_end_at=STARTS)
        spec.check_fits(schedule)
        assert spec.sales_window_in(schedule) == SalesWindow(NOW + DAY, STARTS)

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"sales_start_at": NOW - DAY}, "salesStartAt"),  # before the event's sales open
            ({"sales_start_at": ENDS}, "salesStartAt"),  # once the event's sales are over
            ({"sales_end_at": ENDS + DAY}, "salesEndAt"),  # after the event's sales close
            ({"sales_end_at": NOW}, "salesEndAt"),  # before the event's sales open
        ],
    )
    def test_refuses_a_window_reaching_outside_the_events(
        self, kwargs: dict[str, object], field: str
    ) -> None:
        schedule = a_schedule(sales_start_at=NOW)
        with pytest.raises(SalesWindowOutsideEvent) as caught:
            a_spec(**kwargs).check_fits(schedule)
        assert caught.value.field == field
        assert caught.value.code == "sales_window_outside_event"
        assert isinstance(caught.value, RuleViolated)

    def test_the_events_sales_end_bounds_it_too(self) -> None:
        schedule = a_schedule(sales_end_at=STARTS)
        a_spec(sales_end_at=STARTS).check_fits(schedule)
        with pytest.raises(SalesWindowOutsideEvent) as caught:
            a_spec(sales_end_at=STARTS + timedelta(seconds=1)).check_fits(schedule)
        assert caught.value.field == "salesEndAt"


class TestSales:
    def test_taken_is_sold_plus_held(self) -> None:
        assert a_ticket_type(sold=3, held=4).taken == 7

    @given(
        st.integers(min_value=0, max_value=50),
        st.integers(min_value=0, max_value=50),
        st.integers(min_value=1, max_value=150),
    )
    def test_the_quantity_never_drops_below_sold_plus_held(
        self, sold: int, held: int, quantity: int
    ) -> None:
        ticket_type = a_ticket_type(spec=a_spec(quantity=150), sold=sold, held=held)
        if quantity < sold + held:
            with pytest.raises(QuantityBelowSold) as caught:
                ticket_type.revise(a_spec(quantity=quantity), now=LATER)
            assert caught.value.field == "quantity"
            assert caught.value.code == "quantity_below_sold"
            assert isinstance(caught.value, Conflict)
            assert (ticket_type.quantity, ticket_type.version) == (150, 1)
        else:
            ticket_type.revise(a_spec(quantity=quantity), now=LATER)
            assert ticket_type.quantity == quantity
        assert ticket_type.quantity >= ticket_type.taken

    def test_a_revision_bumps_the_version_and_stamps_the_time(self) -> None:
        ticket_type = a_ticket_type()
        assert ticket_type.revise(a_spec(name="VIP"), now=LATER) is True
        assert (ticket_type.name, ticket_type.version, ticket_type.updated_at) == ("VIP", 2, LATER)

    def test_the_same_spec_is_no_change(self) -> None:
        ticket_type = a_ticket_type()
        assert ticket_type.revise(a_spec(), now=LATER) is False
        assert (ticket_type.version, ticket_type.updated_at) == (1, NOW)

    def test_a_stale_version_is_refused(self) -> None:
        ticket_type = a_ticket_type(version=3)
        with pytest.raises(StaleVersion):
            ticket_type.revise(a_spec(name="VIP"), now=LATER, expected_version=2)
        assert ticket_type.name == "Standard"

    def test_a_ticket_type_with_sales_or_holds_is_not_removed(self) -> None:
        a_ticket_type().check_removable()
        for counts in ({"sold": 1}, {"held": 1}):
            with pytest.raises(TicketTypeHasSales) as caught:
                a_ticket_type(**counts).check_removable()
            assert caught.value.code == "ticket_type_has_sales"
