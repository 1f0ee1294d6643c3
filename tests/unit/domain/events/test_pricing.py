"""Pricing tiers: which tier prices a ticket at an instant and a count, proven against a
reference written here; never negative, one currency, continuous when tiers are edited."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from ticketbase.domain.events.errors import inputs_within
from ticketbase.domain.events.pricing import (
    MAX_QUANTITY,
    MAX_TIERS,
    PricingTier,
    check_tiers,
    current_price,
    included_tax,
)
from ticketbase.domain.shared.errors import RuleViolated
from ticketbase.domain.shared.values import CurrencyMismatch, Money

from .builders import a_spec, a_ticket_type, eur

T0 = datetime(2026, 3, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)

# A coarse grid of instants makes tier bounds and probes collide often, so the boundaries
# (an instant equal to a start or an end) are tried as much as the insides.
grid = st.integers(min_value=0, max_value=12).map(lambda k: T0 + k * HOUR)
probes = grid | st.integers(min_value=-60, max_value=13 * 60).map(
    lambda m: T0 + timedelta(minutes=m)
)
counts = st.integers(min_value=0, max_value=25)
prices = st.integers(min_value=0, max_value=50_000).map(eur)


@st.composite
def tiers(draw: st.DrawFn, currency: str = "EUR") -> PricingTier:
    start = draw(st.none() | grid)
    end = draw(st.none() | grid)
    if start is not None and end is not None and end <= start:
        start, end = end - HOUR, start + HOUR
    return PricingTier(
        name=draw(st.sampled_from(["Early bird", "Regular", "Last minute", "First 10"])),
        price=Money(draw(st.integers(min_value=0, max_value=50_000)), currency),
        starts_at=start,
        ends_at=end,
        up_to_quantity=draw(st.none() | st.integers(min_value=1, max_value=20)),
    )


tier_lists = st.lists(tiers(), max_size=6)


def reference_price(
    base: Money, tier_list: Sequence[PricingTier], at: datetime, taken: int
) -> Money:
    """The rule read literally: the lowest index among the tiers that are neither not yet
    started, nor ended, nor full; the base price when there is none."""
    open_indexes = [
        i
        for i, tier in enumerate(tier_list)
        if not (tier.starts_at is not None and at < tier.starts_at)
        and not (tier.ends_at is not None and at >= tier.ends_at)
        and not (tier.up_to_quantity is not None and taken >= tier.up_to_quantity)
    ]
    return tier_list[min(open_indexes)].price if open_indexes else base


def first_match(tier_list: Sequence[PricingTier], at: datetime, taken: int) -> int | None:
    return next((i for i, t in enumerate(tier_list) if t.matches(at, taken)), None)


class TestTheRightTier:
    @given(prices, tier_lists, probes, counts)
    def test_agrees_with_the_reference_at_every_instant_and_count(
        self, base: Money, tier_list: list[PricingTier], at: datetime, taken: int
    ) -> None:
        assert current_price(base, tier_list, at=at, taken=taken) == reference_price(
            base, tier_list, at, taken
        )

    @given(
        prices,
        tier_lists,
        probes,
        st.integers(min_value=0, max_value=15),
        st.integers(min_value=0, max_value=15),
    )
    def test_a_ticket_type_counts_sold_and_held(
        self, base: Money, tier_list: list[PricingTier], at: datetime, sold: int, held: int
    ) -> None:
        ticket_type = a_ticket_type(
            spec=a_spec(price=base, tiers=tier_list, quantity=100), sold=sold, held=held
        )
        assert ticket_type.current_price(at) == reference_price(base, tier_list, at, sold + held)

    @given(prices, tier_lists, probes, counts)
    def test_is_never_negative_and_in_the_base_currency(
        self, base: Money, tier_list: list[PricingTier], at: datetime, taken: int
    ) -> None:
        price = current_price(base, tier_list, at=at, taken=taken)
        assert price.amount >= 0
        assert price.currency == base.currency
        assert price == base or price in [t.price for t in tier_list]

    def test_early_bird_by_date_then_first_ten_by_count_then_base(self) -> None:
        early = PricingTier("Early bird", eur(1500), ends_at=T0 + 24 * HOUR)
        first_ten = PricingTier("First 10", eur(2000), up_to_quantity=10)
        tier_list = [early, first_ten]

        def price(at: datetime, taken: int) -> Money:
            return current_price(eur(2500), tier_list, at=at, taken=taken)

        assert price(T0, 50) == eur(1500)  # the date tier comes first, whatever the count
        assert price(T0 + 24 * HOUR, 9) == eur(2000)  # early bird ended at that instant
        assert price(T0 + 24 * HOUR, 10) == eur(2500)  # the 10 are taken (sold + held)

    def test_a_window_is_half_open(self) -> None:
        tier = PricingTier("Launch", eur(1), starts_at=T0, ends_at=T0 + HOUR)
        assert not tier.is_open_at(T0 - timedelta(microseconds=1))
        assert tier.is_open_at(T0)
        assert tier.is_open_at(T0 + HOUR - timedelta(microseconds=1))
        assert not tier.is_open_at(T0 + HOUR)

    def test_a_cap_counts_up_to_but_not_including_it(self) -> None:
        tier = PricingTier("First 10", eur(1), up_to_quantity=10)
        assert tier.has_room(9)
        assert not tier.has_room(10)

    def test_no_tiers_means_the_base_price(self) -> None:
        assert current_price(eur(2500), [], at=T0, taken=0) == eur(2500)


class TestContinuityWhenTiersAreEdited:
    """The definition is in the docstring of ``ticketbase.domain.events.pricing``."""

    @given(prices, tier_lists, st.data(), probes, counts)
    def test_removing_a_tier_falls_back_to_the_next_match_or_the_base_price(
        self,
        base: Money,
        tier_list: list[PricingTier],
        data: st.DataObject,
        at: datetime,
        taken: int,
    ) -> None:
        assume(tier_list)
        k = data.draw(st.integers(min_value=0, max_value=len(tier_list) - 1))
        edited = tier_list[:k] + tier_list[k + 1 :]
        before = current_price(base, tier_list, at=at, taken=taken)
        after = current_price(base, edited, at=at, taken=taken)
        if first_match(tier_list, at, taken) != k:
            assert after == before
        else:
            later = [t for t in tier_list[k + 1 :] if t.matches(at, taken)]
            assert after == (later[0].price if later else base)

    @given(prices, tier_lists, tiers(), st.data(), probes, counts)
    def test_adding_a_tier_changes_only_the_points_it_matches(
        self,
        base: Money,
        tier_list: list[PricingTier],
        added: PricingTier,
        data: st.DataObject,
        at: datetime,
        taken: int,
    ) -> None:
        j = data.draw(st.integers(min_value=0, max_value=len(tier_list)))
        edited = [*tier_list[:j], added, *tier_list[j:]]
        after = current_price(base, edited, at=at, taken=taken)
        if not added.matches(at, taken):
            assert after == current_price(base, tier_list, at=at, taken=taken)
        else:
            # Where it matches, it wins unless an earlier tier matches too.
            earlier = [t for t in tier_list[:j] if t.matches(at, taken)]
            assert after == (earlier[0].price if earlier else added.price)

    @given(prices, tier_lists, tiers(), st.data(), probes, counts)
    def test_changing_a_tier_keeps_every_point_neither_version_matches(
        self,
        base: Money,
        tier_list: list[PricingTier],
        replacement: PricingTier,
        data: st.DataObject,
        at: datetime,
        taken: int,
    ) -> None:
        assume(tier_list)
        k = data.draw(st.integers(min_value=0, max_value=len(tier_list) - 1))
        edited = [*tier_list[:k], replacement, *tier_list[k + 1 :]]
        after = current_price(base, edited, at=at, taken=taken)
        if not tier_list[k].matches(at, taken) and not replacement.matches(at, taken):
            assert after == current_price(base, tier_list, at=at, taken=taken)
        else:
            assert after == reference_price(base, edited, at, taken)

    @given(prices, tier_lists, st.randoms(use_true_random=False), probes, counts)
    def test_reordering_keeps_every_point_whose_matches_keep_their_order(
        self,
        base: Money,
        tier_list: list[PricingTier],
        rng: random.Random,
        at: datetime,
        taken: int,
    ) -> None:
        # Shuffle, then put the tiers matching this point back in their original order into
        # the places matching tiers took: any move of tiers that do not match is allowed.
        shuffled = list(tier_list)
        rng.shuffle(shuffled)
        matching = iter([t for t in tier_list if t.matches(at, taken)])
        edited = [next(matching) if t.matches(at, taken) else t for t in shuffled]
        assert current_price(base, edited, at=at, taken=taken) == current_price(
            base, tier_list, at=at, taken=taken
        )

    @given(prices, tier_lists, probes, st.integers(min_value=0, max_value=10**6), counts)
    def test_over_time_the_price_changes_only_at_a_tier_bound(
        self, base: Money, tier_list: list[PricingTier], a: datetime, share: int, taken: int
    ) -> None:
        bounds = sorted(
            bound for t in tier_list for bound in (t.starts_at, t.ends_at) if bound is not None
        )
        next_bound = next((bound for bound in bounds if bound > a), a + 48 * HOUR)
        # Any instant from ``a`` up to (not including) the next bound prices like ``a``.
        span = (next_bound - a) // timedelta(microseconds=1)
        b = a + timedelta(microseconds=span * share // (10**6 + 1))
        assert a <= b < next_bound
        assert current_price(base, tier_list, at=b, taken=taken) == current_price(
            base, tier_list, at=a, taken=taken
        )

    @given(prices, tier_lists, probes, counts, st.integers(min_value=0, max_value=40))
    def test_over_counts_the_price_changes_only_at_a_cap(
        self, base: Money, tier_list: list[PricingTier], at: datetime, m: int, step: int
    ) -> None:
        caps = sorted(t.up_to_quantity for t in tier_list if t.up_to_quantity is not None)
        next_cap = next((cap for cap in caps if cap > m), m + 41)
        n = min(m + step, next_cap - 1)
        assert current_price(base, tier_list, at=at, taken=n) == current_price(
            base, tier_list, at=at, taken=m
        )


class TestTierRules:
    @given(st.lists(tiers(), min_size=1, max_size=5), st.data())
    def test_a_tier_in_another_currency_is_refused_naming_it(
        self, tier_list: list[PricingTier], data: st.DataObject
    ) -> None:
        k = data.draw(st.integers(min_value=0, max_value=len(tier_list) - 1))
        foreign = data.draw(tiers(currency="USD"))
        mixed = [*tier_list[:k], foreign, *tier_list[k + 1 :]]
        with pytest.raises(CurrencyMismatch) as caught:
            check_tiers(eur(2500), mixed)
        assert caught.value.field == f"tiers[{k}].price"
        with pytest.raises(CurrencyMismatch):
            a_spec(tiers=mixed)

    def test_at_most_the_limit_of_tiers(self) -> None:
        many = [PricingTier(f"T{i}", eur(i)) for i in range(MAX_TIERS + 1)]
        assert len(check_tiers(eur(1), many[:MAX_TIERS])) == MAX_TIERS
        with pytest.raises(RuleViolated) as caught:
            check_tiers(eur(1), many)
        assert caught.value.field == "tiers"

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"name": ""}, "name"),
            ({"name": "  "}, "name"),
            ({"name": "x" * 101}, "name"),
            ({"price": eur(-1)}, "price"),
            ({"starts_at": datetime(2026, 3, 1)}, "startsAt"),
            ({"ends_at": datetime(2026, 3, 1)}, "endsAt"),
            ({"starts_at": T0, "ends_at": T0}, "endsAt"),
            ({"starts_at": T0, "ends_at": T0 - HOUR}, "endsAt"),
            ({"up_to_quantity": 0}, "upToQuantity"),
            ({"up_to_quantity": MAX_QUANTITY + 1}, "upToQuantity"),
        ],
    )
    def test_refuses_an_invalid_tier(self, kwargs: dict[str, object], field: str) -> None:
        values: dict[str, object] = {"name": "Early bird", "price": eur(1500), **kwargs}
        with pytest.raises(RuleViolated) as caught:
            PricingTier(**values)  # type: ignore[arg-type]
        assert caught.value.field == field

    def test_a_free_tier_is_fine(self) -> None:
        assert PricingTier("Press", eur(0)).price == eur(0)

    def test_tier_times_are_kept_in_utc(self) -> None:
        plus_two = T0.astimezone(timezone(timedelta(hours=2)))
        tier = PricingTier("Early bird", eur(1), starts_at=plus_two)
        assert tier.starts_at == T0
        assert tier.starts_at is not None
        assert tier.starts_at.tzinfo is UTC

    def test_the_caller_reports_a_tier_under_its_index(self) -> None:
        with pytest.raises(RuleViolated) as caught, inputs_within("tiers[2]"):
            PricingTier("Early bird", eur(1), up_to_quantity=0)
        assert caught.value.field == "tiers[2].upToQuantity"


class TestIncludedTax:
    @pytest.mark.parametrize(
        ("gross", "rate", "tax"),
        [
            (1999, 1900, 319),  # 19.99 incl. 19 % VAT contains 3.19
            (11900, 1900, 1900),
            (1000, 0, 0),
            (1000, 10_000, 500),  # 100 %: half of the gross is tax
            (105, 500, 5),
            (21, 1000, 2),  # 1.909… → 2
            (11, 1000, 1),  # 1.0 exactly
        ],
    )
    def test_examples(self, gross: int, rate: int, tax: int) -> None:
        assert included_tax(eur(gross), rate) == eur(tax)

    def test_rounds_half_to_even(self) -> None:
        # 2 * 10000 / 20000 = 1 exactly; 1 * 10000 / 20000 = 0.5 → 0; 3 * … = 1.5 → 2.
        assert included_tax(eur(1), 10_000) == eur(0)
        assert included_tax(eur(3), 10_000) == eur(2)

    @given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=10_000))
    def test_is_the_exact_share_rounded_and_never_more_than_the_gross(
        self, gross: int, rate: int
    ) -> None:
        tax = included_tax(eur(gross), rate)
        exact = Fraction(gross * rate, 10_000 + rate)
        assert abs(tax.amount - exact) <= Fraction(1, 2)
        assert 0 <= tax.amount <= gross

    @pytest.mark.parametrize("rate", [-1, 10_001])
    def test_refuses_a_rate_out_of_range(self, rate: int) -> None:
        with pytest.raises(RuleViolated) as caught:
            included_tax(eur(100), rate)
        assert caught.value.field == "taxRate"
