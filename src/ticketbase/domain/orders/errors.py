"""The named refusals of the orders area.

A request that breaks a rule is ``RuleViolated`` (422) naming the field as the client wrote it
(``items[1].quantity``, ``promoCode``); a request the order's or the event's state forbids is
``Conflict`` (409)."""

from __future__ import annotations

from ticketbase.domain.events.errors import PromoCodeUnusable
from ticketbase.domain.shared.errors import Conflict, NotFound, PaymentRequired, RuleViolated
from ticketbase.domain.shared.ids import TicketTypeId


class OrderNotFound(NotFound):
    pass


class AttendeeNotFound(NotFound):
    """Also what an unknown or another event's ticket code gets at check-in."""


# --- checkout ------------------------------------------------------------------------------------


class EmptyOrder(RuleViolated):
    code = "order_empty"


class TooManyLines(RuleViolated):
    code = "too_many_lines"


class DuplicateLine(RuleViolated):
    """Two lines name the same ticket type: a request says each once, with its quantity."""

    code = "duplicate_line"


class UnknownTicketType(RuleViolated):
    """No such ticket type for sale in this event. A hidden one and one of another event get
    the same answer as one that does not exist: the public learns nothing from it."""

    code = "unknown_ticket_type"


class QuantityOutOfRange(RuleViolated):
    """Outside the ticket type's ``minPerOrder``..``maxPerOrder``."""

    code = "quantity_out_of_range"


class SalesClosed(Conflict):
    """The event is not on sale, or this ticket type's sales window is closed, at this instant."""

    code = "sales_closed"


class UnknownPromoCode(PromoCodeUnusable):
    """No such code for this event (the application's lookup found none)."""

    code = "promo_code_unknown"


class PromoCodeNotApplicable(PromoCodeUnusable):
    """The code covers none of the ordered ticket types: it would spend a use for nothing."""

    code = "promo_code_not_applicable"


class SoldOut(Conflict):
    """Not enough left of a ticket type (or of the event's capacity). Raised by the application
    when storage's conditional update takes nothing; names the ticket type."""

    code = "sold_out"

    def __init__(
        self, detail: str, *, ticket_type_id: TicketTypeId, field: str | None = None
    ) -> None:
        super().__init__(detail, field=field)
        self.ticket_type_id = ticket_type_id

    @classmethod
    def of(cls, ticket_type_id: TicketTypeId, name: str, *, line: int | None = None) -> SoldOut:
        """``line``: the index of the request's item, to name ``items[line].ticketTypeId``."""
        return cls(
            f"not enough {name!r} tickets left",
            ticket_type_id=ticket_type_id,
            field=None if line is None else f"items[{line}].ticketTypeId",
        )


class EventSoldOut(Conflict):
    """Every ticket type may have some left, but the event's capacity does not: the same
    ``sold_out`` answer, on ``items`` (no one line is to blame)."""

    code = "sold_out"


# --- the order's life ----------------------------------------------------------------------------


class OrderIsExpired(Conflict):
    """Its hold ran out: the tickets went back to stock."""

    code = "order_expired"


class OrderNotPayable(Conflict):
    code = "order_not_payable"


class PaymentAmountMismatch(Conflict):
    """A payment must be exactly the order's total."""

    code = "payment_amount_mismatch"


class OrderNotYetExpired(Conflict):
    code = "order_not_yet_expired"


class OrderNotCancellable(Conflict):
    """Only a pending order is cancelled; a paid one is refunded."""

    code = "order_not_cancellable"


class OrderNotRefundable(Conflict):
    """Only money that was paid goes back."""

    code = "order_not_refundable"


class RefundExceedsPaid(RuleViolated):
    code = "refund_exceeds_paid"


# --- tickets -------------------------------------------------------------------------------------


class TooManyAttendees(RuleViolated):
    """More attendees named for a ticket type than the order has tickets of it."""

    code = "too_many_attendees"


class TicketVoid(Conflict):
    """The ticket's order was cancelled or refunded: it admits nobody."""

    code = "ticket_void"


class PaymentDeclined(PaymentRequired):
    code = "payment_declined"


class WrongPaymentProvider(RuleViolated):
    """``free`` pays only zero totals; the others only totals above zero."""

    code = "wrong_payment_provider"
