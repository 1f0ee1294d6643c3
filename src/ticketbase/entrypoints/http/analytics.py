"""``/api/analytics``: a tenant's sales figures (analytics:read), summed in the database.

``from`` and ``to`` are inclusive calendar dates in the organization's time zone (default: the
last 30 days; at most 366). What counts, and how refunds are dated, is written in
application/ports/analytics.py. ``revenue``/``refunded`` are in the organization's currency;
``otherCurrencies`` lists orders taken in any other (the setting may have changed), whose amounts
are not in the day, event or ticket type revenue.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from dishka.integrations.litestar import FromDishka
from litestar import Controller, get
from litestar.params import QueryParameter

from ticketbase.application.analytics.get_event_analytics import GetEventAnalytics
from ticketbase.application.analytics.get_sales_summary import GetSalesSummary, SalesSummary
from ticketbase.application.analytics.period import DateRange
from ticketbase.application.context import Actor
from ticketbase.domain.shared.ids import EventId
from ticketbase.entrypoints.http.wire import BEARER, Wire


class AmountWire(Wire):
    amount: int
    currency: str


class CurrencyTotalsWire(Wire):
    revenue: AmountWire
    refunded: AmountWire


class TopEventWire(Wire):
    event_id: UUID
    name: str
    tickets_sold: int
    revenue: AmountWire


class DayWire(Wire):
    date: date
    orders: int
    tickets_sold: int
    revenue: AmountWire


class TicketTypeWire(Wire):
    ticket_type_id: UUID
    name: str
    tickets_sold: int
    revenue: AmountWire
    checked_in: int


def _wire_name(name: str) -> str:
    """camelCase, with ``first``/``last`` as ``from``/``to`` (keywords in Python)."""
    head, *rest = {"first": "from", "last": "to"}.get(name, name).split("_")
    return head + "".join(part.title() for part in rest)


class AnalyticsResponse(Wire, rename=_wire_name):
    first: date
    last: date
    timezone: str
    revenue: AmountWire
    refunded: AmountWire
    other_currencies: list[CurrencyTotalsWire]
    orders: int
    tickets_sold: int
    checked_in: int
    check_in_rate: float
    top_events: list[TopEventWire]
    daily: list[DayWire]


class EventAnalyticsResponse(AnalyticsResponse, rename=_wire_name):
    event_id: UUID
    name: str
    ticket_types: list[TicketTypeWire]


def _money(amount: int, currency: str) -> AmountWire:
    return AmountWire(amount=amount, currency=currency)


def _fields(summary: SalesSummary) -> dict[str, object]:
    f, cur = summary.figures, summary.currency
    mine = next((m for m in f.money if m.currency == cur), None)
    return {
        "first": summary.first,
        "last": summary.last,
        "timezone": summary.timezone,
        "revenue": _money(mine.revenue if mine else 0, cur),
        "refunded": _money(mine.refunded if mine else 0, cur),
        "other_currencies": [
            CurrencyTotalsWire(
                revenue=_money(m.revenue, m.currency), refunded=_money(m.refunded, m.currency)
            )
            for m in f.money
            if m.currency != cur
        ],
        "orders": f.orders,
        "tickets_sold": f.tickets,
        "checked_in": f.checked_in,
        "check_in_rate": round(f.checked_in / f.tickets, 4) if f.tickets else 0.0,
        "top_events": [
            TopEventWire(
                event_id=e.event_id,
                name=e.name,
                tickets_sold=e.tickets,
                revenue=_money(e.revenue, cur),
            )
            for e in f.top_events
        ],
        "daily": [
            DayWire(
                date=d.day, orders=d.orders, tickets_sold=d.tickets, revenue=_money(d.revenue, cur)
            )
            for d in f.daily
        ],
    }


From = Annotated[date | None, QueryParameter(name="from")]
To = Annotated[date | None, QueryParameter(name="to")]


class AnalyticsController(Controller):
    path = "/api/analytics"
    tags = ["analytics"]
    security = BEARER

    @get("/summary", summary="Sales figures of a period, optionally of one event (analytics:read)")
    async def summary(
        self,
        actor: FromDishka[Actor],
        use_case: FromDishka[GetSalesSummary],
        first: From = None,
        last: To = None,
        event_id: Annotated[UUID | None, QueryParameter(name="eventId")] = None,
    ) -> AnalyticsResponse:
        event = None if event_id is None else EventId(event_id)
        summary = await use_case(DateRange(first, last), actor, event)
        return AnalyticsResponse(**_fields(summary))  # type: ignore[arg-type]

    @get(
        "/events/{id:uuid}",
        summary="One event's sales figures with its ticket types (analytics:read)",
    )
    async def event(
        self,
        actor: FromDishka[Actor],
        use_case: FromDishka[GetEventAnalytics],
        id: UUID,
        first: From = None,
        last: To = None,
    ) -> EventAnalyticsResponse:
        summary = await use_case(EventId(id), DateRange(first, last), actor)
        assert summary.event is not None
        cur = summary.currency
        return EventAnalyticsResponse(
            **_fields(summary),  # type: ignore[arg-type]
            event_id=summary.event.id,
            name=summary.event.name,
            ticket_types=[
                TicketTypeWire(
                    ticket_type_id=t.ticket_type_id,
                    name=t.name,
                    tickets_sold=t.tickets,
                    revenue=_money(t.revenue, cur),
                    checked_in=t.checked_in,
                )
                for t in summary.figures.ticket_types
            ],
        )
