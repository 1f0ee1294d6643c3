"""The order confirmation a buyer receives once their order is paid: the order, its tickets,
and the links to see them again, as the variables of the ``order_confirmation`` template.

The words are the organization's template (or the default); this module gives it the data:
buyer, event, order lines and totals, and each ticket with its code and QR link. The data are
plain strings and numbers: the HTML part escapes them, so a buyer can call themselves
``<script>``. The links carry the buyer's order token, derived from the order's id
(``BuyerTokens``), never stored in clear: the same links in every copy of the email, so a
resend shows nothing new. Amounts are written from integer minor units, never through a
float."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ticketbase.application.email_templates.variables import format_money
from ticketbase.application.ports.email_templates import TemplateValue
from ticketbase.domain.events.event import Event
from ticketbase.domain.orders.attendee import Attendee
from ticketbase.domain.orders.order import Order
from ticketbase.domain.shared.values import Money

__all__ = ["TicketLinks", "event_variables", "format_money", "order_confirmation_data"]


@dataclass(frozen=True, slots=True)
class TicketLinks:
    public_url: str
    """The API's public base (``TICKETBASE_PUBLIC_URL``)."""
    buyer_token: str

    def _base(self) -> str:
        return self.public_url.rstrip("/")

    def order(self, order: Order) -> str:
        return f"{self._base()}/api/orders/{order.id}?token={self.buyer_token}"

    def ticket(self, attendee: Attendee) -> str:
        """The ticket's QR image."""
        return (
            f"{self._base()}/api/orders/{attendee.order_id}/tickets/{attendee.id}"
            f"?token={self.buyer_token}"
        )


def event_variables(event: Event) -> dict[str, TemplateValue]:
    """``event``: its name, when and where in the event's own timezone."""
    schedule, venue = event.schedule, event.venue
    starts = schedule.local(schedule.starts_at)
    return {
        "name": event.name,
        "when": f"{starts:%A %d %B %Y, %H:%M} ({schedule.timezone})",
        "where": f"{venue.name}, {venue.address}, {venue.city}, {venue.country}",
        "timezone": schedule.timezone,
        "venue": {
            "name": venue.name,
            "address": venue.address,
            "city": venue.city,
            "country": venue.country,
        },
    }


def _nonzero(value: Money) -> str:
    """The amount, or "" when it is zero (templates test it with ``{% if %}``)."""
    return format_money(value) if value.amount else ""


def order_confirmation_data(
    *, order: Order, event: Event, tickets: Sequence[Attendee], links: TicketLinks
) -> dict[str, TemplateValue]:
    """The ``order_confirmation`` variables; ``tickets`` are the order's attendees in issue
    order."""
    type_names = {line.ticket_type_id: line.name for line in order.lines}
    totals = order.totals
    lines: list[TemplateValue] = [
        {
            "name": line.name,
            "quantity": line.quantity,
            "unit_price": format_money(line.unit_price),
            "discount": _nonzero(line.discount),
            "total": format_money(line.total),
            "label": f"{line.quantity} x {line.name} at {format_money(line.unit_price)}",
        }
        for line in order.lines
    ]
    rows: list[TemplateValue] = [
        {
            "number": number,
            "ticket_type": type_names.get(t.ticket_type_id, "Ticket"),
            "holder": t.full_name,
            "code": t.ticket_code.value,
            "link": links.ticket(t),
        }
        for number, t in enumerate(tickets, start=1)
    ]
    return {
        "buyer": {"full_name": order.buyer.full_name, "email": order.buyer.email.value},
        "event": event_variables(event),
        "order": {
            "number": str(order.number),
            "link": links.order(order),
            "total": format_money(totals.total),
            "lines": lines,
            "subtotal": format_money(totals.subtotal),
            "discount": _nonzero(totals.discount),
            "fees": _nonzero(totals.fees),
            "tax": format_money(totals.tax),
        },
        "tickets": rows,
    }
