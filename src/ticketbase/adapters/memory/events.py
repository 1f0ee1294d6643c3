"""In-memory events, ticket types and promo codes with the PostgreSQL adapters' rules: tenant
scoping, slug and code uniqueness (``Conflict`` on ``slug``/``code``), optimistic versions,
revisions that never write inventory, the CHECKs on inventory, and the conditional delete.

Entities go in and come out as copies, as rows would: changing a loaded one changes nothing
until it is saved. Dicts keep insertion order, which is the order ``of_event`` promises."""

from __future__ import annotations

import copy
import dataclasses
from datetime import datetime
from typing import TYPE_CHECKING

from ticketbase.application.pagination import Page, PageRequest
from ticketbase.application.ports.events import EventFilter, UpcomingKey
from ticketbase.domain.events.errors import (
    MaxUsesBelowUses,
    QuantityBelowSold,
    TicketTypeHasSales,
)
from ticketbase.domain.events.event import Event, EventStatus
from ticketbase.domain.events.promo_code import PromoCode
from ticketbase.domain.events.ticket_type import TicketType
from ticketbase.domain.shared.errors import Conflict, StaleVersion
from ticketbase.domain.shared.ids import EventId, OrganizationId, PromoCodeId, TicketTypeId
from ticketbase.domain.shared.values import Slug

if TYPE_CHECKING:
    from ticketbase.adapters.memory.unit_of_work import MemoryState


class MemoryEventRepository:
    def __init__(self, state: MemoryState, organization_id: OrganizationId) -> None:
        self._s, self._org = state, organization_id

    def _mine(self) -> dict[EventId, Event]:
        return self._s.events.setdefault(self._org, {})

    async def get(self, event_id: EventId) -> Event | None:
        found = self._mine().get(event_id)
        return None if found is None else copy.deepcopy(found)

    async def by_slug(self, slug: Slug) -> Event | None:
        found = next((e for e in self._mine().values() if e.slug == slug), None)
        return None if found is None else copy.deepcopy(found)

    async def add(self, event: Event) -> None:
        assert event.organization_id == self._org, "rejected by row level security"
        assert event.id not in self._mine(), "duplicate primary key"
        self._check_slug(event)
        self._mine()[event.id] = copy.deepcopy(event)

    async def save(self, event: Event) -> None:
        stored = self._mine().get(event.id)
        if stored is None or stored.version != event.version - 1:
            raise StaleVersion("the event was changed meanwhile; reload and retry")
        self._check_slug(event)
        self._mine()[event.id] = copy.deepcopy(event)

    async def matching(self, where: EventFilter, page: PageRequest) -> Page[Event]:
        needle = where.q.lower() if where.q else None
        found = [
            copy.deepcopy(e)
            for e in sorted(self._mine().values(), key=lambda e: e.id, reverse=True)
            if (where.status is None or e.status is where.status)
            and (where.starts_from is None or e.starts_at >= where.starts_from)
            and (where.starts_before is None or e.starts_at < where.starts_before)
            and (needle is None or needle in e.name.lower())
            and (page.after is None or e.id < page.after)
        ]
        return Page.from_rows(found[: page.fetch], page, key=lambda e: e.id)

    async def upcoming_published(
        self, now: datetime, limit: int, after: UpcomingKey | None = None
    ) -> list[Event]:
        found = sorted(
            (
                e
                for e in self._mine().values()
                if e.status is EventStatus.PUBLISHED
                and e.ends_at > now
                and (after is None or (e.starts_at, e.id) > after)
            ),
            key=lambda e: (e.starts_at, e.id),
        )
        return [copy.deepcopy(e) for e in found[:limit]]

    def _check_slug(self, event: Event) -> None:
        if any(e.slug == event.slug and e.id != event.id for e in self._mine().values()):
            raise Conflict("another event of this organization has this slug", field="slug")


class MemoryTicketTypeRepository:
    def __init__(self, state: MemoryState, organization_id: OrganizationId) -> None:
        self._s, self._org = state, organization_id

    def _mine(self) -> dict[TicketTypeId, TicketType]:
        return self._s.ticket_types.setdefault(self._org, {})

    async def of_event(self, event_id: EventId) -> list[TicketType]:
        return [dataclasses.replace(t) for t in self._mine().values() if t.event_id == event_id]

    async def get(self, ticket_type_id: TicketTypeId) -> TicketType | None:
        found = self._mine().get(ticket_type_id)
        return None if found is None else dataclasses.replace(found)

    async def add(self, ticket_type: TicketType) -> None:
        assert ticket_type.event_id in self._s.events.get(self._org, {}), "no such event (FK)"
        assert ticket_type.id not in self._mine(), "duplicate primary key"
        self._mine()[ticket_type.id] = dataclasses.replace(ticket_type)

    async def save(self, ticket_type: TicketType) -> None:
        stored = self._mine().get(ticket_type.id)
        if stored is None or stored.version != ticket_type.version - 1:
            raise StaleVersion("the ticket type was changed meanwhile; reload and retry")
        if ticket_type.quantity < stored.taken:  # ck_ticket_types_inventory
            raise QuantityBelowSold(
                "tickets were sold meanwhile: the quantity cannot go below those sold or held",
                field="quantity",
            )
        self._mine()[ticket_type.id] = dataclasses.replace(
            ticket_type, sold=stored.sold, held=stored.held
        )

    async def delete(self, ticket_type_id: TicketTypeId) -> None:
        stored = self._mine().get(ticket_type_id)
        if stored is None:
            return
        if stored.taken:
            raise TicketTypeHasSales(
                "tickets of this type are sold or held: hide it instead of deleting it"
            )
        orders = self._s.orders.get(self._org, {}).values()
        if any(line.ticket_type_id == ticket_type_id for o, _ in orders for line in o.lines):
            raise TicketTypeHasSales(  # fk_order_items_ticket_type
                "orders name this ticket type: hide it instead of deleting it"
            )
        del self._mine()[ticket_type_id]


class MemoryPromoCodeRepository:
    def __init__(self, state: MemoryState, organization_id: OrganizationId) -> None:
        self._s, self._org = state, organization_id

    def _mine(self) -> dict[PromoCodeId, PromoCode]:
        return self._s.promo_codes.setdefault(self._org, {})

    async def of_event(self, event_id: EventId) -> list[PromoCode]:
        return [dataclasses.replace(p) for p in self._mine().values() if p.event_id == event_id]

    async def get(self, promo_code_id: PromoCodeId) -> PromoCode | None:
        found = self._mine().get(promo_code_id)
        return None if found is None else dataclasses.replace(found)

    async def add(self, promo_code: PromoCode) -> None:
        assert promo_code.event_id in self._s.events.get(self._org, {}), "no such event (FK)"
        assert promo_code.id not in self._mine(), "duplicate primary key"
        self._check_code(promo_code)
        self._mine()[promo_code.id] = dataclasses.replace(promo_code)

    async def save(self, promo_code: PromoCode) -> None:
        stored = self._mine().get(promo_code.id)
        if stored is None or stored.version != promo_code.version - 1:
            raise StaleVersion("the promo code was changed meanwhile; reload and retry")
        self._check_code(promo_code)
        if promo_code.max_uses is not None and promo_code.max_uses < stored.uses:
            raise MaxUsesBelowUses(  # ck_promo_codes_uses
                "the code was used meanwhile: the maximum cannot go below its uses",
                field="maxUses",
            )
        self._mine()[promo_code.id] = dataclasses.replace(promo_code, uses=stored.uses)

    async def delete(self, promo_code_id: PromoCodeId) -> None:
        self._mine().pop(promo_code_id, None)
        # fk_orders_promo_code: ON DELETE SET NULL (promo_code_id).
        for order, _ in self._s.orders.get(self._org, {}).values():
            if order.promo_code_id == promo_code_id:
                order.promo_code_id = None

    def _check_code(self, promo_code: PromoCode) -> None:
        if any(
            p.event_id == promo_code.event_id
            and p.code == promo_code.code
            and p.id != promo_code.id
            for p in self._mine().values()
        ):
            raise Conflict("this event already has this code", field="code")
