"""Events, ticket types and promo codes in PostgreSQL.

Tenant rows: row level security scopes every statement, and each one also names the tenant so a
distributed (Citus) table routes on it. Venue, metadata and pricing tiers are JSONB written and
read by the explicit functions at the bottom (instants as UTC RFC 3339 text, microseconds kept).
Inventory (``sold``/``held``, a code's ``uses``) is never written here: only the orders area's
conditional updates change it, and the CHECK constraints catch a spec saved against counts that
moved meanwhile (``constraint_errors`` names the refusal).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, bindparam, delete, func, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ticketbase.adapters.postgres.tables import events, promo_codes, ticket_types
from ticketbase.application.pagination import Page, PageRequest
from ticketbase.application.ports.cache import event_tag, events_tag
from ticketbase.application.ports.events import EventFilter, UpcomingKey
from ticketbase.domain.events.errors import TicketTypeHasSales
from ticketbase.domain.events.event import Event, EventStatus
from ticketbase.domain.events.metadata import JsonObject
from ticketbase.domain.events.pricing import PricingTier
from ticketbase.domain.events.promo_code import AmountOff, PercentOff, PromoCode, PromoCodeSpec
from ticketbase.domain.events.schedule import Schedule
from ticketbase.domain.events.ticket_type import TicketType, TicketTypeSpec
from ticketbase.domain.events.venue import Venue
from ticketbase.domain.shared.errors import StaleVersion
from ticketbase.domain.shared.ids import (
    EventId,
    OrganizationId,
    PromoCodeId,
    TicketTypeId,
)
from ticketbase.domain.shared.values import Money, Slug

# Built once: the storefront reads these on every request (see unit_of_work.py for why).
_EVENT_BY_ID = select(events).where(
    events.c.organization_id == bindparam("organization_id"), events.c.id == bindparam("id")
)
_EVENT_BY_SLUG = select(events).where(
    events.c.organization_id == bindparam("organization_id"),
    events.c.slug == bindparam("slug"),
)
_UPCOMING = (
    select(events)
    .where(
        events.c.organization_id == bindparam("organization_id"),
        events.c.status == EventStatus.PUBLISHED.value,
        events.c.ends_at > bindparam("now"),
    )
    .order_by(events.c.starts_at, events.c.id)
    .limit(bindparam("limit"))
)
# A separate statement rather than an ``OR :after IS NULL``, which would keep a generic plan
# from seeking the (organization_id, starts_at, id) index.
_UPCOMING_AFTER = _UPCOMING.where(
    tuple_(events.c.starts_at, events.c.id)
    > tuple_(bindparam("after_starts_at", type_=events.c.starts_at.type), bindparam("after_id"))
)
_TICKET_TYPES_OF_EVENT = (
    select(ticket_types)
    .where(
        ticket_types.c.organization_id == bindparam("organization_id"),
        ticket_types.c.event_id == bindparam("event_id"),
    )
    .order_by(ticket_types.c.position, ticket_types.c.id)
)
_TICKET_TYPE_BY_ID = select(ticket_types).where(
    ticket_types.c.organization_id == bindparam("organization_id"),
    ticket_types.c.id == bindparam("id"),
)
_PROMO_CODES_OF_EVENT = (
    select(promo_codes)
    .where(
        promo_codes.c.organization_id == bindparam("organization_id"),
        promo_codes.c.event_id == bindparam("event_id"),
    )
    .order_by(promo_codes.c.position, promo_codes.c.id)
)
_PROMO_CODE_BY_ID = select(promo_codes).where(
    promo_codes.c.organization_id == bindparam("organization_id"),
    promo_codes.c.id == bindparam("id"),
)


class PostgresEventRepository:
    def __init__(
        self, connection: AsyncConnection, organization_id: OrganizationId, changes: set[str]
    ) -> None:
        self._c = connection
        self._organization_id = organization_id
        self._changes = changes

    async def get(self, event_id: EventId) -> Event | None:
        return await self._one(_EVENT_BY_ID, id=event_id)

    async def by_slug(self, slug: Slug) -> Event | None:
        return await self._one(_EVENT_BY_SLUG, slug=slug.value)

    async def add(self, event: Event) -> None:
        # A taken slug fails uq_events_slug: a Conflict on ``slug`` (constraint_errors).
        await self._c.execute(insert(events).values(**_event_columns(event)))
        self._record(event)

    async def save(self, event: Event) -> None:
        columns = _event_columns(event)
        for fixed in ("organization_id", "id", "created_at"):
            del columns[fixed]
        result = await self._c.execute(
            update(events)
            .where(events.c.organization_id == self._organization_id)
            .where(events.c.id == event.id)
            .where(events.c.version == event.version - 1)
            .values(**columns)
        )
        if result.rowcount != 1:
            raise StaleVersion("the event was changed meanwhile; reload and retry")
        self._record(event)

    async def matching(self, where: EventFilter, page: PageRequest) -> Page[Event]:
        statement = (
            select(events)
            .where(events.c.organization_id == self._organization_id)
            .order_by(events.c.id.desc())
            .limit(page.fetch)
        )
        if where.status is not None:
            statement = statement.where(events.c.status == where.status.value)
        if where.starts_from is not None:
            statement = statement.where(events.c.starts_at >= where.starts_from)
        if where.starts_before is not None:
            statement = statement.where(events.c.starts_at < where.starts_before)
        if where.q:
            statement = statement.where(events.c.name.ilike(f"%{escape_like(where.q)}%", "\\"))
        if page.after is not None:
            statement = statement.where(events.c.id < page.after)
        rows = (await self._c.execute(statement)).mappings()
        return Page.from_rows([event_from_row(r) for r in rows], page, key=lambda e: e.id)

    async def upcoming_published(
        self, now: datetime, limit: int, after: UpcomingKey | None = None
    ) -> list[Event]:
        arguments: dict[str, Any] = {
            "organization_id": self._organization_id,
            "now": now,
            "limit": limit,
        }
        statement = _UPCOMING
        if after is not None:
            statement = _UPCOMING_AFTER
            arguments |= {"after_starts_at": after[0], "after_id": after[1]}
        rows = (await self._c.execute(statement, arguments)).mappings()
        return [event_from_row(r) for r in rows]

    def _record(self, event: Event) -> None:
        self._changes.update((event_tag(event.id), events_tag(event.organization_id)))

    async def _one(self, statement: Any, **arguments: object) -> Event | None:
        arguments["organization_id"] = self._organization_id
        row = (await self._c.execute(statement, arguments)).mappings().first()
        return None if row is None else event_from_row(row)


class PostgresTicketTypeRepository:
    def __init__(
        self, connection: AsyncConnection, organization_id: OrganizationId, changes: set[str]
    ) -> None:
        self._c = connection
        self._organization_id = organization_id
        self._changes = changes

    @property
    def _mine(self) -> ColumnElement[bool]:
        # Built when used, not per transaction: every tenant transaction makes this repository.
        return ticket_types.c.organization_id == self._organization_id

    async def of_event(self, event_id: EventId) -> list[TicketType]:
        rows = await self._c.execute(
            _TICKET_TYPES_OF_EVENT,
            {"organization_id": self._organization_id, "event_id": event_id},
        )
        return [ticket_type_from_row(r) for r in rows.mappings()]

    async def get(self, ticket_type_id: TicketTypeId) -> TicketType | None:
        row = (
            (
                await self._c.execute(
                    _TICKET_TYPE_BY_ID,
                    {"organization_id": self._organization_id, "id": ticket_type_id},
                )
            )
            .mappings()
            .first()
        )
        return None if row is None else ticket_type_from_row(row)

    async def add(self, ticket_type: TicketType) -> None:
        # Last of its event: ``of_event`` lists in the order added (ties, from concurrent adds,
        # by id).
        position = (
            select(func.coalesce(func.max(ticket_types.c.position), -1) + 1)
            .where(self._mine, ticket_types.c.event_id == ticket_type.event_id)
            .scalar_subquery()
        )
        await self._c.execute(
            insert(ticket_types).values(
                organization_id=self._organization_id,
                id=ticket_type.id,
                event_id=ticket_type.event_id,
                sold=ticket_type.sold,
                held=ticket_type.held,
                position=position,
                created_at=ticket_type.created_at,
                **_ticket_type_revision(ticket_type),
            )
        )
        self._changes.add(event_tag(ticket_type.event_id))

    async def save(self, ticket_type: TicketType) -> None:
        result = await self._c.execute(
            update(ticket_types)
            .where(self._mine, ticket_types.c.id == ticket_type.id)
            .where(ticket_types.c.version == ticket_type.version - 1)
            .values(**_ticket_type_revision(ticket_type))
        )
        if result.rowcount != 1:
            raise StaleVersion("the ticket type was changed meanwhile; reload and retry")
        self._changes.add(event_tag(ticket_type.event_id))

    async def delete(self, ticket_type_id: TicketTypeId) -> None:
        # Conditional in the statement itself: a sale committed after the caller read the
        # ticket type makes PostgreSQL re-check the row, and nothing is deleted.
        removed = await self._c.scalar(
            delete(ticket_types)
            .where(self._mine, ticket_types.c.id == ticket_type_id)
            .where(ticket_types.c.sold == 0, ticket_types.c.held == 0)
            .returning(ticket_types.c.event_id)
        )
        if removed is not None:
            self._changes.add(event_tag(EventId(removed)))
            return
        if await self.get(ticket_type_id) is not None:
            raise TicketTypeHasSales(
                "tickets of this type are sold or held: hide it instead of deleting it"
            )


class PostgresPromoCodeRepository:
    def __init__(
        self, connection: AsyncConnection, organization_id: OrganizationId, changes: set[str]
    ) -> None:
        self._c = connection
        self._organization_id = organization_id
        self._changes = changes

    @property
    def _mine(self) -> ColumnElement[bool]:
        # Built when used, not per transaction: every tenant transaction makes this repository.
        return promo_codes.c.organization_id == self._organization_id

    async def of_event(self, event_id: EventId) -> list[PromoCode]:
        rows = await self._c.execute(
            _PROMO_CODES_OF_EVENT,
            {"organization_id": self._organization_id, "event_id": event_id},
        )
        return [promo_code_from_row(r) for r in rows.mappings()]

    async def get(self, promo_code_id: PromoCodeId) -> PromoCode | None:
        row = (
            (
                await self._c.execute(
                    _PROMO_CODE_BY_ID,
                    {"organization_id": self._organization_id, "id": promo_code_id},
                )
            )
            .mappings()
            .first()
        )
        return None if row is None else promo_code_from_row(row)

    async def add(self, promo_code: PromoCode) -> None:
        position = (
            select(func.coalesce(func.max(promo_codes.c.position), -1) + 1)
            .where(self._mine, promo_codes.c.event_id == promo_code.event_id)
            .scalar_subquery()
        )
        # A code the event already has fails uq_promo_codes_code: a Conflict on ``code``.
        await self._c.execute(
            insert(promo_codes).values(
                organization_id=self._organization_id,
                id=promo_code.id,
                event_id=promo_code.event_id,
                uses=promo_code.uses,
                position=position,
                created_at=promo_code.created_at,
                **_promo_code_revision(promo_code),
            )
        )
        self._changes.add(event_tag(promo_code.event_id))

    async def save(self, promo_code: PromoCode) -> None:
        result = await self._c.execute(
            update(promo_codes)
            .where(self._mine, promo_codes.c.id == promo_code.id)
            .where(promo_codes.c.version == promo_code.version - 1)
            .values(**_promo_code_revision(promo_code))
        )
        if result.rowcount != 1:
            raise StaleVersion("the promo code was changed meanwhile; reload and retry")
        self._changes.add(event_tag(promo_code.event_id))

    async def delete(self, promo_code_id: PromoCodeId) -> None:
        removed = await self._c.scalar(
            delete(promo_codes)
            .where(self._mine, promo_codes.c.id == promo_code_id)
            .returning(promo_codes.c.event_id)
        )
        if removed is not None:
            self._changes.add(event_tag(EventId(removed)))


def escape_like(text: str) -> str:
    """``text`` matched literally inside a LIKE pattern (escape character ``\\``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --- rows <-> entities ----------------------------------------------------------------------------


def _event_columns(event: Event) -> dict[str, Any]:
    """Every column but the inventory (``sold``/``held``), which only orders change."""
    schedule = event.schedule
    return {
        "organization_id": event.organization_id,
        "id": event.id,
        "slug": event.slug.value,
        "name": event.name,
        "description": event.description,
        "status": event.status.value,
        "venue": _venue_json(event.venue),
        "starts_at": schedule.starts_at,
        "ends_at": schedule.ends_at,
        "timezone": schedule.timezone,
        "capacity": event.capacity,
        "sales_start_at": schedule.sales_start_at,
        "sales_end_at": schedule.sales_end_at,
        "metadata": event.metadata,
        "version": event.version,
        "created_at": event.created_at,
        "updated_at": event.updated_at,
        "published_at": event.published_at,
        "cancelled_at": event.cancelled_at,
        "archived_at": event.archived_at,
    }


def event_from_row(row: Mapping[Any, Any]) -> Event:
    return Event(
        id=EventId(row["id"]),
        organization_id=OrganizationId(row["organization_id"]),
        name=row["name"],
        slug=Slug(row["slug"]),
        description=row["description"],
        venue=_venue_from_json(row["venue"]),
        schedule=Schedule(
            starts_at=row["starts_at"],
            ends_at=row["ends_at"],
            timezone=row["timezone"],
            sales_start_at=row["sales_start_at"],
            sales_end_at=row["sales_end_at"],
        ),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        capacity=row["capacity"],
        metadata=cast(JsonObject, row["metadata"]),
        status=EventStatus(row["status"]),
        published_at=row["published_at"],
        cancelled_at=row["cancelled_at"],
        archived_at=row["archived_at"],
        version=row["version"],
    )


def _venue_json(venue: Venue) -> dict[str, Any]:
    return {
        "name": venue.name,
        "address": venue.address,
        "city": venue.city,
        "country": venue.country,
        "lat": venue.lat,
        "lng": venue.lng,
    }


def _venue_from_json(data: Mapping[str, Any]) -> Venue:
    return Venue(
        name=data["name"],
        address=data["address"],
        city=data["city"],
        country=data["country"],
        lat=data.get("lat"),
        lng=data.get("lng"),
    )


def _ticket_type_revision(ticket_type: TicketType) -> dict[str, Any]:
    """What a revision writes: the spec, the version and the time — never ``sold``/``held``."""
    spec = ticket_type.spec
    return {
        "name": spec.name,
        "description": spec.description,
        "price_amount": spec.price.amount,
        "currency": spec.price.currency,
        "quantity": spec.quantity,
        "min_per_order": spec.min_per_order,
        "max_per_order": spec.max_per_order,
        "sales_start_at": spec.sales_start_at,
        "sales_end_at": spec.sales_end_at,
        "hidden": spec.hidden,
        "tax_rate": spec.tax_rate,
        "tiers": _tiers_json(spec.tiers),
        "version": ticket_type.version,
        "updated_at": ticket_type.updated_at,
    }


def ticket_type_from_row(row: Mapping[Any, Any]) -> TicketType:
    return TicketType(
        id=TicketTypeId(row["id"]),
        event_id=EventId(row["event_id"]),
        spec=TicketTypeSpec(
            name=row["name"],
            price=Money(row["price_amount"], row["currency"]),
            quantity=row["quantity"],
            description=row["description"],
            min_per_order=row["min_per_order"],
            max_per_order=row["max_per_order"],
            sales_start_at=row["sales_start_at"],
            sales_end_at=row["sales_end_at"],
            hidden=row["hidden"],
            tax_rate=row["tax_rate"],
            tiers=_tiers_from_json(row["tiers"]),
        ),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        sold=row["sold"],
        held=row["held"],
        version=row["version"],
    )


def _tiers_json(tiers: Sequence[PricingTier]) -> list[dict[str, Any]]:
    return [
        {
            "name": tier.name,
            "price": {"amount": tier.price.amount, "currency": tier.price.currency},
            "startsAt": _instant_json(tier.starts_at),
            "endsAt": _instant_json(tier.ends_at),
            "upToQuantity": tier.up_to_quantity,
        }
        for tier in tiers
    ]


def _tiers_from_json(data: Sequence[Mapping[str, Any]]) -> tuple[PricingTier, ...]:
    return tuple(
        PricingTier(
            name=tier["name"],
            price=Money(tier["price"]["amount"], tier["price"]["currency"]),
            starts_at=_instant_from_json(tier.get("startsAt")),
            ends_at=_instant_from_json(tier.get("endsAt")),
            up_to_quantity=tier.get("upToQuantity"),
        )
        for tier in data
    )


def _instant_json(at: datetime | None) -> str | None:
    """RFC 3339 in UTC with microseconds: the same instant comes back, to the microsecond."""
    return None if at is None else at.astimezone(UTC).isoformat(timespec="microseconds")


def _instant_from_json(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _promo_code_revision(promo_code: PromoCode) -> dict[str, Any]:
    """What a revision writes: the spec, the version and the time — never ``uses``."""
    spec = promo_code.spec
    discount = spec.discount
    ids = spec.ticket_type_ids
    return {
        "code": spec.code,
        "discount_percent": discount.percent if isinstance(discount, PercentOff) else None,
        "discount_amount": discount.amount.amount if isinstance(discount, AmountOff) else None,
        "currency": discount.amount.currency if isinstance(discount, AmountOff) else None,
        "ticket_type_ids": None if ids is None else sorted(ids),
        "max_uses": spec.max_uses,
        "valid_from": spec.valid_from,
        "valid_until": spec.valid_until,
        "version": promo_code.version,
        "updated_at": promo_code.updated_at,
    }


def promo_code_from_row(row: Mapping[Any, Any]) -> PromoCode:
    percent = row["discount_percent"]
    ids = row["ticket_type_ids"]
    return PromoCode(
        id=PromoCodeId(row["id"]),
        event_id=EventId(row["event_id"]),
        spec=PromoCodeSpec(
            code=row["code"],
            discount=(
                PercentOff(percent)
                if percent is not None
                else AmountOff(Money(row["discount_amount"], row["currency"]))
            ),
            ticket_type_ids=None if ids is None else frozenset(TicketTypeId(i) for i in ids),
            max_uses=row["max_uses"],
            valid_from=row["valid_from"],
            valid_until=row["valid_until"],
        ),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        uses=row["uses"],
        version=row["version"],
    )
