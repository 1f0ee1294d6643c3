"""Money: integer minor units of one ISO 4217 currency, arithmetic that refuses to mix them."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ticketbase.domain.shared.errors import RuleViolated
from ticketbase.domain.shared.values import CurrencyMismatch, Money

amounts = st.integers(min_value=-(10**12), max_value=10**12)


def eur(amount: int) -> Money:
    return Money(amount, "EUR")


class TestConstruction:
    @pytest.mark.parametrize("currency", ["EUR", "USD", "JPY"])
    def test_accepts_a_three_letter_code(self, currency: str) -> None:
        assert Money(2500, currency).currency == currency

    @pytest.mark.parametrize("currency", ["eur", "EU", "EURO", "", "E1R", "EUR\n"])
    def test_refuses_a_code_that_is_not_three_capitals(self, currency: str) -> None:
        with pytest.raises(RuleViolated) as caught:
            Money(1, currency)
        assert caught.value.field == "currency"

    @pytest.mark.parametrize("amount", [25.0, 0.5, True, "25"])
    def test_refuses_anything_but_an_integer_amount(self, amount: object) -> None:
        with pytest.raises(RuleViolated) as caught:
            Money(amount, "EUR")  # type: ignore[arg-type]
        assert caught.value.field == "amount"

    def test_zero(self) -> None:
        assert Money.zero("USD") == Money(0, "USD")

    def test_amounts_in_different_currencies_are_unequal(self) -> None:
        assert Money(0, "EUR") != Money(0, "USD")


class TestArithmetic:
    @given(amounts, amounts)
    def test_adds_and_subtracts_in_one_currency(self, a: int, b: int) -> None:
        assert eur(a) + eur(b) == eur(a + b)
        assert eur(a) - eur(b) == eur(a - b)
        assert -eur(a) == eur(-a)

    @given(amounts, st.integers(min_value=-1000, max_value=1000))
    def test_multiplies_by_a_whole_number(self, a: int, n: int) -> None:
        assert eur(a) * n == eur(a * n)
        assert n * eur(a) == eur(a * n)

    def test_refuses_to_multiply_by_a_float(self) -> None:
        with pytest.raises(TypeError):
            eur(100) * 1.5  # type: ignore[operator]

    @pytest.mark.parametrize(
        "operation",
        [
            lambda a, b: a + b,
            lambda a, b: a - b,
            lambda a, b: a < b,
            lambda a, b: a <= b,
            lambda a, b: a > b,
            lambda a, b: a >= b,
        ],
    )
    def test_refuses_to_mix_currencies(self, operation: object) -> None:
        with pytest.raises(CurrencyMismatch) as caught:
            operation(eur(1), Money(1, "USD"))  # type: ignore[operator]
        assert caught.value.code == "currency_mismatch"
        assert isinstance(caught.value, RuleViolated)

    @given(amounts, amounts)
    def test_orders_by_amount_in_one_currency(self, a: int, b: int) -> None:
        assert (eur(a) < eur(b)) is (a < b)
        assert (eur(a) <= eur(b)) is (a <= b)
        assert (eur(a) > eur(b)) is (a > b)
        assert (eur(a) >= eur(b)) is (a >= b)
        assert min(eur(a), eur(b)) == eur(min(a, b))

    def test_is_negative(self) -> None:
        assert eur(-1).is_negative
        assert not eur(0).is_negative


class TestScaled:
    @pytest.mark.parametrize(
        ("amount", "numerator", "denominator", "expected"),
        [
            (2, 25, 100, 0),  # 0.5 → 0 (even)
            (6, 25, 100, 2),  # 1.5 → 2 (even)
            (10, 25, 100, 2),  # 2.5 → 2 (even)
            (14, 25, 100, 4),  # 3.5 → 4 (even)
            (13, 25, 100, 3),  # 3.25 → 3
            (-6, 25, 100, -2),  # -1.5 → -2 (even)
            (1999, 1900, 11900, 319),  # 19% VAT inside 19.99: 319.16… → 319
            (100, 1, 3, 33),
        ],
    )
    def test_rounds_half_to_even(
        self, amount: int, numerator: int, denominator: int, expected: int
    ) -> None:
        assert eur(amount).scaled(numerator, denominator) == eur(expected)

    @given(amounts, st.integers(0, 10_000), st.integers(1, 10_000))
    def test_is_within_half_a_minor_unit_of_the_exact_value(
        self, amount: int, numerator: int, denominator: int
    ) -> None:
        exact = Fraction(amount * numerator, denominator)
        assert abs(eur(amount).scaled(numerator, denominator).amount - exact) <= Fraction(1, 2)

    def test_refuses_a_denominator_that_is_not_positive(self) -> None:
        with pytest.raises(ValueError, match="denominator"):
            eur(1).scaled(1, 0)
