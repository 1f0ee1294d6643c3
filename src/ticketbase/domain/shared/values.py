"""Value objects shared across areas: slugs, email addresses, colors, domain names, money."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from ticketbase.domain.shared.errors import RuleViolated

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}$")
_DOMAIN_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


@dataclass(frozen=True, slots=True)
class Slug:
    value: str

    def __post_init__(self) -> None:
        if not _SLUG.fullmatch(self.value):
            raise RuleViolated(
                "a slug is 1-64 lowercase letters, digits or inner hyphens", field="slug"
            )

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class EmailAddress:
    """An email address, normalised (trimmed, lowercased) so lookups are exact."""

    value: str

    @classmethod
    def parse(cls, raw: str, *, field: str = "email") -> EmailAddress:
        normalised = raw.strip().lower()
        if (
            len(normalised) > 320
            or not _EMAIL.fullmatch(normalised)
            or "." not in normalised.split("@")[1]
        ):
            raise RuleViolated("not a valid email address", field=field)
        return cls(normalised)

    def __str__(self) -> str:
        return self.value


def parse_color(raw: str, *, field: str) -> str:
    if not _COLOR.fullmatch(raw):
        raise RuleViolated("a color is written #rrggbb", field=field)
    return raw.lower()


def parse_domain_name(raw: str, *, field: str = "domain") -> str:
    """A DNS host name, lowercased, without a trailing dot or a port."""
    name = raw.strip().lower().rstrip(".")
    labels = name.split(".")
    if len(name) > 253 or len(labels) < 2 or not all(_DOMAIN_LABEL.fullmatch(x) for x in labels):
        raise RuleViolated(f"{raw!r} is not a valid domain name", field=field)
    return name


# --- money ---------------------------------------------------------------------------------------

_CURRENCY_CODE = re.compile(r"[A-Z]{3}")


class CurrencyMismatch(RuleViolated):
    """Two amounts in different currencies met: nothing converts one into the other."""

    code = "currency_mismatch"


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in integer minor units (cents) of an ISO 4217 currency; never a float.

    Amounts may be negative (a refund, a difference); what must not be negative (a price) is
    checked where it is used. Arithmetic and ordering refuse two currencies with
    ``CurrencyMismatch``; equality does not (``EUR 0`` simply differs from ``USD 0``)."""

    amount: int
    currency: str

    def __post_init__(self) -> None:
        # ``bool`` is an ``int`` and a float may hold an integral value: both are refused.
        if type(self.amount) is not int:
            raise RuleViolated("an amount is an integer number of minor units", field="amount")
        if not isinstance(self.currency, str) or not _CURRENCY_CODE.fullmatch(self.currency):
            raise RuleViolated("a currency is an ISO 4217 code such as EUR", field="currency")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: int) -> Money:
        if type(factor) is not int:
            return NotImplemented
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount >= other.amount

    @property
    def is_negative(self) -> bool:
        return self.amount < 0

    def scaled(self, numerator: int, denominator: int) -> Money:
        """This amount * numerator / denominator, rounded half-even to a whole minor unit.

        Exact (a ``Fraction``, no float): 25% of 2 cents is 0.5 → 0, of 6 cents 1.5 → 2."""
        if denominator <= 0:
            raise ValueError("the denominator must be positive")
        return Money(round(Fraction(self.amount * numerator, denominator)), self.currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
