"""The Order aggregate: a priced quote held for a buyer, then paid, refunded, cancelled or
expired.

Status::

    pending ──pay──▶ paid ──refund (part)──▶ partially_refunded ──refund (rest)──▶ refunded
       │                └───────────────refund (all)───────────────────────────────▲
       ├──cancel──▶ cancelled
       └──expire──▶ expired ──late payment, stock taken again──▶ paid

- **Pay** (:meth:`Order.pay`) records money already received, exactly the total
  (``PaymentAmountMismatch``). Pending within the hold → paid. Paid already → nothing changes
  (``ALREADY_PAID``: a webhook delivered twice), unless it is another payment (another
  ``reference``: ``DUPLICATE``, to be given back). Cancelled → ``OrderNotPayable``. After the
  hold (``at >= expires_at``, marked expired or not) → ``AFTER_EXPIRY`` and no change: the
  application tries to take the stock again, then calls :meth:`Order.settle_late_payment`,
  which pays the order or gives the money back (``LatePaymentRefunded``). Before charging a
  card, :meth:`Order.check_payable` refuses an expired (``OrderIsExpired``) or cancelled order.
- **Expire** only a pending order whose hold is over (``OrderNotYetExpired`` before); any other
  status is left as it is (the sweeper lost a race with a payment: nothing to do).
- **Cancel** only a pending order (a paid one is refunded: ``OrderNotCancellable``).
- **Refund** only what was paid: refunds accumulate and never exceed the total
  (``RefundExceedsPaid``); a full refund of a refunded order changes nothing.

Asking for the state it is already in changes nothing, bumps no version and announces nothing.

**Numbers.** A human order number comes from a per-organization sequence that storage keeps
(a conditional ``UPDATE … RETURNING``): :meth:`OrderNumber.from_sequence` writes it as at least
six digits plus a Luhn check digit, so a mistyped number is caught before any lookup."""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ticketbase.domain.events.errors import inputs_within
from ticketbase.domain.orders.buyer import Buyer, NamedAttendee
from ticketbase.domain.orders.domain_events import (
    LatePaymentRefunded,
    OrderCancelled,
    OrderCreated,
    OrderExpired,
    OrderPaid,
    OrderRefunded,
)
from ticketbase.domain.orders.errors import (
    OrderIsExpired,
    OrderNotCancellable,
    OrderNotPayable,
    OrderNotRefundable,
    OrderNotYetExpired,
    PaymentAmountMismatch,
    RefundExceedsPaid,
    TooManyAttendees,
)
from ticketbase.domain.orders.quote import PricedLine, Quote, Totals
from ticketbase.domain.shared.errors import RuleViolated
from ticketbase.domain.shared.ids import EventId, OrderId, OrganizationId, PromoCodeId
from ticketbase.domain.shared.values import CurrencyMismatch, Money

DEFAULT_HOLD = timedelta(minutes=15)
MAX_HOLD = timedelta(days=1)
MAX_SEQUENCE = 10**12 - 1


def _luhn_digit(payload: str) -> str:
    total = 0
    for position, char in enumerate(reversed(payload)):
        digit = int(char)
        if position % 2 == 0:  # the check digit will sit to the right of this one
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return str(-total % 10)


@dataclass(frozen=True, slots=True)
class OrderNumber:
    """At least six digits and a Luhn check digit: ``000042`` → ``0000426``."""

    value: str

    def __post_init__(self) -> None:
        value = self.value
        if not (
            value.isascii()
            and value.isdigit()
            and 7 <= len(value) <= 13
            and _luhn_digit(value[:-1]) == value[-1]
        ):
            raise RuleViolated("not an order number", field="number")

    @classmethod
    def from_sequence(cls, sequence: int) -> OrderNumber:
        if not 1 <= sequence <= MAX_SEQUENCE:
            raise ValueError(f"an order sequence is 1-{MAX_SEQUENCE}, not {sequence}")
        payload = f"{sequence:06d}"
        return cls(payload + _luhn_digit(payload))

    @classmethod
    def parse(cls, raw: str) -> OrderNumber:
        """What a person typed, spaces and hyphens ignored."""
        return cls(raw.strip().replace(" ", "").replace("-", ""))

    def __str__(self) -> str:
        return self.value


class OrderStatus(enum.StrEnum):
    PENDING = "pending"
    PAID = "paid"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"
    EXPIRED = "expired"

    @property
    def was_paid(self) -> bool:
        return self in _PAID


_PAID = frozenset({OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED})


class PaymentOutcome(enum.Enum):
    PAID = "paid"
    """The order is paid now."""
    ALREADY_PAID = "already_paid"
    """The payment it was paid with, again: nothing changes, answer as the first time."""
    DUPLICATE = "duplicate"
    """Another payment of a paid order: nothing changes, the application gives it back."""
    AFTER_EXPIRY = "after_expiry"
    """The hold ran out: take the stock again, then :meth:`Order.settle_late_payment`."""
    REFUNDED_AUTOMATICALLY = "refunded_automatically"
    """A late payment found no stock: the order stays expired, the money goes back."""
    ALREADY_REFUNDED = "already_refunded"
    """The late payment that was given back, again: nothing changes."""


@dataclass(frozen=True, slots=True)
class PaymentResult:
    outcome: PaymentOutcome
    event: OrderPaid | LatePaymentRefunded | None = None

    @property
    def changed(self) -> bool:
        return self.event is not None


def check_hold(hold: timedelta) -> timedelta:
    """A configured hold (settings), not a client's input."""
    if not timedelta(0) < hold <= MAX_HOLD:
        raise ValueError(f"a hold lasts more than nothing and at most {MAX_HOLD}")
    return hold


def check_attendees(
    lines: Sequence[PricedLine], attendees: Sequence[NamedAttendee]
) -> tuple[NamedAttendee, ...]:
    """At most as many named attendees of a type as the order has tickets of it."""
    tickets = {line.ticket_type_id: line.quantity for line in lines}
    named: Counter[object] = Counter()
    for index, attendee in enumerate(attendees):
        named[attendee.ticket_type_id] += 1
        if named[attendee.ticket_type_id] > tickets.get(attendee.ticket_type_id, 0):
            with inputs_within(f"attendees[{index}]"):
                raise TooManyAttendees(
                    "more attendees than tickets of this type in the order",
                    field="ticketTypeId",
                )
    return tuple(attendees)


@dataclass(slots=True)
class Order:
    id: OrderId
    organization_id: OrganizationId
    event_id: EventId
    number: OrderNumber
    buyer: Buyer
    lines: tuple[PricedLine, ...]
    totals: Totals
    created_at: datetime
    expires_at: datetime
    updated_at: datetime
    promo_code_id: PromoCodeId | None = None
    attendees: tuple[NamedAttendee, ...] = ()
    status: OrderStatus = OrderStatus.PENDING
    paid_at: datetime | None = None
    payment_provider: str | None = None
    payment_reference: str | None = None
    refunded_amount: int = 0
    refunded_at: datetime | None = None
    cancelled_at: datetime | None = None
    expired_at: datetime | None = None
    late_payment_refunded_at: datetime | None = None
    late_payment_reference: str | None = None
    version: int = 1

    @classmethod
    def place(
        cls,
        *,
        id: OrderId,
        organization_id: OrganizationId,
        event_id: EventId,
        number: OrderNumber,
        quote: Quote,
        buyer: Buyer,
        now: datetime,
        hold: timedelta = DEFAULT_HOLD,
        attendees: Sequence[NamedAttendee] = (),
    ) -> tuple[Order, OrderCreated]:
        """A pending order holding the quote's tickets until ``now + hold``."""
        order = cls(
            id=id,
            organization_id=organization_id,
            event_id=event_id,
            number=number,
            buyer=buyer,
            lines=quote.lines,
            totals=quote.totals,
            created_at=now,
            expires_at=now + check_hold(hold),
            updated_at=now,
            promo_code_id=quote.promo_code_id,
            attendees=check_attendees(quote.lines, attendees),
        )
        return order, OrderCreated(
            organization_id,
            id,
            event_id,
            now,
            number=number.value,
            total=order.total,
            ticket_count=order.ticket_count,
            expires_at=order.expires_at,
            promo_code_id=quote.promo_code_id,
        )

    # --- reading -------------------------------------------------------------------------------

    @property
    def currency(self) -> str:
        return self.totals.currency

    @property
    def total(self) -> Money:
        return self.totals.total

    @property
    def ticket_count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def paid(self) -> Money:
        """What the buyer paid (before refunds)."""
        return self.total if self.status.was_paid else Money.zero(self.currency)

    @property
    def refunded(self) -> Money:
        return Money(self.refunded_amount, self.currency)

    @property
    def refundable(self) -> Money:
        return self.paid - self.refunded

    def hold_is_over(self, at: datetime) -> bool:
        return at >= self.expires_at

    def ticket_holders(self) -> tuple[NamedAttendee, ...]:
        """Whom each ticket is for, one per ticket in line order: the attendees named for its
        type first, then the buyer."""
        holders: list[NamedAttendee] = []
        for line in self.lines:
            named = [a for a in self.attendees if a.ticket_type_id == line.ticket_type_id]
            buyer = NamedAttendee(line.ticket_type_id, self.buyer.full_name, self.buyer.email)
            holders += named + [buyer] * (line.quantity - len(named))
        return tuple(holders)

    # --- payment -------------------------------------------------------------------------------

    def check_payable(self, at: datetime) -> bool:
        """Before taking money: ``True`` when a payment is due, ``False`` when the order is
        paid already (answer as before, charge nothing)."""
        if self.status.was_paid:
            return False
        if self.status is OrderStatus.CANCELLED:
            raise OrderNotPayable("this order was cancelled")
        if self.status is OrderStatus.EXPIRED or self.hold_is_over(at):
            raise OrderIsExpired("this order has expired: its tickets went back on sale")
        return True

    def pay(
        self,
        *,
        at: datetime,
        amount: Money,
        reference: str | None = None,
        provider: str | None = None,
    ) -> PaymentResult:
        """Record a payment received (``reference``: the gateway's id for it; ``provider``:
        which gateway took it, so a refund goes back the same way)."""
        repeated = self._repeated_payment(reference)
        if repeated is not None:
            return repeated
        if self.status is OrderStatus.CANCELLED:
            raise OrderNotPayable("this order was cancelled")
        self._check_amount(amount)
        if self.status is OrderStatus.EXPIRED or self.hold_is_over(at):
            return PaymentResult(PaymentOutcome.AFTER_EXPIRY)
        return self._mark_paid(at, reference, provider, late=False)

    def settle_late_payment(
        self,
        *,
        at: datetime,
        amount: Money,
        reference: str | None = None,
        provider: str | None = None,
        stock_taken: bool,
    ) -> PaymentResult:
        """Finish a payment :meth:`pay` found ``AFTER_EXPIRY``: ``stock_taken`` says whether
        storage could take the tickets again. Yes: the order is paid. No: it is (or stays)
        expired and the money goes back."""
        if self.status is OrderStatus.PENDING and not self.hold_is_over(at):
            return self.pay(at=at, amount=amount, reference=reference, provider=provider)
        repeated = self._repeated_payment(reference)
        if repeated is not None:
            return repeated
        if self.status is OrderStatus.CANCELLED:
            raise OrderNotPayable("this order was cancelled")
        self._check_amount(amount)
        if stock_taken:
            return self._mark_paid(at, reference, provider, late=True)
        if self.status is OrderStatus.PENDING:
            self.status = OrderStatus.EXPIRED
            self.expired_at = at
        self.late_payment_refunded_at = at
        self.late_payment_reference = reference
        self._touch(at)
        return PaymentResult(
            PaymentOutcome.REFUNDED_AUTOMATICALLY,
            LatePaymentRefunded(
                self.organization_id, self.id, self.event_id, at, amount, reference
            ),
        )

    def _repeated_payment(self, reference: str | None) -> PaymentResult | None:
        """A payment seen before (``None`` references match each other: a box office has none),
        or another one for an order that needs no more."""
        if self.late_payment_refunded_at is not None and reference == self.late_payment_reference:
            return PaymentResult(PaymentOutcome.ALREADY_REFUNDED)
        if self.status.was_paid:
            same = self.payment_reference is None or reference in (None, self.payment_reference)
            return PaymentResult(PaymentOutcome.ALREADY_PAID if same else PaymentOutcome.DUPLICATE)
        return None

    def _check_amount(self, amount: Money) -> None:
        if amount != self.total:
            raise PaymentAmountMismatch(
                f"this order is paid with exactly {self.total}, not {amount}", field="amount"
            )

    def _mark_paid(
        self, at: datetime, reference: str | None, provider: str | None, *, late: bool
    ) -> PaymentResult:
        self.status = OrderStatus.PAID
        self.paid_at = at
        self.payment_provider = provider
        self.payment_reference = reference
        self._touch(at)
        return PaymentResult(
            PaymentOutcome.PAID,
            OrderPaid(
                self.organization_id,
                self.id,
                self.event_id,
                at,
                total=self.total,
                ticket_count=self.ticket_count,
                late=late,
            ),
        )

    # --- the other ends ------------------------------------------------------------------------

    def expire(self, *, now: datetime) -> OrderExpired | None:
        """Let the hold go; ``None`` when the order is no longer pending."""
        if self.status is not OrderStatus.PENDING:
            return None
        if not self.hold_is_over(now):
            raise OrderNotYetExpired(f"this order is held until {self.expires_at.isoformat()}")
        self.status = OrderStatus.EXPIRED
        self.expired_at = now
        self._touch(now)
        return OrderExpired(self.organization_id, self.id, self.event_id, now)

    def cancel(self, *, at: datetime) -> OrderCancelled | None:
        """Call a pending order off (staff or the buyer); ``None`` when it already is."""
        if self.status is OrderStatus.CANCELLED:
            return None
        if self.status is OrderStatus.EXPIRED:
            raise OrderNotCancellable("this order has expired already")
        if self.status.was_paid:
            raise OrderNotCancellable("a paid order is refunded, not cancelled")
        self.status = OrderStatus.CANCELLED
        self.cancelled_at = at
        self._touch(at)
        return OrderCancelled(self.organization_id, self.id, self.event_id, at)

    def refund(self, *, at: datetime, amount: Money | None = None) -> OrderRefunded | None:
        """Give back ``amount``, or all that is left when absent; ``None`` for a full refund of
        an order refunded already."""
        if self.status is OrderStatus.REFUNDED and amount is None:
            return None
        if not self.status.was_paid:
            raise OrderNotRefundable(f"a {self.status.value} order has nothing paid to refund")
        left = self.refundable
        if amount is None:
            amount = left
        else:
            if amount.currency != self.currency:
                raise CurrencyMismatch(f"this order was paid in {self.currency}", field="amount")
            if amount.amount <= 0:
                raise RuleViolated("a refund is a positive amount", field="amount")
            if amount > left:
                raise RefundExceedsPaid(f"at most {left} is left to refund", field="amount")
        self.refunded_amount += amount.amount
        full = self.refunded == self.paid
        self.status = OrderStatus.REFUNDED if full else OrderStatus.PARTIALLY_REFUNDED
        self.refunded_at = at
        self._touch(at)
        return OrderRefunded(
            self.organization_id,
            self.id,
            self.event_id,
            at,
            amount=amount,
            refunded=self.refunded,
            full=full,
        )

    def _touch(self, now: datetime) -> None:
        self.version += 1
        self.updated_at = now
