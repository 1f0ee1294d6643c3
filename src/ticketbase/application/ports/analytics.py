"""Sales analytics read by aggregates: what a period of a tenant's orders adds up to.

The port answers with sums, never with orders: the PostgreSQL adapter computes them in SQL over
covering indexes (migration 0017), the memory adapter by walking its rows; one contract suite
holds both to the same hand-computed numbers.

What counts (the same in both adapters):

- an order counts from its payment: its ``paid_at`` falls in ``[period.start, period.end)``;
  days are the calendar days of ``period.timezone`` (the organization's) at that instant;
- ``orders`` and ``tickets`` count orders that are ``paid`` or ``partially_refunded`` (a partial
  refund gives money back, the tickets stay valid); a fully ``refunded`` order no longer counts;
- ``revenue`` is what was kept, ``total - refunded_amount``, and ``refunded`` what was given
  back, of every order paid in the period (refunded ones included): a refund is dated by the
  payment it returns, so a past day's figures move when a late refund comes in, and revenue plus
  refunded is always what was taken that day;
- per ticket type, revenue is the lines' totals of the counted orders (refunds are amounts of a
  whole order, not of a line, and fees belong to the order), so it need not add up to the
  event's revenue;
- ``checked_in`` counts the counted orders' attendees whose ``checked_in_at`` is set;
- money is summed per currency: a tenant sells in its settings' currency, but the setting can
  change, so older orders may be in another one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from ticketbase.domain.shared.ids import EventId, TicketTypeId

COUNTED = ("paid", "partially_refunded")
"""Statuses whose orders and tickets count."""
TAKEN = ("paid", "partially_refunded", "refunded")
"""Statuses whose money counts (revenue kept and refunded)."""
TOP_EVENTS = 10


@dataclass(frozen=True, slots=True)
class Period:
    start: datetime
    """Inclusive instant (the first day's midnight in ``timezone``)."""
    end: datetime
    """Exclusive instant (the midnight after the last day)."""
    timezone: str


@dataclass(frozen=True, slots=True)
class CurrencyTotals:
    currency: str
    revenue: int
    refunded: int


@dataclass(frozen=True, slots=True)
class DayFigures:
    day: date
    orders: int
    tickets: int
    revenue: int
    """In the currency asked for."""


@dataclass(frozen=True, slots=True)
class EventFigures:
    event_id: EventId
    name: str
    tickets: int
    revenue: int
    """In the currency asked for."""


@dataclass(frozen=True, slots=True)
class TicketTypeFigures:
    ticket_type_id: TicketTypeId
    name: str
    tickets: int
    revenue: int
    """The lines' totals in the currency asked for."""
    checked_in: int


@dataclass(frozen=True, slots=True)
class Figures:
    money: list[CurrencyTotals]
    """Every currency with orders in the period, by currency code."""
    orders: int
    tickets: int
    checked_in: int
    daily: list[DayFigures]
    """Only days with orders, in date order."""
    top_events: list[EventFigures]
    """At most ``TOP_EVENTS``: by revenue, then tickets, then id."""
    ticket_types: list[TicketTypeFigures] = field(default_factory=list)
    """Filled for one event only: every ticket type with sales, by name then id."""


class SalesAnalytics(Protocol):
    async def figures(
        self, period: Period, currency: str, event_id: EventId | None = None
    ) -> Figures:
        """The tenant's figures for ``period`` (one event's, with its ticket types, when
        ``event_id`` is given); day and event revenue in ``currency``."""
        ...
