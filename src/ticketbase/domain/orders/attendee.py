"""Attendees: one per ticket of a paid order, each with a ticket code, checked in at the door.

- Tickets are issued when the order is paid (:meth:`Attendee.issue_all`), one per ticket, for
  the holders :meth:`~.order.Order.ticket_holders` names, with unique codes.
- A :class:`TicketCode` is the opaque, URL-safe text a QR code carries. Signing and verifying
  it is an adapter's job (behind a port of the application); the domain only keeps its shape.
- Check-in: a ticket of another event is unknown (``AttendeeNotFound``); a ticket of an order
  that is not paid (cancelled, expired, refunded in full) admits nobody (``TicketVoid``); a
  partial refund leaves the tickets valid. Checking in twice changes nothing and says so
  (``already_checked_in``); undoing a check-in that is not there changes nothing."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ticketbase.domain.orders.buyer import NamedAttendee, check_full_name
from ticketbase.domain.orders.errors import AttendeeNotFound, TicketVoid
from ticketbase.domain.orders.order import Order, OrderStatus
from ticketbase.domain.shared.errors import RuleViolated
from ticketbase.domain.shared.ids import AttendeeId, EventId, OrderId, TicketTypeId
from ticketbase.domain.shared.values import EmailAddress

_TICKET_CODE = re.compile(r"[A-Za-z0-9._~-]{16,512}")
_ADMITTING = frozenset({OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED})


@dataclass(frozen=True, slots=True)
class TicketCode:
    """16-512 URL-safe characters (base64url, dots: a signed token fits)."""

    value: str

    def __post_init__(self) -> None:
        if not isinstance(self.value, str) or not _TICKET_CODE.fullmatch(self.value):
            raise RuleViolated("not a ticket code", field="ticketCode")

    @classmethod
    def parse(cls, raw: str) -> TicketCode:
        return cls(raw.strip())

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class CheckIn:
    attendee_id: AttendeeId
    checked_in_at: datetime
    already_checked_in: bool


@dataclass(slots=True)
class Attendee:
    id: AttendeeId
    order_id: OrderId
    event_id: EventId
    ticket_type_id: TicketTypeId
    full_name: str
    email: EmailAddress
    ticket_code: TicketCode
    issued_at: datetime
    updated_at: datetime
    checked_in_at: datetime | None = None
    version: int = 1

    @classmethod
    def issue_all(
        cls,
        order: Order,
        *,
        ids: Sequence[AttendeeId],
        codes: Sequence[TicketCode],
        now: datetime,
    ) -> list[Attendee]:
        """The tickets of a paid order: ``ids`` and their signed ``codes``, one per holder of
        :meth:`~.order.Order.ticket_holders`, in that order."""
        if order.status is not OrderStatus.PAID:
            raise TicketVoid("tickets are issued when the order is paid")
        holders = order.ticket_holders()
        if not len(ids) == len(codes) == len(holders):
            raise ValueError(f"{len(holders)} tickets need as many ids and codes")
        if len(set(ids)) != len(ids) or len(set(codes)) != len(codes):
            raise ValueError("every ticket has its own id and code")
        return [
            cls._issue(order, holder, id=id, code=code, now=now)
            for holder, id, code in zip(holders, ids, codes, strict=True)
        ]

    @classmethod
    def _issue(
        cls, order: Order, holder: NamedAttendee, *, id: AttendeeId, code: TicketCode, now: datetime
    ) -> Attendee:
        return cls(
            id=id,
            order_id=order.id,
            event_id=order.event_id,
            ticket_type_id=holder.ticket_type_id,
            full_name=holder.full_name,
            email=holder.email,
            ticket_code=code,
            issued_at=now,
            updated_at=now,
        )

    @property
    def is_checked_in(self) -> bool:
        return self.checked_in_at is not None

    def check_in(self, *, at: datetime, event_id: EventId, order_status: OrderStatus) -> CheckIn:
        """Admit the holder at ``event_id``'s door; ``order_status``: the ticket's order's."""
        if event_id != self.event_id:
            raise AttendeeNotFound("no such ticket for this event", field="ticketCode")
        if order_status not in _ADMITTING:
            raise TicketVoid(f"this ticket's order is {order_status.value}: it admits nobody")
        if self.checked_in_at is not None:
            return CheckIn(self.id, self.checked_in_at, already_checked_in=True)
        self.checked_in_at = at
        self._touch(at)
        return CheckIn(self.id, at, already_checked_in=False)

    def undo_check_in(self, *, now: datetime) -> bool:
        """``False`` when it was not checked in."""
        if self.checked_in_at is None:
            return False
        self.checked_in_at = None
        self._touch(now)
        return True

    def rename(self, *, full_name: str, email: str, now: datetime) -> bool:
        """Give the ticket to someone else (``PUT /api/attendees/{id}``); ``False`` when it is
        the same holder. The code stays: it names the ticket, not the person."""
        new_name, new_email = check_full_name(full_name), EmailAddress.parse(email)
        if (new_name, new_email) == (self.full_name, self.email):
            return False
        self.full_name, self.email = new_name, new_email
        self._touch(now)
        return True

    def _touch(self, now: datetime) -> None:
        self.version += 1
        self.updated_at = now
