"""In-memory attendees with the PostgreSQL adapter's rules: tenant scoping, one code per
ticket, optimistic versions, copies in and out as rows would be."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ticketbase.application.pagination import Page, PageRequest
from ticketbase.application.ports.attendees import AttendeeFilter, CheckInCount
from ticketbase.domain.orders.attendee import Attendee, TicketCode
from ticketbase.domain.orders.order import OrderStatus
from ticketbase.domain.shared.errors import StaleVersion
from ticketbase.domain.shared.ids import (
    AttendeeId,
    EventId,
    OrderId,
    OrganizationId,
    TicketTypeId,
)

if TYPE_CHECKING:
    from ticketbase.adapters.memory.unit_of_work import MemoryState

_ADMITTING = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED)


class MemoryAttendeeRepository:
    def __init__(self, state: MemoryState, organization_id: OrganizationId) -> None:
        self._s, self._org = state, organization_id

    def _mine(self) -> dict[AttendeeId, Attendee]:
        # Insertion order is issue order: ``of_order`` relies on it.
        return self._s.attendees.setdefault(self._org, {})

    async def add_all(self, tickets: Sequence[Attendee]) -> None:
        mine = self._mine()
        codes = {a.ticket_code for a in mine.values()}
        for attendee in tickets:
            assert attendee.id not in mine, "duplicate primary key"
            assert attendee.ticket_code not in codes, "uq_attendees_ticket_code"
            assert attendee.order_id in self._s.orders.get(self._org, {}), "fk_attendees_order"
            codes.add(attendee.ticket_code)
            mine[attendee.id] = copy.deepcopy(attendee)

    async def get(self, attendee_id: AttendeeId) -> Attendee | None:
        found = self._mine().get(attendee_id)
        return None if found is None else copy.deepcopy(found)

    async def by_code(self, code: TicketCode) -> Attendee | None:
        for attendee in self._mine().values():
            if attendee.ticket_code == code:
                return copy.deepcopy(attendee)
        return None

    async def of_order(self, order_id: OrderId) -> list[Attendee]:
        return [copy.deepcopy(a) for a in self._mine().values() if a.order_id == order_id]

    async def of_event(
        self, event_id: EventId, where: AttendeeFilter, page: PageRequest
    ) -> Page[Attendee]:
        q = where.q.casefold() if where.q else None
        rows = sorted(
            (
                a
                for a in self._mine().values()
                if a.event_id == event_id
                and (where.ticket_type_id is None or a.ticket_type_id == where.ticket_type_id)
                and (where.checked_in is None or a.is_checked_in == where.checked_in)
                and (q is None or q in a.full_name.casefold() or q in a.email.value.casefold())
                and (page.after is None or a.id < page.after)
            ),
            key=lambda a: a.id,
            reverse=True,
        )[: page.fetch]
        return Page.from_rows([copy.deepcopy(a) for a in rows], page, lambda a: a.id)

    async def save(self, attendee: Attendee) -> None:
        stored = self._mine().get(attendee.id)
        if stored is None or stored.version != attendee.version - 1:
            raise StaleVersion("the attendee was changed meanwhile; reload and retry")
        self._mine()[attendee.id] = copy.deepcopy(attendee)

    async def check_in_counts(self, event_id: EventId) -> list[CheckInCount]:
        orders = self._s.orders.get(self._org, {})
        counts: dict[TicketTypeId, list[int]] = {}
        for a in self._mine().values():
            order = orders.get(a.order_id)
            if a.event_id != event_id or order is None or order[0].status not in _ADMITTING:
                continue
            count = counts.setdefault(a.ticket_type_id, [0, 0])
            count[0] += 1
            count[1] += a.is_checked_in
        return [
            CheckInCount(ticket_type_id, issued, checked_in)
            for ticket_type_id, (issued, checked_in) in sorted(counts.items())
        ]
