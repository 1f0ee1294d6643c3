"""In-memory orders and inventory with the PostgreSQL adapters' rules: tenant scoping, optimistic
versions, a per-organization number sequence, and holds refused exactly where the conditional
updates refuse them (an event's sold/held are the sums over its ticket types, which is what the
PostgreSQL columns hold). Orders go in and come out as copies, as rows would."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ticketbase.application.pagination import Page, PageRequest
from ticketbase.application.ports.orders import DueHold, HoldLine, OrderFilter, StoredAnswer
from ticketbase.domain.events.errors import EventNotFound, PromoCodeUsedUp
from ticketbase.domain.events.promo_code import PromoCode
from ticketbase.domain.events.ticket_type import TicketType
from ticketbase.domain.orders.errors import (
    EventSoldOut,
    SoldOut,
    UnknownPromoCode,
    UnknownTicketType,
)
from ticketbase.domain.orders.order import Order, OrderStatus
from ticketbase.domain.shared.errors import StaleVersion
from ticketbase.domain.shared.ids import (
    EventId,
    OrderId,
    OrganizationId,
    PromoCodeId,
    TicketTypeId,
)

if TYPE_CHECKING:
    from ticketbase.adapters.memory.unit_of_work import MemoryState


class MemoryOrderRepository:
    def __init__(self, state: MemoryState, organization_id: OrganizationId) -> None:
        self._s, self._org = state, organization_id

    def _mine(self) -> dict[OrderId, tuple[Order, bytes]]:
        return self._s.orders.setdefault(self._org, {})

    async def add(self, order: Order, access_token_hash: bytes) -> None:
        assert order.organization_id == self._org, "rejected by row level security"
        assert order.id not in self._mine(), "duplicate primary key"
        assert all(o.number != order.number for o, _ in self._mine().values()), "uq_orders_number"
        assert order.event_id in self._s.events.get(self._org, {}), "fk_orders_event"
        self._mine()[order.id] = (copy.deepcopy(order), access_token_hash)

    async def get(self, order_id: OrderId) -> Order | None:
        found = self._mine().get(order_id)
        return None if found is None else copy.deepcopy(found[0])

    async def access_token_hash(self, order_id: OrderId) -> bytes | None:
        found = self._mine().get(order_id)
        return None if found is None else found[1]

    async def save(self, order: Order) -> None:
        stored = self._mine().get(order.id)
        if stored is None or stored[0].version != order.version - 1:
            raise StaleVersion("the order was changed meanwhile; reload and retry")
        # Lines and totals are written once, at ``add``.
        kept = copy.deepcopy(order)
        kept.lines, kept.totals = stored[0].lines, stored[0].totals
        self._mine()[order.id] = (kept, stored[1])

    async def next_number(self, count: int = 1) -> int:
        assert count >= 1, "ck: a reservation takes at least one number"
        number = self._s.order_counters.get(self._org, 0) + count
        self._s.order_counters[self._org] = number
        return number

    async def lock(self, order_id: OrderId) -> Order | None:
        # One memory transaction runs at a time between awaits: nothing else to wait for.
        return await self.get(order_id)

    async def lapsed(
        self,
        event_id: EventId,
        now: datetime,
        limit: int,
        *,
        ticket_type_id: TicketTypeId | None = None,
        promo_code_id: PromoCodeId | None = None,
    ) -> list[Order]:
        found = sorted(
            (
                order
                for order, _ in self._mine().values()
                if order.event_id == event_id
                and order.status is OrderStatus.PENDING
                and order.expires_at <= now
                and (
                    ticket_type_id is None
                    or any(line.ticket_type_id == ticket_type_id for line in order.lines)
                )
                and (promo_code_id is None or order.promo_code_id == promo_code_id)
            ),
            key=lambda order: order.expires_at,
        )
        return [copy.deepcopy(order) for order in found[: max(limit, 1)]]

    async def matching(self, where: OrderFilter, page: PageRequest) -> Page[Order]:
        found = sorted(
            (order for order, _ in self._mine().values() if _passes(order, where, page)),
            key=lambda order: order.id,
            reverse=True,
        )
        rows = [copy.deepcopy(order) for order in found[: page.fetch]]
        return Page.from_rows(rows, page, key=lambda order: order.id)


def _passes(order: Order, where: OrderFilter, page: PageRequest) -> bool:
    return (
        (page.after is None or order.id < page.after)
        and (where.event_id is None or order.event_id == where.event_id)
        and (where.status is None or order.status is where.status)
        and (where.buyer_email is None or order.buyer.email.value == where.buyer_email)
        and (where.created_from is None or order.created_at >= where.created_from)
        and (where.created_before is None or order.created_at < where.created_before)
    )


class MemoryExpiringHolds:
    """Every tenant's pending orders past their hold, as the system transaction sees them."""

    def __init__(self, state: MemoryState) -> None:
        self._s = state

    async def due(self, now: datetime, limit: int) -> list[DueHold]:
        found = sorted(
            (
                order
                for mine in self._s.orders.values()
                for order, _ in mine.values()
                if order.status is OrderStatus.PENDING and order.expires_at <= now
            ),
            key=lambda order: order.expires_at,
        )
        return [DueHold(o.organization_id, o.id) for o in found[: max(1, min(limit, 500))]]


class MemoryInventory:
    def __init__(self, state: MemoryState, organization_id: OrganizationId) -> None:
        self._s, self._org = state, organization_id

    def _types(self) -> dict[TicketTypeId, TicketType]:
        return self._s.ticket_types.setdefault(self._org, {})

    def _type(self, event_id: EventId, ticket_type_id: TicketTypeId) -> TicketType | None:
        found = self._types().get(ticket_type_id)
        return found if found is not None and found.event_id == event_id else None

    def _code(self, event_id: EventId, promo_code_id: PromoCodeId) -> PromoCode | None:
        found = self._s.promo_codes.get(self._org, {}).get(promo_code_id)
        return found if found is not None and found.event_id == event_id else None

    async def hold(
        self,
        event_id: EventId,
        lines: Sequence[HoldLine],
        promo_code_id: PromoCodeId | None = None,
    ) -> None:
        # Nothing is changed before every check passed: PostgreSQL's statements would be rolled
        # back with the refused transaction, and a memory transaction may still be committed.
        for index, (ticket_type_id, quantity) in sorted(enumerate(lines), key=lambda x: x[1][0]):
            ticket_type = self._type(event_id, ticket_type_id)
            if ticket_type is None:
                raise UnknownTicketType(
                    "no such ticket type in this event", field=f"items[{index}].ticketTypeId"
                )
            if ticket_type.sold + ticket_type.held + quantity > ticket_type.quantity:
                raise SoldOut.of(ticket_type_id, ticket_type.name, line=index)
        event = self._s.events.get(self._org, {}).get(event_id)
        if event is None:
            raise EventNotFound("no such event", field="eventId")
        if event.capacity is not None:
            taken = sum(t.sold + t.held for t in self._types().values() if t.event_id == event_id)
            if taken + sum(n for _, n in lines) > event.capacity:
                raise EventSoldOut("not enough tickets left for this event", field="items")
        code = None
        if promo_code_id is not None:
            code = self._code(event_id, promo_code_id)
            if code is None:
                raise UnknownPromoCode("no such code for this event", field="promoCode")
            if not code.can_use():
                raise PromoCodeUsedUp("this code has been used up", field="promoCode")
        for ticket_type_id, quantity in lines:
            self._types()[ticket_type_id].held += quantity
        if code is not None:
            code.uses += 1

    async def release(
        self,
        event_id: EventId,
        lines: Sequence[HoldLine],
        promo_code_id: PromoCodeId | None = None,
    ) -> None:
        self._check_held(event_id, lines, "release")
        for ticket_type_id, quantity in lines:
            self._types()[ticket_type_id].held -= quantity
        code = None if promo_code_id is None else self._code(event_id, promo_code_id)
        if code is not None and code.uses >= 1:
            code.uses -= 1

    async def lock(
        self,
        event_id: EventId,
        ticket_type_ids: Iterable[TicketTypeId],
        promo_code_ids: Iterable[PromoCodeId] = (),
    ) -> None:
        """Nothing to wait for: one memory transaction runs at a time between awaits."""

    async def confirm(self, event_id: EventId, lines: Sequence[HoldLine]) -> None:
        self._check_held(event_id, lines, "confirm")
        for ticket_type_id, quantity in lines:
            ticket_type = self._types()[ticket_type_id]
            ticket_type.held -= quantity
            ticket_type.sold += quantity

    async def unsell(
        self,
        event_id: EventId,
        lines: Sequence[HoldLine],
        promo_code_id: PromoCodeId | None = None,
    ) -> None:
        for ticket_type_id, quantity in lines:
            ticket_type = self._type(event_id, ticket_type_id)
            if ticket_type is None or ticket_type.sold < quantity:
                raise RuntimeError(f"cannot unsell {quantity} of {ticket_type_id}: not sold")
        for ticket_type_id, quantity in lines:
            self._types()[ticket_type_id].sold -= quantity
        code = None if promo_code_id is None else self._code(event_id, promo_code_id)
        if code is not None and code.uses >= 1:
            code.uses -= 1

    def _check_held(self, event_id: EventId, lines: Sequence[HoldLine], what: str) -> None:
        for ticket_type_id, quantity in lines:
            ticket_type = self._type(event_id, ticket_type_id)
            if ticket_type is None or ticket_type.held < quantity:
                raise RuntimeError(f"cannot {what} {quantity} of {ticket_type_id}: not held")


class MemoryIdempotencyKeys:
    """Keys with their answer and expiry; concurrent claims are PostgreSQL's to serialise."""

    def __init__(self, state: MemoryState, organization_id: OrganizationId) -> None:
        self._s, self._org = state, organization_id

    def _mine(self) -> dict[str, tuple[StoredAnswer, datetime]]:
        return self._s.idempotency_keys.setdefault(self._org, {})

    async def claim(
        self, key: str, request_hash: bytes, *, now: datetime, keep: timedelta
    ) -> StoredAnswer | None:
        stored = self._mine().get(key)
        if stored is not None and stored[1] > now:
            return stored[0]
        self._mine()[key] = (StoredAnswer(request_hash, None, None), now + keep)
        return None

    async def record(self, key: str, status_code: int, body: Mapping[str, str]) -> None:
        answer, expires_at = self._mine()[key]
        self._mine()[key] = (replace(answer, status_code=status_code, body=dict(body)), expires_at)
