"""The attendees of paid orders (one per ticket) and their check-ins.

Reached through ``uow.for_tenant(...)``. Attendees are written once, when their order is paid
(``add_all`` in the payment's transaction); afterwards only the holder's name and email and the
check-in change, each with the attendee's ``version`` (optimistic: ``StaleVersion``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ticketbase.application.pagination import Page, PageRequest
from ticketbase.domain.orders.attendee import Attendee, TicketCode
from ticketbase.domain.shared.ids import AttendeeId, EventId, OrderId, TicketTypeId


@dataclass(frozen=True, slots=True)
class AttendeeFilter:
    """Staff list filters: ``q`` matches the name or email (case-insensitive substring);
    ``checked_in`` keeps only those in (``True``) or not yet in (``False``)."""

    ticket_type_id: TicketTypeId | None = None
    checked_in: bool | None = None
    q: str | None = None


@dataclass(frozen=True, slots=True)
class CheckInCount:
    ticket_type_id: TicketTypeId
    issued: int
    """Tickets of orders that admit (paid or partially refunded)."""
    checked_in: int


class AttendeeRepository(Protocol):
    async def add_all(self, attendees: Sequence[Attendee]) -> None:
        """Insert a paid order's tickets; ``Conflict`` if a code is taken."""
        ...

    async def get(self, attendee_id: AttendeeId) -> Attendee | None: ...

    async def by_code(self, code: TicketCode) -> Attendee | None: ...

    async def of_order(self, order_id: OrderId) -> list[Attendee]:
        """In the order the tickets were issued."""
        ...

    async def of_event(
        self, event_id: EventId, where: AttendeeFilter, page: PageRequest
    ) -> Page[Attendee]:
        """Newest first (by id)."""
        ...

    async def save(self, attendee: Attendee) -> None:
        """Store holder and check-in of an attendee whose ``version`` was bumped by one;
        ``StaleVersion`` when the stored one is not at ``version - 1``."""
        ...

    async def check_in_counts(self, event_id: EventId) -> list[CheckInCount]:
        """Per ticket type of the event with admitting tickets."""
        ...
