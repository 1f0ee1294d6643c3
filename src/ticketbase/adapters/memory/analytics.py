"""In-memory sales analytics: the same sums as the PostgreSQL adapter's SQL, by walking the
tenant's rows (tests only; the contract suite holds both to the same numbers)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

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

if TYPE_CHECKING:
    from ticketbase.adapters.memory.unit_of_work import MemoryState


class MemorySalesAnalytics:
    def __init__(self, state: MemoryState, organization_id: OrganizationId) -> None:
        self._s, self._org = state, organization_id

    async def figures(
        self, period: Period, currency: str, event_id: EventId | None = None
    ) -> Figures:
        zone = ZoneInfo(period.timezone)
        money: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        orders = tickets = checked_in = 0
        day_orders: dict[date, int] = defaultdict(int)
        day_tickets: dict[date, int] = defaultdict(int)
        day_revenue: dict[date, int] = defaultdict(int)
        event_tickets: dict[EventId, int] = defaultdict(int)
        event_revenue: dict[EventId, int] = defaultdict(int)
        type_sales: dict[TicketTypeId, list[int]] = defaultdict(lambda: [0, 0, 0])
        counted: set[object] = set()
        for order, _ in self._s.orders.get(self._org, {}).values():
            paid_at = order.paid_at
            if paid_at is None or not period.start <= paid_at < period.end:
                continue
            if order.status.value not in TAKEN:
                continue
            if event_id is not None and order.event_id != event_id:
                continue
            day = paid_at.astimezone(zone).date()
            day_orders[day] += 0  # a day with money only is a day of the series too
            kept = order.total.amount - order.refunded_amount
            money[order.currency][0] += kept
            money[order.currency][1] += order.refunded_amount
            in_currency = order.currency == currency
            if in_currency:
                day_revenue[day] += kept
                event_revenue[order.event_id] += kept
            if order.status.value not in COUNTED:
                continue
            counted.add(order.id)
            orders += 1
            day_orders[day] += 1
            for line in order.lines:
                tickets += line.quantity
                day_tickets[day] += line.quantity
                event_tickets[order.event_id] += line.quantity
                if event_id is not None:
                    sales = type_sales[line.ticket_type_id]
                    sales[0] += line.quantity
                    sales[1] += line.total.amount if in_currency else 0
        for attendee in self._s.attendees.get(self._org, {}).values():
            if attendee.order_id in counted and attendee.checked_in_at is not None:
                checked_in += 1
                if event_id is not None:
                    type_sales[attendee.ticket_type_id][2] += 1

        events = self._s.events.get(self._org, {})
        ranked = sorted(
            event_revenue.keys() | event_tickets.keys(),
            key=lambda e: (-event_revenue[e], -event_tickets[e], str(e)),
        )[:TOP_EVENTS]
        names = self._s.ticket_types.get(self._org, {})
        types = [
            TicketTypeFigures(t, names[t].name if t in names else "", sold, revenue, admitted)
            for t, (sold, revenue, admitted) in type_sales.items()
        ]
        return Figures(
            money=[CurrencyTotals(c, m[0], m[1]) for c, m in sorted(money.items())],
            orders=orders,
            tickets=tickets,
            checked_in=checked_in,
            daily=[
                DayFigures(d, day_orders[d], day_tickets[d], day_revenue[d])
                for d in sorted(day_orders)
            ],
            top_events=[
                EventFigures(
                    e, events[e].name if e in events else "", event_tickets[e], event_revenue[e]
                )
                for e in ranked
            ],
            ticket_types=sorted(types, key=lambda f: (f.name, str(f.ticket_type_id))),
        )
