"""Ports of the orders area: the orders themselves, and the inventory that never oversells.

Both are reached through ``uow.for_tenant(...)``. The inventory changes ``held``/``sold`` of
ticket types and of their event and the ``uses`` of a promo code only with conditional updates
(one statement per row, no read-modify-write, no table lock); a refused one raises the domain's
error and the caller leaves the transaction without committing. Rows are always taken in the same
order — ticket types by id, then the event, then the promo code — so buyers of several types
cannot deadlock one another. A sale records no cache tag: at an on-sale every checkout would
drop the storefront's cached event in every process (and notify them all); the storefront
serves availability at most a second old instead (application/events/storefront_cache.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from ticketbase.application.pagination import Page, PageRequest
from ticketbase.domain.orders.order import Order, OrderStatus
from ticketbase.domain.shared.ids import (
    EventId,
    OrderId,
    OrganizationId,
    PromoCodeId,
    TicketTypeId,
)

# One line of a hold: a ticket type and how many of it.
HoldLine = tuple[TicketTypeId, int]


@dataclass(frozen=True, slots=True)
class OrderFilter:
    """Staff list filters, all optional and combined: the event, the status, the buyer's email
    (normalised like ``EmailAddress``: stored orders hold it lower-cased, so the match is exact)
    and ``created_from <= created_at < created_before``."""

    event_id: EventId | None = None
    status: OrderStatus | None = None
    buyer_email: str | None = None
    created_from: datetime | None = None
    created_before: datetime | None = None


class OrderRepository(Protocol):
    async def add(self, order: Order, access_token_hash: bytes) -> None:
        """Insert the order with its lines; ``access_token_hash`` is what the buyer's token
        is checked against (the token itself is never stored)."""
        ...

    async def get(self, order_id: OrderId) -> Order | None: ...

    async def access_token_hash(self, order_id: OrderId) -> bytes | None: ...

    async def save(self, order: Order) -> None:
        """Store a changed order whose ``version`` was bumped by one (status, payment, refund
        and their instants; lines and totals never change); ``StaleVersion`` when the stored
        one is not at ``version - 1``."""
        ...

    async def next_number(self, count: int = 1) -> int:
        """Reserve the organization's next ``count`` order sequences (1, 2, …, for
        ``OrderNumber.from_sequence``) and return the last of them. The counter row stays
        locked until the transaction ends: reserve in a transaction of its own and commit at
        once (``OrderNumbers``), never inside a checkout, or every checkout of the organization
        waits for the one before it to commit."""
        ...

    async def lock(self, order_id: OrderId) -> Order | None:
        """``get``, keeping the order's row locked until the transaction ends: whoever changes
        the order next (a payment, the hold expiry) waits, then reads what this one saved."""
        ...

    async def lapsed(
        self,
        event_id: EventId,
        now: datetime,
        limit: int,
        *,
        ticket_type_id: TicketTypeId | None = None,
        promo_code_id: PromoCodeId | None = None,
    ) -> list[Order]:
        """Up to ``limit`` pending orders of the event whose hold is over (``expires_at <=
        now``), oldest first, locked like ``lock``; those another transaction holds are skipped,
        never waited for. Narrowed to orders with a line of ``ticket_type_id`` and/or using
        ``promo_code_id`` when given."""
        ...

    async def matching(self, where: OrderFilter, page: PageRequest) -> Page[Order]:
        """The tenant's orders that pass ``where``, newest first (by id), whole with their
        lines; reading a page costs a fixed number of statements, whatever its size."""
        ...


class Inventory(Protocol):
    async def hold(
        self,
        event_id: EventId,
        lines: Sequence[HoldLine],
        promo_code_id: PromoCodeId | None = None,
    ) -> None:
        """Hold ``lines`` (each ticket type of the event at most once) and spend one use of
        the promo code. Refusals: ``SoldOut`` naming the first short ticket type (field
        ``items[i].ticketTypeId``, ``i`` its index in ``lines``); ``EventSoldOut`` when the
        event's capacity is the limit; ``PromoCodeUsedUp`` on ``promoCode``. A ticket type or
        code that is not the event's: ``UnknownTicketType`` / ``UnknownPromoCode``; an unknown
        event: ``EventNotFound``. After a refusal the transaction must not be committed."""
        ...

    async def lock(
        self,
        event_id: EventId,
        ticket_type_ids: Iterable[TicketTypeId],
        promo_code_ids: Iterable[PromoCodeId] = (),
    ) -> None:
        """Lock these rows of the event's inventory (ticket types, the event, promo codes) in the
        one global order, until the transaction ends. Take it before changing rows in another
        order than ``hold`` does: freeing lapsed holds and then holding touches ticket types in
        two passes, and a transaction that waits for a row below one it already holds can
        deadlock with a buyer who holds that row and waits for the higher one."""
        ...

    async def release(
        self,
        event_id: EventId,
        lines: Sequence[HoldLine],
        promo_code_id: PromoCodeId | None = None,
    ) -> None:
        """Give back what ``hold`` took (an order expired or cancelled): held - n per type and
        for the event, one use less of the code."""
        ...

    async def confirm(self, event_id: EventId, lines: Sequence[HoldLine]) -> None:
        """A paid order: its held tickets become sold (held - n, sold + n); the code's use
        stays counted."""
        ...

    async def unsell(
        self,
        event_id: EventId,
        lines: Sequence[HoldLine],
        promo_code_id: PromoCodeId | None = None,
    ) -> None:
        """A paid order refunded in full: its tickets go back on sale (sold - n per type and
        for the event) and the code's use is given back (``uses`` counts pending and paid
        orders, API.md). Fewer sold than the order's is a bug elsewhere (a refund counted
        twice): ``RuntimeError``, nothing goes below zero."""
        ...


@dataclass(frozen=True, slots=True)
class DueHold:
    """A pending order whose hold is over, as the cross-tenant look finds it: whose it is, and
    which; everything else is read again in the order's tenant transaction."""

    organization_id: OrganizationId
    order_id: OrderId


class ExpiringHolds(Protocol):
    """The worker's look over every tenant's pending orders (through ``uow.system()``)."""

    async def due(self, now: datetime, limit: int) -> list[DueHold]:
        """Up to ``limit`` (at most 500) pending orders with ``expires_at <= now``, oldest
        first, skipping those another transaction has locked. The skip only spreads concurrent
        sweepers: the same order can still be returned to two of them, so the expiry itself
        re-reads it locked and acts only while it is pending."""
        ...


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    """What an ``Idempotency-Key`` was first used for: the request's fingerprint and the answer
    recorded for it (``None`` until the transaction that claimed the key records one)."""

    request_hash: bytes
    status_code: int | None
    body: Mapping[str, str] | None


class IdempotencyKeys(Protocol):
    async def claim(
        self, key: str, request_hash: bytes, *, now: datetime, keep: timedelta
    ) -> StoredAnswer | None:
        """``None``: the key is new (or its earlier use has expired) and now belongs to this
        transaction until ``now + keep``; a concurrent claim of the same key waits for this
        transaction to end, then sees what it recorded (or, if it rolled back, claims it).
        Otherwise the answer stored under the key."""
        ...

    async def record(self, key: str, status_code: int, body: Mapping[str, str]) -> None:
        """The answer to give every replay of the key this transaction claimed."""
        ...
