"""PostgreSQL sales analytics: aggregate statements, never a row of an order.

1. Money, orders, tickets and check-ins come from ``orders`` alone (each paid order carries its
   ``tickets`` and ``checked_in`` counts, kept by the triggers of migration 0017), by an
   index-only range scan of ``ix_orders_paid`` (``(organization_id, paid_at)`` with everything
   summed INCLUDEd, paid rows only), grouped at once by currency, by day and by event with
   ``GROUPING SETS``.
2. For one event only, its ticket types: that event's counted orders joined to their lines
   (``ix_order_items_sold``) and to their admitted tickets (``ix_attendees_checked_in``).

Days are taken in the organization's zone by PostgreSQL (``paid_at AT TIME ZONE``), so they
agree with the period's bounds, which the application computed in the same zone. Every
statement also names ``organization_id``: row level security would filter anyway, but the
explicit predicate is what lets the planner use the leading index column. The transaction gets
memory for a hash aggregate (the planner cannot tell how few days a year of timestamps makes,
estimates a group per order and, measured with 64 MB of work_mem alone, still sorted a year's
930,000 rows on disk; the groups really are days, events and currencies, a few kilobytes),
no JIT (compiling cost more than the query) and the random page cost of an SSD (priced as a
disk, the index-only range over most of a year lost to a sequential scan of the whole table,
three times larger).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import Row, TextClause, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.ext.asyncio import AsyncConnection

from ticketbase.application.ports.analytics import (
    COUNTED,
    TAKEN,
    TOP_EVENTS,
    CurrencyTotals,
    DayFigures,
    EventFigures,
    Figures,
    Period,
    TicketTypeFigures,
)
from ticketbase.domain.shared.ids import EventId, OrganizationId, TicketTypeId


def _statuses(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


_RANGE = (
    "o.organization_id = :org AND o.paid_at >= :start AND o.paid_at < :end"
    " AND o.paid_at IS NOT NULL"
)
_EVENT = " AND o.event_id = :event"

# GROUPING(day, event_id): 3 = the currency's totals, 1 = a day, 2 = an event.
_SUMMARY = """
SELECT GROUPING(day, event_id) AS g, day, event_id, currency,
       count(*) FILTER (WHERE status <> 'refunded') AS orders,
       coalesce(sum(tickets) FILTER (WHERE status <> 'refunded'), 0) AS tickets,
       coalesce(sum(checked_in) FILTER (WHERE status <> 'refunded'), 0) AS checked_in,
       sum(total - refunded_amount) AS revenue,
       sum(refunded_amount) AS refunded
  FROM (SELECT (o.paid_at AT TIME ZONE :tz)::date AS day, o.event_id, o.currency, o.status,
               o.total, o.refunded_amount, o.tickets, o.checked_in
          FROM orders o
         WHERE {range} AND o.status IN ({taken})) AS o
 GROUP BY GROUPING SETS ((currency), (day, currency), (event_id, currency))
"""

_TYPES = """
SELECT i.ticket_type_id, sum(i.quantity) AS tickets,
       coalesce(sum(i.total) FILTER (WHERE o.currency = :currency), 0) AS revenue
  FROM orders o
  JOIN order_items i ON i.organization_id = o.organization_id AND i.order_id = o.id
 WHERE {range} AND o.status IN ({counted})
 GROUP BY i.ticket_type_id
"""

_TYPES_CHECKED_IN = """
SELECT a.ticket_type_id, count(*) AS checked_in
  FROM orders o
  JOIN attendees a ON a.organization_id = o.organization_id AND a.order_id = o.id
 WHERE a.checked_in_at IS NOT NULL AND {range} AND o.status IN ({counted})
 GROUP BY a.ticket_type_id
"""

_TUNING = text(
    "SELECT set_config('work_mem', '64MB', true), set_config('hash_mem_multiplier', '8', true),"
    " set_config('jit', 'off', true), set_config('random_page_cost', '1.1', true)"
)

_IDS = bindparam("ids", type_=ARRAY(PgUUID(as_uuid=True)))
_EVENT_NAMES = text(
    "SELECT id, name FROM events WHERE organization_id = :org AND id = ANY(:ids)"
).bindparams(_IDS)
_TYPE_NAMES = text(
    "SELECT id, name FROM ticket_types WHERE organization_id = :org AND id = ANY(:ids)"
).bindparams(_IDS)


SUMMARY_STATEMENT = _SUMMARY.format(range=_RANGE, taken=_statuses(TAKEN))
"""The summary of every event (the benchmark explains it too)."""
EVENT_STATEMENT = _SUMMARY.format(range=_RANGE + _EVENT, taken=_statuses(TAKEN))
_TYPES_STATEMENT = text(_TYPES.format(range=_RANGE + _EVENT, counted=_statuses(COUNTED)))
_TYPES_CHECKED_IN_STATEMENT = text(
    _TYPES_CHECKED_IN.format(range=_RANGE + _EVENT, counted=_statuses(COUNTED))
)


class PostgresSalesAnalytics:
    def __init__(self, connection: AsyncConnection, organization_id: OrganizationId) -> None:
        self._c, self._org = connection, organization_id

    async def figures(
        self, period: Period, currency: str, event_id: EventId | None = None
    ) -> Figures:
        params: dict[str, object] = {
            "org": self._org,
            "start": period.start,
            "end": period.end,
            "tz": period.timezone,
            "currency": currency,
        }
        if event_id is not None:
            params["event"] = event_id
        await self._c.execute(_TUNING)
        summary = _Summary(currency)
        statement = SUMMARY_STATEMENT if event_id is None else EVENT_STATEMENT
        for row in await self._c.execute(text(statement), params):
            summary.add(row)

        daily = [
            DayFigures(d, orders, tickets, summary.day_revenue.get(d, 0))
            for d, (orders, tickets) in sorted(summary.days.items())
        ]
        revenue, sold = summary.event_revenue, summary.event_tickets
        ranked = sorted(
            revenue.keys() | sold.keys(),
            key=lambda e: (-revenue.get(e, 0), -sold.get(e, 0), str(e)),
        )[:TOP_EVENTS]
        names = await self._names(_EVENT_NAMES, ranked)
        top = [
            EventFigures(EventId(e), names.get(e, ""), sold.get(e, 0), revenue.get(e, 0))
            for e in ranked
        ]
        return Figures(
            money=sorted(summary.totals, key=lambda t: t.currency),
            orders=summary.orders,
            tickets=summary.tickets,
            checked_in=summary.checked_in,
            daily=daily,
            top_events=top,
            ticket_types=[] if event_id is None else await self._ticket_types(params),
        )

    async def _ticket_types(self, params: dict[str, object]) -> list[TicketTypeFigures]:
        sales = {
            row.ticket_type_id: (int(row.tickets), int(row.revenue))
            for row in await self._c.execute(_TYPES_STATEMENT, params)
        }
        admitted = {
            row.ticket_type_id: int(row.checked_in)
            for row in await self._c.execute(_TYPES_CHECKED_IN_STATEMENT, params)
        }
        names = await self._names(_TYPE_NAMES, list(sales))
        return sorted(
            (
                TicketTypeFigures(TicketTypeId(t), names.get(t, ""), n, amount, admitted.get(t, 0))
                for t, (n, amount) in sales.items()
            ),
            key=lambda f: (f.name, str(f.ticket_type_id)),
        )

    async def _names(self, statement: TextClause, ids: list[UUID]) -> dict[UUID, str]:
        if not ids:
            return {}
        rows = await self._c.execute(statement, {"org": self._org, "ids": ids})
        return {row.id: row.name for row in rows}


class _Summary:
    """The rows of the summary statement, sorted out by grouping set."""

    def __init__(self, currency: str) -> None:
        self.currency = currency
        self.totals: list[CurrencyTotals] = []
        self.orders = self.tickets = self.checked_in = 0
        self.days: dict[date, tuple[int, int]] = {}
        self.day_revenue: dict[date, int] = {}
        self.event_tickets: dict[UUID, int] = {}
        self.event_revenue: dict[UUID, int] = {}

    def add(self, row: Row[Any]) -> None:
        if row.g == 3:
            self.totals.append(CurrencyTotals(row.currency, int(row.revenue), int(row.refunded)))
            self.orders += int(row.orders)
            self.tickets += int(row.tickets)
            self.checked_in += int(row.checked_in)
        elif row.g == 1:
            orders, tickets = self.days.get(row.day, (0, 0))
            self.days[row.day] = (orders + int(row.orders), tickets + int(row.tickets))
            if row.currency == self.currency:
                self.day_revenue[row.day] = int(row.revenue)
        else:
            sold = self.event_tickets.get(row.event_id, 0) + int(row.tickets)
            if sold or row.currency == self.currency:
                self.event_tickets[row.event_id] = sold
            if row.currency == self.currency:
                self.event_revenue[row.event_id] = int(row.revenue)
