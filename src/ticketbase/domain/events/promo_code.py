"""Promo codes: a discount on an event's tickets, for a time, for a number of orders.

- A code is 3-32 of ``A-Z 0-9 - _``, case-insensitive: it is kept upper-case, and that form is
  the key storage keeps unique per event (:func:`normalise_code`).
- It is valid while ``valid_from <= at < valid_until`` (absent bounds open) and applies to the
  listed ticket types, or to all of them when none are listed.
- A percentage (1-100) discounts a line by ``percent`` of the line total, rounded half-even to
  a minor unit; an amount discounts each ticket of the line by that amount, at most the
  ticket's price. A discount is never negative and never more than the line.
- ``uses`` (orders paid or pending) never exceeds ``max_uses``; storage counts with a
  conditional update, the rule is :meth:`PromoCode.can_use`."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

from ticketbase.domain.events.errors import (
    MaxUsesBelowUses,
    PromoCodeExpired,
    PromoCodeNotYetValid,
    PromoCodeUsedUp,
)
from ticketbase.domain.events.pricing import MAX_QUANTITY
from ticketbase.domain.events.schedule import optional_utc
from ticketbase.domain.shared.errors import RuleViolated, StaleVersion
from ticketbase.domain.shared.ids import EventId, PromoCodeId, TicketTypeId
from ticketbase.domain.shared.values import CurrencyMismatch, Money

_CODE = re.compile(r"[A-Za-z0-9_-]{3,32}")
MAX_USES = MAX_QUANTITY


def normalise_code(raw: str, *, field: str = "code") -> str:
    """The key of a code: trimmed, then checked, then upper-cased. Checked before upper-casing
    so that no non-ASCII letter (``ß`` → ``SS``) can pass for another code."""
    code = raw.strip()
    if not _CODE.fullmatch(code):
        raise RuleViolated("a code is 3-32 letters, digits, - or _", field=field)
    return code.upper()


@dataclass(frozen=True, slots=True)
class PercentOff:
    percent: int

    def __post_init__(self) -> None:
        if not 1 <= self.percent <= 100:
            raise RuleViolated("a percentage is 1-100", field="discount.percent")

    def off(self, unit_price: Money, quantity: int) -> Money:
        line = unit_price * quantity
        return max(line.scaled(self.percent, 100), Money.zero(line.currency))


@dataclass(frozen=True, slots=True)
class AmountOff:
    """An amount off each ticket."""

    amount: Money

    def __post_init__(self) -> None:
        if self.amount.amount <= 0:
            raise RuleViolated("an amount off is positive", field="discount.amount")

    def off(self, unit_price: Money, quantity: int) -> Money:
        per_ticket = max(min(self.amount, unit_price), Money.zero(unit_price.currency))
        return per_ticket * quantity


Discount: TypeAlias = PercentOff | AmountOff


@dataclass(frozen=True, slots=True)
class PromoCodeSpec:
    """Everything staff set on a promo code; a ``PUT`` replaces it whole."""

    code: str
    discount: Discount
    ticket_type_ids: Collection[TicketTypeId] | None = None
    max_uses: int | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", normalise_code(self.code))
        if self.ticket_type_ids is not None:
            if not self.ticket_type_ids:
                raise RuleViolated(
                    "list at least one ticket type, or none for all", field="ticketTypeIds"
                )
            object.__setattr__(self, "ticket_type_ids", frozenset(self.ticket_type_ids))
        if self.max_uses is not None and not 1 <= self.max_uses <= MAX_USES:
            raise RuleViolated(f"a maximum of uses is 1-{MAX_USES}", field="maxUses")
        start = optional_utc(self.valid_from, field="validFrom")
        end = optional_utc(self.valid_until, field="validUntil")
        if start is not None and end is not None and start >= end:
            raise RuleViolated("a code is valid from before it is valid until", field="validUntil")
        object.__setattr__(self, "valid_from", start)
        object.__setattr__(self, "valid_until", end)

    def check_for_event(self, *, currency: str, ticket_type_ids: Collection[TicketTypeId]) -> None:
        """An amount in the organization's currency; only the event's own ticket types."""
        if isinstance(self.discount, AmountOff) and self.discount.amount.currency != currency:
            raise CurrencyMismatch(f"discounts are in {currency}", field="discount.amount")
        if self.ticket_type_ids is not None and not set(self.ticket_type_ids) <= set(
            ticket_type_ids
        ):
            raise RuleViolated("a ticket type is not one of this event's", field="ticketTypeIds")


@dataclass(slots=True)
class PromoCode:
    id: PromoCodeId
    event_id: EventId
    spec: PromoCodeSpec
    created_at: datetime
    updated_at: datetime
    uses: int = 0
    version: int = 1

    @classmethod
    def create(
        cls,
        *,
        id: PromoCodeId,
        event_id: EventId,
        spec: PromoCodeSpec,
        currency: str,
        ticket_type_ids: Collection[TicketTypeId],
        now: datetime,
    ) -> PromoCode:
        """``ticket_type_ids``: those of the event, which the code may name."""
        spec.check_for_event(currency=currency, ticket_type_ids=ticket_type_ids)
        return cls(id=id, event_id=event_id, spec=spec, created_at=now, updated_at=now)

    @property
    def code(self) -> str:
        """Normalised: the key that is unique per event."""
        return self.spec.code

    @property
    def max_uses(self) -> int | None:
        return self.spec.max_uses

    def is_valid_at(self, at: datetime) -> bool:
        start, end = self.spec.valid_from, self.spec.valid_until
        return (start is None or start <= at) and (end is None or at < end)

    def covers(self, ticket_type_id: TicketTypeId) -> bool:
        ids = self.spec.ticket_type_ids
        return ids is None or ticket_type_id in ids

    def applies(self, ticket_type_id: TicketTypeId, at: datetime) -> bool:
        """Valid at ``at`` and for this ticket type. Uses are a separate question
        (:meth:`can_use`): an order already counted among them must still be priced."""
        return self.is_valid_at(at) and self.covers(ticket_type_id)

    def can_use(self, n: int = 1) -> bool:
        """Would ``n`` more uses stay within ``max_uses``?"""
        return self.spec.max_uses is None or self.uses + n <= self.spec.max_uses

    def check_redeemable(self, at: datetime, n: int = 1) -> None:
        """Refuse, on the order's ``promoCode``, a code that is not valid now or used up."""
        if self.spec.valid_from is not None and at < self.spec.valid_from:
            raise PromoCodeNotYetValid("this code is not valid yet", field="promoCode")
        if self.spec.valid_until is not None and at >= self.spec.valid_until:
            raise PromoCodeExpired("this code has expired", field="promoCode")
        if not self.can_use(n):
            raise PromoCodeUsedUp("this code has been used up", field="promoCode")

    def discount_for(
        self, ticket_type_id: TicketTypeId, unit_price: Money, quantity: int, *, at: datetime
    ) -> Money:
        """What the code takes off a line of ``quantity`` tickets at ``unit_price``: zero when
        it does not apply; else within ``[0, unit_price * quantity]``, in the line's currency."""
        if not self.applies(ticket_type_id, at):
            return Money.zero(unit_price.currency)
        line = unit_price * quantity
        return min(self.spec.discount.off(unit_price, quantity), line)

    def record_uses(self, n: int = 1) -> None:
        if not self.can_use(n):
            raise PromoCodeUsedUp("this code has been used up", field="promoCode")
        self.uses += n

    def release_uses(self, n: int = 1) -> None:
        """An order that counted was cancelled or expired."""
        if n > self.uses:
            raise ValueError(f"only {self.uses} uses to release, not {n}")
        self.uses -= n

    def revise(
        self,
        spec: PromoCodeSpec,
        *,
        currency: str,
        ticket_type_ids: Collection[TicketTypeId],
        now: datetime,
        expected_version: int | None = None,
    ) -> bool:
        """Replace the spec; ``False`` when it is the same."""
        if expected_version is not None and expected_version != self.version:
            raise StaleVersion(
                f"the promo code is at version {self.version}, not {expected_version}"
            )
        if spec == self.spec:
            return False
        spec.check_for_event(currency=currency, ticket_type_ids=ticket_type_ids)
        if spec.max_uses is not None and spec.max_uses < self.uses:
            raise MaxUsesBelowUses(
                f"the code has been used {self.uses} times: the maximum cannot go below that",
                field="maxUses",
            )
        self.spec = spec
        self.version += 1
        self.updated_at = now
        return True
