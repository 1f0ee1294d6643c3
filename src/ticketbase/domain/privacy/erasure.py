"""How a person is erased from the records that must outlive them.

An order keeps its number, lines, amounts and payment (bookkeeping needs them) but loses the
person: the buyer's name becomes ``Erased`` and the email a placeholder that is unique per
record and can never be delivered (``.invalid`` is reserved by RFC 2606), so nothing that
sends mail to a stored address (a resent confirmation) can reach anyone, and two erased buyers
cannot be told apart or joined back to one person. Attendees (tickets) are treated alike,
with their own id in the placeholder."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ticketbase.domain.orders.buyer import Buyer, NamedAttendee
from ticketbase.domain.orders.order import Order
from ticketbase.domain.shared.values import EmailAddress

ERASED_NAME = "Erased"
ERASED_DOMAIN = "erased.invalid"


def erased_email(record_id: UUID) -> EmailAddress:
    """The placeholder address of one erased record."""
    return EmailAddress(f"erased+{record_id.hex}@{ERASED_DOMAIN}")


def is_erased(email: EmailAddress) -> bool:
    return email.value.endswith("@" + ERASED_DOMAIN)


def mentions(order: Order, email: EmailAddress) -> bool:
    """The person bought the order or is named on one of its tickets."""
    return order.buyer.email == email or any(a.email == email for a in order.attendees)


def erase_from_order(order: Order, email: EmailAddress, *, now: datetime) -> bool:
    """Replace ``email``'s person in the order (as buyer and as named attendee) by the
    placeholder; bump the version. False (and nothing changed) when they are not in it."""
    if not mentions(order, email):
        return False
    placeholder = erased_email(order.id)
    if order.buyer.email == email:
        order.buyer = Buyer(ERASED_NAME, placeholder)
    order.attendees = tuple(
        NamedAttendee(a.ticket_type_id, ERASED_NAME, placeholder) if a.email == email else a
        for a in order.attendees
    )
    order.updated_at = now
    order.version += 1
    return True
