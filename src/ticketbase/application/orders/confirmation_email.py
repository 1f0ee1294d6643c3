"""The order confirmation a buyer receives once their order is paid: the order, its tickets,
and the links to see them again.

Plain text and HTML carry the same content. Everything that comes from a tenant or a buyer
(organization, event, names, ticket type names) is HTML-escaped in the HTML part: a buyer can
call themselves ``<script>``. The links carry the buyer's order token, derived from the order's
id (``BuyerTokens``), never stored in clear: the same links in every copy of the email, so a
resend shows nothing new. Amounts are written from integer minor units, never through a float.
Tenant-editable templates arrive with the email-templates issue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from ticketbase.application.ports.mailer import OutgoingEmail
from ticketbase.domain.events.event import Event
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.orders.attendee import Attendee
from ticketbase.domain.orders.order import Order
from ticketbase.domain.shared.values import Money

# ISO 4217 currencies without a minor unit; every other currency TicketBase takes has two.
_NO_MINOR_UNIT = frozenset({"JPY", "KRW", "CLP", "ISK", "VND", "UGX", "XAF", "XOF"})
_DEFAULT_COLOR = "#1f2937"


def format_money(value: Money) -> str:
    """``1,234.50 EUR``; ``1,200 JPY``; ``-0.05 EUR``."""
    sign = "-" if value.amount < 0 else ""
    units = abs(value.amount)
    if value.currency in _NO_MINOR_UNIT:
        return f"{sign}{units:,} {value.currency}"
    major, minor = divmod(units, 100)
    return f"{sign}{major:,}.{minor:02d} {value.currency}"


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


@dataclass(frozen=True, slots=True)
class _Ticket:
    holder: str
    ticket_type: str
    code: str
    link: str


def order_confirmation_email(
    *,
    order: Order,
    event: Event,
    organization: Organization,
    tickets: Sequence[Attendee],
    links: TicketLinks,
) -> OutgoingEmail:
    """To the buyer; ``tickets`` are the order's attendees in issue order."""
    type_names = {line.ticket_type_id: line.name for line in order.lines}
    rows = [
        _Ticket(
            holder=t.full_name,
            ticket_type=type_names.get(t.ticket_type_id, "Ticket"),
            code=t.ticket_code.value,
            link=links.ticket(t),
        )
        for t in tickets
    ]
    return OutgoingEmail(
        to=order.buyer.email.value,
        subject=f"Your tickets for {event.name} (order {order.number})",
        text=_text(order, event, organization, rows, links.order(order)),
        html=_html(order, event, organization, rows, links.order(order)),
    )


def _when(event: Event) -> str:
    schedule = event.schedule
    starts = schedule.local(schedule.starts_at)
    return f"{starts:%A %d %B %Y, %H:%M} ({schedule.timezone})"


def _where(event: Event) -> str:
    venue = event.venue
    return f"{venue.name}, {venue.address}, {venue.city}, {venue.country}"


def _lines(order: Order) -> list[tuple[str, str]]:
    """(label, amount) of each order line, then the totals."""
    rows = []
    for line in order.lines:
        label = f"{line.quantity} x {line.name} at {format_money(line.unit_price)}"
        if line.discount.amount:
            label += f" (discount {format_money(line.discount)})"
        rows.append((label, format_money(line.total)))
    totals = order.totals
    rows.append(("Subtotal", format_money(totals.subtotal)))
    if totals.discount.amount:
        rows.append(("Discount", format_money(-totals.discount)))
    if totals.fees.amount:
        rows.append(("Fees", format_money(totals.fees)))
    rows.append(("Total paid", format_money(totals.total)))
    rows.append(("Of which tax", format_money(totals.tax)))
    return rows


def _text(
    order: Order, event: Event, organization: Organization, tickets: list[_Ticket], link: str
) -> str:
    parts = [
        f"Hello {order.buyer.full_name},\n\n"
        f"{organization.name} confirms your order {order.number} for {event.name}.\n\n"
        f"When: {_when(event)}\nWhere: {_where(event)}\n\n"
        "Your order\n"
    ]
    parts += [f"  {label}: {amount}\n" for label, amount in _lines(order)]
    parts.append(f"\nYour tickets ({len(tickets)})\n")
    for number, ticket in enumerate(tickets, start=1):
        parts.append(
            f"\nTicket {number}: {ticket.ticket_type}\n"
            f"  Holder: {ticket.holder}\n"
            f"  Ticket code: {ticket.code}\n"
            f"  QR code to show at the door: {ticket.link}\n"
        )
    parts.append(
        f"\nSee your order at any time:\n{link}\n\n"
        "Keep this email: its links are your access to the order and its tickets.\n"
        f"— {organization.name}\n"
    )
    return "".join(parts)


def _html(
    order: Order, event: Event, organization: Organization, tickets: list[_Ticket], link: str
) -> str:
    color = escape(organization.branding.primary_color or _DEFAULT_COLOR)
    lines = "".join(
        f'<tr><td style="padding:2px 12px 2px 0">{escape(label)}</td>'
        f'<td style="text-align:right">{escape(amount)}</td></tr>'
        for label, amount in _lines(order)
    )
    cards = "".join(
        '<div style="border:1px solid #d1d5db;border-radius:6px;padding:12px;margin:12px 0">'
        f'<h3 style="margin:0 0 6px">Ticket {number}: {escape(t.ticket_type)}</h3>'
        f'<p style="margin:0">Holder: {escape(t.holder)}</p>'
        f'<p style="margin:0">Ticket code: <code>{escape(t.code)}</code></p>'
        f'<p style="margin:6px 0 0"><a href="{escape(t.link)}">QR code to show at the door</a>'
        "</p></div>"
        for number, t in enumerate(tickets, start=1)
    )
    return (
        '<!DOCTYPE html><html><body style="font-family:sans-serif;color:#111827">'
        f'<h1 style="color:{color}">{escape(organization.name)}</h1>'
        f"<p>Hello {escape(order.buyer.full_name)},</p>"
        f"<p>{escape(organization.name)} confirms your order <strong>{escape(str(order.number))}"
        f"</strong> for <strong>{escape(event.name)}</strong>.</p>"
        f"<p>When: {escape(_when(event))}<br>Where: {escape(_where(event))}</p>"
        f"<h2>Your order</h2><table>{lines}</table>"
        f"<h2>Your tickets ({len(tickets)})</h2>{cards}"
        f'<p><a href="{escape(link)}">See your order at any time</a></p>'
        "<p>Keep this email: its links are your access to the order and its tickets.</p>"
        "</body></html>"
    )
