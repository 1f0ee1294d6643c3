"""Checkout: what a request may buy, and what it costs.

**What is refused** (in this order, the first failure wins):

- no item (``EmptyOrder`` on ``items``), more than :data:`MAX_LINES` (``TooManyLines``);
- a ticket type named twice (``DuplicateLine`` on ``items[i].ticketTypeId``): lines are not
  merged, so each priced line answers exactly one line of the request and its limits;
- the event not on sale at the instant (``SalesClosed`` on ``eventId``);
- per line: a ticket type that is not the event's, or hidden (``UnknownTicketType``, the same
  answer for both, unless the caller is the box office: ``include_hidden``); its own sales
  window closed (``SalesClosed``); a quantity outside ``minPerOrder..maxPerOrder``
  (``QuantityOutOfRange`` on ``items[i].quantity``);
- a promo code that is not valid now or used up (``PromoCodeUnusable`` subclasses on
  ``promoCode``), or that covers none of the lines (``PromoCodeNotApplicable``).

Availability is **not** checked here: storage's conditional update decides, and the application
raises :class:`~.errors.SoldOut` when it takes nothing.

**Pricing.** Each line is priced at its ticket type's current price at the instant (the tier
matching ``(at, sold + held)``, the whole line at that price); the promo code takes its discount
off the lines it applies to (within ``[0, gross]``). Per line: ``gross = unit * quantity``,
``total = gross - discount``, ``tax`` = the tax contained in ``total`` at the type's rate,
rounded half-even **per line**. The totals are the sums of the lines (``fees`` zero for now,
kept so the wire shape is stable): ``total = subtotal - discount + fees``; all in one currency."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from ticketbase.domain.events.event import Event
from ticketbase.domain.events.pricing import included_tax
from ticketbase.domain.events.promo_code import PromoCode
from ticketbase.domain.events.ticket_type import TicketType
from ticketbase.domain.orders.errors import (
    DuplicateLine,
    EmptyOrder,
    PromoCodeNotApplicable,
    QuantityOutOfRange,
    SalesClosed,
    TooManyLines,
    UnknownPromoCode,
    UnknownTicketType,
)
from ticketbase.domain.shared.errors import RuleViolated
from ticketbase.domain.shared.ids import PromoCodeId, TicketTypeId
from ticketbase.domain.shared.values import CurrencyMismatch, Money

MAX_LINES = 20


@dataclass(frozen=True, slots=True)
class RequestedItem:
    ticket_type_id: TicketTypeId
    quantity: int


@dataclass(frozen=True, slots=True)
class PricedLine:
    """One line of an order, priced: ``total = unit_price * quantity - discount``, and ``tax``
    is the part of ``total`` that is tax at ``tax_rate`` basis points. ``name`` is the ticket
    type's name when it was bought (a receipt does not change when staff rename it)."""

    ticket_type_id: TicketTypeId
    name: str
    quantity: int
    unit_price: Money
    discount: Money
    tax_rate: int
    tax: Money
    total: Money

    def __post_init__(self) -> None:
        if type(self.quantity) is not int or self.quantity < 1:
            raise RuleViolated("a line has at least one ticket", field="quantity")
        currency = self.unit_price.currency
        if any(m.currency != currency for m in (self.discount, self.tax, self.total)):
            raise CurrencyMismatch(f"a line is priced in {currency} throughout")
        zero = Money.zero(currency)
        if self.unit_price < zero or not zero <= self.discount <= self.gross:
            raise RuleViolated("a line's price and discount are within 0 and its gross")
        if self.total != self.gross - self.discount:
            raise RuleViolated("a line's total is its gross less its discount")
        if not zero <= self.tax <= self.total:
            raise RuleViolated("a line's tax is part of its total")

    @classmethod
    def price(
        cls,
        ticket_type: TicketType,
        quantity: int,
        *,
        unit_price: Money,
        discount: Money,
    ) -> PricedLine:
        total = unit_price * quantity - discount
        return cls(
            ticket_type_id=ticket_type.id,
            name=ticket_type.name,
            quantity=quantity,
            unit_price=unit_price,
            discount=discount,
            tax_rate=ticket_type.spec.tax_rate,
            tax=included_tax(total, ticket_type.spec.tax_rate),
            total=total,
        )

    @property
    def currency(self) -> str:
        return self.unit_price.currency

    @property
    def gross(self) -> Money:
        return self.unit_price * self.quantity


@dataclass(frozen=True, slots=True)
class Totals:
    """``total = subtotal - discount + fees``; none negative; ``tax <= total``; one currency."""

    subtotal: Money
    discount: Money
    fees: Money
    tax: Money
    total: Money

    def __post_init__(self) -> None:
        currency = self.subtotal.currency
        parts = (self.subtotal, self.discount, self.fees, self.tax, self.total)
        if any(m.currency != currency for m in parts):
            raise CurrencyMismatch(f"totals are in {currency} throughout")
        if any(m.is_negative for m in parts):
            raise RuleViolated("no total is negative")
        if self.total != self.subtotal - self.discount + self.fees:
            raise RuleViolated("the total is the subtotal less the discount plus the fees")
        if self.tax > self.total:
            raise RuleViolated("the tax is part of the total")

    @classmethod
    def of(cls, lines: Sequence[PricedLine], *, fees: Money | None = None) -> Totals:
        if not lines:
            raise EmptyOrder("an order has at least one line", field="items")
        currency = lines[0].currency
        zero = Money.zero(currency)
        fee = zero if fees is None else fees
        subtotal = sum((line.gross for line in lines), zero)
        discount = sum((line.discount for line in lines), zero)
        return cls(
            subtotal=subtotal,
            discount=discount,
            fees=fee,
            tax=sum((line.tax for line in lines), zero),
            total=subtotal - discount + fee,
        )

    @property
    def currency(self) -> str:
        return self.total.currency


@dataclass(frozen=True, slots=True)
class Quote:
    """A priced request: what :meth:`~.order.Order.place` turns into an order."""

    lines: tuple[PricedLine, ...]
    totals: Totals
    promo_code_id: PromoCodeId | None = None

    def __post_init__(self) -> None:
        if Totals.of(self.lines) != self.totals:
            raise RuleViolated("the totals are the sums of the lines")

    @property
    def currency(self) -> str:
        return self.totals.currency

    @property
    def ticket_count(self) -> int:
        return sum(line.quantity for line in self.lines)


def quote(
    event: Event,
    ticket_types: Iterable[TicketType],
    items: Sequence[RequestedItem],
    *,
    at: datetime,
    promo_code: PromoCode | None = None,
    include_hidden: bool = False,
) -> Quote:
    """Check a checkout request against the event's ticket types and price it at ``at``.

    ``ticket_types``: the event's (others are ignored, and named by a request get
    ``UnknownTicketType``). ``include_hidden``: the box office may sell hidden types."""
    if not items:
        raise EmptyOrder("an order has at least one ticket", field="items")
    if len(items) > MAX_LINES:
        raise TooManyLines(f"an order has at most {MAX_LINES} lines", field="items")
    seen: set[TicketTypeId] = set()
    for index, item in enumerate(items):
        if item.ticket_type_id in seen:
            raise DuplicateLine(
                "each ticket type appears once, with its quantity",
                field=f"items[{index}].ticketTypeId",
            )
        seen.add(item.ticket_type_id)
    if not event.is_on_sale(at):
        raise SalesClosed("this event is not on sale", field="eventId")
    own = {t.id: t for t in ticket_types if t.event_id == event.id}
    chosen = [
        _check_item(event, own, item, index, at, include_hidden) for index, item in enumerate(items)
    ]
    if promo_code is not None:
        _check_promo_code(event, promo_code, [t.id for t in chosen], at)
    lines = tuple(
        _price(ticket_type, item.quantity, at, promo_code)
        for ticket_type, item in zip(chosen, items, strict=True)
    )
    return Quote(
        lines=lines,
        totals=Totals.of(lines),
        promo_code_id=None if promo_code is None else promo_code.id,
    )


def _check_item(
    event: Event,
    own: dict[TicketTypeId, TicketType],
    item: RequestedItem,
    index: int,
    at: datetime,
    include_hidden: bool,
) -> TicketType:
    ticket_type = own.get(item.ticket_type_id)
    if ticket_type is None or (ticket_type.hidden and not include_hidden):
        raise UnknownTicketType(
            "no such ticket type in this event", field=f"items[{index}].ticketTypeId"
        )
    if not event.sells(ticket_type, at):
        raise SalesClosed(
            f"{ticket_type.name!r} is not on sale now", field=f"items[{index}].ticketTypeId"
        )
    low, high = ticket_type.spec.min_per_order, ticket_type.spec.max_per_order
    if type(item.quantity) is not int or not low <= item.quantity <= high:
        raise QuantityOutOfRange(
            f"{ticket_type.name!r} is sold {low}-{high} per order",
            field=f"items[{index}].quantity",
        )
    return ticket_type


def _check_promo_code(
    event: Event, promo_code: PromoCode, ticket_type_ids: Sequence[TicketTypeId], at: datetime
) -> None:
    if promo_code.event_id != event.id:
        raise UnknownPromoCode("no such code for this event", field="promoCode")
    promo_code.check_redeemable(at)
    if not any(promo_code.covers(t) for t in ticket_type_ids):
        raise PromoCodeNotApplicable("this code does not apply to these tickets", field="promoCode")


def _price(
    ticket_type: TicketType, quantity: int, at: datetime, promo_code: PromoCode | None
) -> PricedLine:
    unit_price = ticket_type.current_price(at)
    discount = (
        Money.zero(unit_price.currency)
        if promo_code is None
        else promo_code.discount_for(ticket_type.id, unit_price, quantity, at=at)
    )
    return PricedLine.price(ticket_type, quantity, unit_price=unit_price, discount=discount)
