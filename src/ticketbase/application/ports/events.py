"""Repositories of the events area: events, their ticket types and promo codes.

Each is reached through ``uow.for_tenant(...)`` (row level security scopes every statement to the
tenant). Writes record the cache tags they touch (``event_tag``, ``events_tag``) like every
repository, so cached reads of an event — the storefront's above all — are dropped in every
process at commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ticketbase.application.pagination import Page, PageRequest
from ticketbase.domain.events.event import Event, EventStatus
from ticketbase.domain.events.promo_code import PromoCode
from ticketbase.domain.events.ticket_type import TicketType
from ticketbase.domain.shared.ids import EventId, PromoCodeId, TicketTypeId
from ticketbase.domain.shared.values import Slug


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Staff list filters: ``starts_from <= starts_at < starts_before``; ``q`` matches the name
    (case-insensitive substring)."""

    status: EventStatus | None = None
    starts_from: datetime | None = None
    starts_before: datetime | None = None
    q: str | None = None


# The storefront lists upcoming events soonest first: its keyset is (starts_at, id).
UpcomingKey = tuple[datetime, EventId]


class EventRepository(Protocol):
    async def get(self, event_id: EventId) -> Event | None: ...

    async def by_slug(self, slug: Slug) -> Event | None: ...

    async def add(self, event: Event) -> None:
        """``Conflict`` (field ``slug``) when the slug is taken in this organization."""
        ...

    async def save(self, event: Event) -> None:
        """Store a changed event whose ``version`` was bumped by one; ``StaleVersion`` when the
        stored one is not at ``version - 1`` (someone else saved meanwhile). ``Conflict``
        (field ``slug``) when a new slug is taken."""
        ...

    async def matching(self, where: EventFilter, page: PageRequest) -> Page[Event]:
        """Newest first (by id)."""
        ...

    async def upcoming_published(
        self, now: datetime, limit: int, after: UpcomingKey | None = None
    ) -> list[Event]:
        """Published events not yet over (``ends_at > now``), soonest first, up to ``limit``
        after the ``(starts_at, id)`` key."""
        ...


class TicketTypeRepository(Protocol):
    async def of_event(self, event_id: EventId) -> list[TicketType]:
        """In the order they were added."""
        ...

    async def get(self, ticket_type_id: TicketTypeId) -> TicketType | None: ...

    async def add(self, ticket_type: TicketType) -> None: ...

    async def save(self, ticket_type: TicketType) -> None:
        """Store a revised spec (``version`` bumped by one; ``StaleVersion`` otherwise). Never
        writes ``sold``/``held``: only the conditional updates of the orders area change them."""
        ...

    async def delete(self, ticket_type_id: TicketTypeId) -> None:
        """Only when nothing is sold or held: ``TicketTypeHasSales`` otherwise (checked again
        by the statement, so a sale that lands meanwhile is not lost)."""
        ...


class PromoCodeRepository(Protocol):
    async def of_event(self, event_id: EventId) -> list[PromoCode]:
        """In the order they were added."""
        ...

    async def get(self, promo_code_id: PromoCodeId) -> PromoCode | None: ...

    async def add(self, promo_code: PromoCode) -> None:
        """``Conflict`` (field ``code``) when the event already has this code."""
        ...

    async def save(self, promo_code: PromoCode) -> None:
        """Store a revised spec (``version`` bumped by one; ``StaleVersion`` otherwise); never
        writes ``uses``. ``Conflict`` (field ``code``) when the new code is taken."""
        ...

    async def delete(self, promo_code_id: PromoCodeId) -> None: ...
