"""Pricing tiers and the price a ticket type sells at, at an instant and a count.

**The rule.** A tier *matches* ``(at, taken)`` — an instant and the tickets of the type already
sold or held — when its window is open (``starts_at <= at < ends_at``, an absent bound open)
and its cap is not reached (``taken < up_to_quantity``, no cap: never reached). The current
price is the price of the first matching tier in list order, else the base price.

**Continuity under edits.** The price at a point ``(at, taken)`` depends on nothing but the
base price and the first tier that matches that point. Hence, for any edit of the list
(adding, removing, changing or moving tiers):

- a point that no added, removed or changed tier matches, and whose matching tiers keep their
  relative order, keeps its price;
- removing a tier changes the price only at the points where it was the first match, and there
  the price becomes that of the next matching tier in the list, else the base price.

Over time, at a fixed count, the price can change only at a tier's ``starts_at`` or
``ends_at``; over counts, at a fixed instant, only where ``taken`` reaches a tier's cap.

All tiers carry the base price's currency (mixed currencies are refused) and no price is
negative, so no current price is either."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ticketbase.domain.events.errors import inputs_within
from ticketbase.domain.events.schedule import optional_utc
from ticketbase.domain.shared.errors import RuleViolated
from ticketbase.domain.shared.values import CurrencyMismatch, Money

MAX_TIERS = 20
MAX_TIER_NAME_LENGTH = 100
MAX_QUANTITY = 10_000_000
MAX_TAX_RATE = 10_000  # basis points: 100 %


def check_price(price: Money, *, field: str = "price") -> Money:
    if price.is_negative:
        raise RuleViolated("a price is not negative", field=field)
    return price


@dataclass(frozen=True, slots=True)
class PricingTier:
    """A price that applies within a date window and/or until a count of tickets is taken.

    Fields are named relative to the tier (``endsAt``); wrap the construction in
    :func:`~ticketbase.domain.events.errors.inputs_within` to report ``tiers[2].endsAt``."""

    name: str
    price: Money
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    up_to_quantity: int | None = None

    def __post_init__(self) -> None:
        if not self.name.strip() or len(self.name) > MAX_TIER_NAME_LENGTH:
            raise RuleViolated(f"a name is 1-{MAX_TIER_NAME_LENGTH} characters", field="name")
        check_price(self.price)
        object.__setattr__(self, "starts_at", optional_utc(self.starts_at, field="startsAt"))
        object.__setattr__(self, "ends_at", optional_utc(self.ends_at, field="endsAt"))
        if (
            self.starts_at is not None
            and self.ends_at is not None
            and self.ends_at <= self.starts_at
        ):
            raise RuleViolated("a tier ends after it starts", field="endsAt")
        if self.up_to_quantity is not None and not 1 <= self.up_to_quantity <= MAX_QUANTITY:
            raise RuleViolated(f"a cap is 1-{MAX_QUANTITY}", field="upToQuantity")

    def is_open_at(self, at: datetime) -> bool:
        return (self.starts_at is None or self.starts_at <= at) and (
            self.ends_at is None or at < self.ends_at
        )

    def has_room(self, taken: int) -> bool:
        return self.up_to_quantity is None or taken < self.up_to_quantity

    def matches(self, at: datetime, taken: int) -> bool:
        return self.is_open_at(at) and self.has_room(taken)


def check_tiers(base: Money, tiers: Sequence[PricingTier]) -> tuple[PricingTier, ...]:
    """At most :data:`MAX_TIERS`, each in the base price's currency."""
    if len(tiers) > MAX_TIERS:
        raise RuleViolated(f"at most {MAX_TIERS} pricing tiers", field="tiers")
    for index, tier in enumerate(tiers):
        if tier.price.currency != base.currency:
            with inputs_within(f"tiers[{index}]"):
                raise CurrencyMismatch(
                    f"a tier is priced in {base.currency}, like the ticket type", field="price"
                )
    return tuple(tiers)


def current_price(base: Money, tiers: Sequence[PricingTier], *, at: datetime, taken: int) -> Money:
    """The price of the first tier matching ``(at, taken)``, else ``base``."""
    return next((tier.price for tier in tiers if tier.matches(at, taken)), base)


def included_tax(gross: Money, rate: int) -> Money:
    """The tax contained in a tax-inclusive amount at ``rate`` basis points, rounded half-even:
    ``gross * rate / (10000 + rate)``."""
    if not 0 <= rate <= MAX_TAX_RATE:
        raise RuleViolated(f"a tax rate is 0-{MAX_TAX_RATE} basis points", field="taxRate")
    return gross.scaled(rate, 10_000 + rate)
