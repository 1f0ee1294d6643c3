"""Promo codes: case-insensitive keys, when and to what they apply, how much they take off a
line (half-even, never below zero), and uses that never exceed the maximum."""

from __future__ import annotations

import re
from datetime import timedelta
from fractions import Fraction
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ticketbase.domain.events.errors import (
    MaxUsesBelowUses,
    PromoCodeExpired,
    PromoCodeNotYetValid,
    PromoCodeUnusable,
    PromoCodeUsedUp,
)
from ticketbase.domain.events.promo_code import (
    AmountOff,
    PercentOff,
    PromoCode,
    PromoCodeSpec,
    normalise_code,
)
from ticketbase.domain.shared.errors import Conflict, RuleViolated, StaleVersion
from ticketbase.domain.shared.ids import PromoCodeId
from ticketbase.domain.shared.values import CurrencyMismatch, Money

from .builders import CURRENCY, EVENT_ID, NOW, eur, ticket_type_id

LATER = NOW + timedelta(hours=1)
DAY = timedelta(days=1)
VIP, STANDARD, OTHER = ticket_type_id(1), ticket_type_id(2), ticket_type_id(3)
EVENT_TICKET_TYPES = frozenset({VIP, STANDARD})
API_CODE = re.compile(r"[A-Za-z0-9_-]{3,32}")


def a_promo_spec(**overrides: object) -> PromoCodeSpec:
    values: dict[str, object] = {"code": "spring-10", "discount": PercentOff(10)}
    values.update(overrides)
    return PromoCodeSpec(**values)  # type: ignore[arg-type]


def a_promo_code(**overrides: object) -> PromoCode:
    values: dict[str, object] = {
        "id": PromoCodeId(UUID(int=1000)),
        "event_id": EVENT_ID,
        "spec": a_promo_spec(),
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(overrides)
    return PromoCode(**values)  # type: ignore[arg-type]


class TestCode:
    @pytest.mark.parametrize(
        ("raw", "key"),
        [("spring-10", "SPRING-10"), ("  Early_Bird ", "EARLY_BIRD"), ("abc", "ABC")],
    )
    def test_is_trimmed_and_upper_cased(self, raw: str, key: str) -> None:
        assert normalise_code(raw) == key

    @pytest.mark.parametrize(
        "raw", ["ab", "x" * 33, "two words", "straße", "ﬁne-code", "ǅemal", "CODE!", "", "a\nbc"]
    )
    def test_refuses_what_is_not_3_to_32_ascii_letters_digits_hyphens_or_underscores(
        self, raw: str
    ) -> None:
        with pytest.raises(RuleViolated) as caught:
            normalise_code(raw)
        assert caught.value.field == "code"

    @given(st.text(alphabet="abcXYZ019-_ ßﬁ!\n", max_size=40))
    def test_accepts_exactly_the_allowed_shape(self, raw: str) -> None:
        expected = API_CODE.fullmatch(raw.strip()) is not None
        try:
            key = normalise_code(raw)
        except RuleViolated:
            assert not expected
        else:
            assert expected
            assert key == raw.strip().upper()
            assert normalise_code(key) == key

    @given(st.from_regex(r"[A-Za-z0-9_-]{3,32}", fullmatch=True))
    def test_codes_differing_only_in_case_share_one_key(self, raw: str) -> None:
        assert normalise_code(raw.lower()) == normalise_code(raw.upper()) == normalise_code(raw)

    def test_a_spec_keeps_the_key(self) -> None:
        assert a_promo_spec(code=" spring-10 ").code == "SPRING-10"
        assert a_promo_code().code == "SPRING-10"


class TestSpec:
    @pytest.mark.parametrize(
        ("make", "field"),
        [
            (lambda: PercentOff(0), "discount.percent"),
            (lambda: PercentOff(101), "discount.percent"),
            (lambda: AmountOff(eur(0)), "discount.amount"),
            (lambda: AmountOff(eur(-100)), "discount.amount"),
            (lambda: a_promo_spec(ticket_type_ids=[]), "ticketTypeIds"),
            (lambda: a_promo_spec(max_uses=0), "maxUses"),
            (lambda: a_promo_spec(valid_from=NOW, valid_until=NOW), "validUntil"),
            (lambda: a_promo_spec(valid_from=NOW.replace(tzinfo=None)), "validFrom"),
            (lambda: a_promo_spec(valid_until=NOW.replace(tzinfo=None)), "validUntil"),
        ],
    )
    def test_refuses_invalid_parts(self, make: object, field: str) -> None:
        with pytest.raises(RuleViolated) as caught:
            make()  # type: ignore[operator]
        assert caught.value.field == field

    def test_percentages_from_1_to_100_and_positive_amounts_are_fine(self) -> None:
        assert PercentOff(1).percent == 1
        assert PercentOff(100).percent == 100
        assert AmountOff(eur(1)).amount == eur(1)

    def test_ticket_types_are_kept_as_a_set(self) -> None:
        spec = a_promo_spec(ticket_type_ids=[VIP, VIP, STANDARD])
        assert spec.ticket_type_ids == frozenset({VIP, STANDARD})

    def test_an_amount_is_in_the_organizations_currency(self) -> None:
        with pytest.raises(CurrencyMismatch) as caught:
            PromoCode.create(
                id=PromoCodeId(UUID(int=1)),
                event_id=EVENT_ID,
                spec=a_promo_spec(discount=AmountOff(Money(500, "USD"))),
                currency=CURRENCY,
                ticket_type_ids=EVENT_TICKET_TYPES,
                now=NOW,
            )
        assert caught.value.field == "discount.amount"

    def test_only_the_events_own_ticket_types_are_named(self) -> None:
        with pytest.raises(RuleViolated) as caught:
            PromoCode.create(
                id=PromoCodeId(UUID(int=1)),
                event_id=EVENT_ID,
                spec=a_promo_spec(ticket_type_ids=[VIP, OTHER]),
                currency=CURRENCY,
                ticket_type_ids=EVENT_TICKET_TYPES,
                now=NOW,
            )
        assert caught.value.field == "ticketTypeIds"

    def test_create_starts_unused_at_version_one(self) -> None:
        code = PromoCode.create(
            id=PromoCodeId(UUID(int=1)),
            event_id=EVENT_ID,
            spec=a_promo_spec(ticket_type_ids=[VIP]),
            currency=CURRENCY,
            ticket_type_ids=EVENT_TICKET_TYPES,
            now=NOW,
        )
        assert (code.uses, code.version, code.created_at, code.updated_at) == (0, 1, NOW, NOW)


class TestApplies:
    def test_valid_from_inclusive_until_exclusive(self) -> None:
        code = a_promo_code(spec=a_promo_spec(valid_from=NOW, valid_until=NOW + DAY))
        assert not code.applies(VIP, NOW - timedelta(microseconds=1))
        assert code.applies(VIP, NOW)
        assert code.applies(VIP, NOW + DAY - timedelta(microseconds=1))
        assert not code.applies(VIP, NOW + DAY)

    def test_open_bounds_always_apply(self) -> None:
        assert a_promo_code().applies(VIP, NOW - 1000 * DAY)

    def test_to_the_listed_ticket_types_or_to_all(self) -> None:
        limited = a_promo_code(spec=a_promo_spec(ticket_type_ids=[VIP]))
        assert limited.applies(VIP, NOW)
        assert not limited.applies(STANDARD, NOW)
        assert a_promo_code().applies(STANDARD, NOW)

    def test_a_line_it_does_not_apply_to_gets_nothing_off(self) -> None:
        limited = a_promo_code(spec=a_promo_spec(ticket_type_ids=[VIP]))
        assert limited.discount_for(STANDARD, eur(2500), 2, at=NOW) == eur(0)
        expired = a_promo_code(spec=a_promo_spec(valid_until=NOW))
        assert expired.discount_for(VIP, eur(2500), 2, at=NOW) == eur(0)


def percent_code(percent: int) -> PromoCode:
    return a_promo_code(spec=a_promo_spec(discount=PercentOff(percent)))


def amount_code(amount: int) -> PromoCode:
    return a_promo_code(spec=a_promo_spec(discount=AmountOff(eur(amount))))


class TestDiscount:
    @pytest.mark.parametrize(
        ("percent", "unit", "quantity", "off"),
        [
            (10, 2500, 2, 500),
            (100, 2500, 3, 7500),
            (50, 1, 1, 0),  # 0.5 → 0 (even)
            (50, 3, 1, 2),  # 1.5 → 2 (even)
            (25, 10, 1, 2),  # 2.5 → 2 (even)
            (15, 999, 1, 150),  # 149.85 → 150
            (33, 1000, 3, 990),  # on the line total, not per ticket
            (10, 0, 4, 0),
        ],
    )
    def test_a_percentage_is_taken_of_the_line_half_even(
        self, percent: int, unit: int, quantity: int, off: int
    ) -> None:
        assert percent_code(percent).discount_for(VIP, eur(unit), quantity, at=NOW) == eur(off)

    @pytest.mark.parametrize(
        ("amount", "unit", "quantity", "off"),
        [(500, 2500, 2, 1000), (500, 300, 2, 600), (500, 0, 3, 0), (500, 500, 1, 500)],
    )
    def test_an_amount_comes_off_each_ticket_at_most_its_price(
        self, amount: int, unit: int, quantity: int, off: int
    ) -> None:
        assert amount_code(amount).discount_for(VIP, eur(unit), quantity, at=NOW) == eur(off)

    def test_an_amount_in_another_currency_is_refused(self) -> None:
        with pytest.raises(CurrencyMismatch):
            amount_code(500).discount_for(VIP, Money(2500, "USD"), 1, at=NOW)

    @given(
        st.integers(min_value=1, max_value=100),
        st.integers(min_value=0, max_value=10**7),
        st.integers(min_value=1, max_value=100),
    )
    def test_a_percentage_is_the_exact_share_rounded_half_even_within_the_line(
        self, percent: int, unit: int, quantity: int
    ) -> None:
        off = percent_code(percent).discount_for(VIP, eur(unit), quantity, at=NOW)
        exact = Fraction(unit * quantity * percent, 100)
        assert off == eur(round(exact))  # ``round`` of a Fraction is half-even
        assert 0 <= off.amount <= unit * quantity
        assert off.currency == CURRENCY

    @given(
        st.integers(min_value=1, max_value=10**6),
        st.integers(min_value=0, max_value=10**6),
        st.integers(min_value=1, max_value=100),
    )
    def test_an_amount_never_takes_a_line_below_zero(
        self, amount: int, unit: int, quantity: int
    ) -> None:
        off = amount_code(amount).discount_for(VIP, eur(unit), quantity, at=NOW)
        assert off == eur(min(amount, unit) * quantity)
        assert 0 <= off.amount <= unit * quantity


class TestUses:
    @given(
        st.none() | st.integers(min_value=1, max_value=20),
        st.lists(st.integers(min_value=1, max_value=5), max_size=15),
    )
    def test_uses_never_exceed_the_maximum(self, max_uses: int | None, orders: list[int]) -> None:
        code = a_promo_code(spec=a_promo_spec(max_uses=max_uses))
        for n in orders:
            fits = max_uses is None or code.uses + n <= max_uses
            assert code.can_use(n) is fits
            if fits:
                code.record_uses(n)
            else:
                with pytest.raises(PromoCodeUsedUp):
                    code.record_uses(n)
            assert max_uses is None or code.uses <= max_uses

    def test_released_uses_can_be_used_again(self) -> None:
        code = a_promo_code(spec=a_promo_spec(max_uses=1), uses=1)
        assert not code.can_use()
        code.release_uses()
        assert code.uses == 0
        assert code.can_use()
        with pytest.raises(ValueError, match="release"):
            code.release_uses()

    @pytest.mark.parametrize(
        ("spec", "uses", "at", "error", "code"),
        [
            (
                a_promo_spec(valid_from=LATER),
                0,
                NOW,
                PromoCodeNotYetValid,
                "promo_code_not_yet_valid",
            ),
            (a_promo_spec(valid_until=NOW), 0, NOW, PromoCodeExpired, "promo_code_expired"),
            (a_promo_spec(max_uses=3), 3, NOW, PromoCodeUsedUp, "promo_code_used_up"),
        ],
    )
    def test_an_unusable_code_is_refused_on_the_orders_promo_code(
        self,
        spec: PromoCodeSpec,
        uses: int,
        at: object,
        error: type[PromoCodeUnusable],
        code: str,
    ) -> None:
        with pytest.raises(error) as caught:
            a_promo_code(spec=spec, uses=uses).check_redeemable(at)  # type: ignore[arg-type]
        assert caught.value.field == "promoCode"
        assert caught.value.code == code
        assert isinstance(caught.value, RuleViolated)

    def test_a_usable_code_passes(self) -> None:
        a_promo_code(spec=a_promo_spec(valid_from=NOW, max_uses=3), uses=2).check_redeemable(NOW)


class TestRevise:
    def revise(self, code: PromoCode, spec: PromoCodeSpec, **kwargs: object) -> bool:
        return code.revise(
            spec,
            currency=CURRENCY,
            ticket_type_ids=EVENT_TICKET_TYPES,
            now=LATER,
            **kwargs,  # type: ignore[arg-type]
        )

    def test_replaces_the_spec_and_bumps_the_version(self) -> None:
        code = a_promo_code()
        assert self.revise(code, a_promo_spec(discount=PercentOff(20)))
        assert (code.spec.discount, code.version, code.updated_at) == (PercentOff(20), 2, LATER)

    def test_the_same_spec_is_no_change(self) -> None:
        code = a_promo_code()
        assert self.revise(code, a_promo_spec(code="SPRING-10")) is False
        assert code.version == 1

    def test_the_maximum_never_drops_below_the_uses(self) -> None:
        code = a_promo_code(uses=5)
        with pytest.raises(MaxUsesBelowUses) as caught:
            self.revise(code, a_promo_spec(max_uses=4))
        assert caught.value.field == "maxUses"
        assert caught.value.code == "max_uses_below_uses"
        assert isinstance(caught.value, Conflict)
        assert code.max_uses is None
        assert self.revise(code, a_promo_spec(max_uses=5))
        assert code.max_uses == 5

    def test_checks_the_event_rules_again(self) -> None:
        with pytest.raises(RuleViolated) as caught:
            self.revise(a_promo_code(), a_promo_spec(ticket_type_ids=[OTHER]))
        assert caught.value.field == "ticketTypeIds"

    def test_a_stale_version_is_refused(self) -> None:
        with pytest.raises(StaleVersion):
            self.revise(a_promo_code(), a_promo_spec(max_uses=9), expected_version=3)
