"""PostgreSQL sales analytics: three aggregate statements per request, never a row of an order.

1. Money and order counts come from ``orders`` alone, by an index-only range scan of
   ``ix_orders_paid`` (0017: ``(organization_id, paid_at)`` with what is summed INCLUDEd, only
   paid rows), grouped at once by currency, by day and by event with ``GROUPING SETS``.
2. Tickets join the period's counted orders to their lines (``ix_order_items_sold`` covers the
   join), grouped by day, event and, for one event, ticket type.
3. Check-ins join the checked-in attendees (the partial ``ix_attendees_checked_in``) to the
   period's counted orders.

Days are taken in the organization's zone by PostgreSQL (``paid_at AT TIME ZONE``), so they
agree with the period's bounds, which the application computed in the same zone. Every
statement also names ``organization_id``: row level security would filter anyway, but the
explicit predicate is what lets the planner use the leading index column.
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
_MONEY = """
SELECT GROUPING(day, event_id) AS g, day, event_id, currency,
       count(*) FILTER (WHERE status <> 'refunded') AS orders,
       sum(total - refunded_amount) AS revenue,
       sum(refunded_amount) AS refunded
  FROM (SELECT (o.paid_at AT TIME ZONE :tz)::date AS day, o.event_id, o.currency, o.status,
               o.total, o.refunded_amount
          FROM orders o
         WHERE {range} AND o.status IN ({taken})) AS o
 GROUP BY GROUPING SETS ((currency), (day, currency), (event_id, currency))
"""

# GROUPING(day, event_id, ticket_type_id): 7 = all, 3 = a day, 5 = an event, 6 = a type (a
# GROUPING of what no set names is refused: without types, GROUPING(day, event_id) * 2 + 1).
_TICKETS = """
SELECT {grouping} AS g, o.day, o.event_id,
       {type_column} AS ticket_type_id, coalesce(sum(i.quantity), 0) AS tickets,
       coalesce(sum(i.total) FILTER (WHERE o.currency = :currency), 0) AS revenue
  FROM (SELECT o.id, (o.paid_at AT TIME ZONE :tz)::date AS day, o.event_id, o.currency
          FROM orders o
         WHERE {range} AND o.status IN ({counted})) AS o
  JOIN order_items i ON i.organization_id = :org AND i.order_id = o.id
 GROUP BY GROUPING SETS ({sets})
"""

_CHECKED_IN = """
SELECT {grouping} AS g, {type_column} AS ticket_type_id, count(*) AS checked_in
  FROM attendees a
  JOIN orders o ON o.organization_id = a.organization_id AND o.id = a.order_id
 WHERE a.organization_id = :org AND a.checked_in_at IS NOT NULL
   AND {range} AND o.status IN ({counted}){attendee_event}
 GROUP BY GROUPING SETS ({sets})
"""

_IDS = bindparam("ids", type_=ARRAY(PgUUID(as_uuid=True)))
_EVENT_NAMES = text(
    "SELECT id, name FROM events WHERE organization_id = :org AND id = ANY(:ids)"
).bindparams(_IDS)
_TYPE_NAMES = text(
    "SELECT id, name FROM ticket_types WHERE organization_id = :org AND id = ANY(:ids)"
).bindparams(_IDS)


def _statements(one_event: bool) -> tuple[str, str, str]:
    where = _RANGE + (_EVENT if one_event else "")
    money = _MONEY.format(range=where, taken=_statuses(TAKEN))
    tickets = _TICKETS.format(
        grouping="GROUPING(o.day, o.event_id, i.ticket_type_id)"
        if one_event
        else "GROUPING(o.day, o.event_id) * 2 + 1",
        type_column="i.ticket_type_id" if one_event else "NULL::uuid",
        range=where,
        counted=_statuses(COUNTED),
        sets="(), (o.day), (o.event_id)" + (", (i.ticket_type_id)" if one_event else ""),
    )
    checked_in = _CHECKED_IN.format(
        grouping="GROUPING(a.ticket_type_id)" if one_event else "1",
        type_column="a.ticket_type_id" if one_event else "NULL::uuid",
        range=where,
        counted=_statuses(COUNTED),
        attendee_event=" AND a.event_id = :event" if one_event else "",
        sets="()" + (", (a.ticket_type_id)" if one_event else ""),
    )
    return money, tickets, checked_in


SUMMARY_STATEMENTS = _statements(one_event=False)
"""Money, tickets and check-ins of every event (the benchmark explains them too)."""
EVENT_STATEMENTS = _statements(one_event=True)


class PostgresSalesAnalytics:
    def __init__(self, connection: AsyncConnection, organization_id: OrganizationId) -> None:
        self._c, self._org = connection, organization_id

    async def figures(
        self, period: Period, currency: str, event_id: EventId | None = None
    ) -> Figures:
        money_sql, tickets_sql, checked_in_sql = SUMMARY_STATEMENTS if event_id is None else EVENT_STATEMENTS
        params: dict[str, object] = {
            "org": self._org,
            "start": period.start,
            "end": period.end,
            "tz": period.timezone,
            "currency": currency,
        }
        if event_id is not None:
            params["event"] = event_id
        money = _Money(currency)
        for row in await self._c.execute(text(money_sql), params):
            money.add(row)
        sold = _Tickets()
        for row in await self._c.execute(text(tickets_sql), params):
            sold.add(row)
        checked_in = 0
        type_checked_in: dict[UUID, int] = {}
        for row in await self._c.execute(text(checked_in_sql), params):
            if row.g == 1:
                checked_in = int(row.checked_in)
            else:
                type_checked_in[row.ticket_type_id] = int(row.checked_in)

        days = sorted(money.day_orders.keys() | sold.by_day.keys())
        daily = [
            DayFigures(d, money.day_orders.get(d, 0), sold.by_day.get(d, 0), money.by_day.get(d, 0))
            for d in days
        ]
        revenue, tickets = money.by_event, sold.by_event
        ranked = sorted(
            revenue.keys() | tickets.keys(),
            key=lambda e: (-revenue.get(e, 0), -tickets.get(e, 0), str(e)),
        )[:TOP_EVENTS]
        names = await self._names(_EVENT_NAMES, ranked)
        top = [
            EventFigures(EventId(e), names.get(e, ""), tickets.get(e, 0), revenue.get(e, 0))
            for e in ranked
        ]
        type_names = await self._names(_TYPE_NAMES, list(sold.by_type))
        types = sorted(
            (
                TicketTypeFigures(
                    TicketTypeId(t), type_names.get(t, ""), n, amount, type_checked_in.get(t, 0)
                )
                for t, (n, amount) in sold.by_type.items()
            ),
            key=lambda f: (f.name, str(f.ticket_type_id)),
        )
        return Figures(
            money=sorted(money.totals, key=lambda t: t.currency),
            orders=money.orders,
            tickets=sold.total,
            checked_in=checked_in,
            daily=daily,
            top_events=top,
            ticket_types=types,
        )

    async def _names(self, statement: TextClause, ids: list[UUID]) -> dict[UUID, str]:
        if not ids:
            return {}
        rows = await self._c.execute(statement, {"org": self._org, "ids": ids})
        return {row.id: row.name for row in rows}


class _Money:
    """The rows of the money statement, sorted out by grouping set."""

    def __init__(self, currency: str) -> None:
        self.currency = currency
        self.totals: list[CurrencyTotals] = []
        self.orders = 0
        self.day_orders: dict[date, int] = {}
        self.by_day: dict[date, int] = {}
        self.by_event: dict[UUID, int] = {}

    def add(self, row: Row[Any]) -> None:
        if row.g == 3:
            self.totals.append(CurrencyTotals(row.currency, int(row.revenue), int(row.refunded)))
            self.orders += int(row.orders)
        elif row.g == 1:
            self.day_orders[row.day] = self.day_orders.get(row.day, 0) + int(row.orders)
            if row.currency == self.currency:
                self.by_day[row.day] = int(row.revenue)
        elif row.currency == self.currency:
            self.by_event[row.event_id] = int(row.revenue)


class _Tickets:
    """The rows of the tickets statement, sorted out by grouping set."""

    def __init__(self) -> None:
        self.total = 0
        self.by_day: dict[date, int] = {}
        self.by_event: dict[UUID, int] = {}
        self.by_type: dict[UUID, tuple[int, int]] = {}

    def add(self, row: Row[Any]) -> None:
        if row.g == 7:
            self.total = int(row.tickets)
        elif row.g == 3:
            self.by_day[row.day] = int(row.tickets)
        elif row.g == 5:
            self.by_event[row.event_id] = int(row.tickets)
        else:
            self.by_type[row.ticket_type_id] = (int(row.tickets), int(row.revenue))
