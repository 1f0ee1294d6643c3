"""``/api/events``: staff manage events, ticket types and promo codes; the storefront reads
published events of the tenant its host (or ``X-Organization``) names.

``GET /api/events`` and ``GET /api/events/{slug}`` serve both audiences: with a bearer token the
staff view (drafts included, by slug or id, with ``status``, ``version``, sales counts…), without
one the public view of the resolved storefront. One schema covers both: the staff-only fields
are absent from public answers.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from dishka import AsyncContainer
from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter

from ticketbase.application.context import Actor
from ticketbase.application.events.archive_event import ArchiveEvent, ArchiveEventCommand
from ticketbase.application.events.cancel_event import CancelEvent, CancelEventCommand
from ticketbase.application.events.create_event import CreateEvent, CreateEventCommand
from ticketbase.application.events.create_promo_code import (
    CreatePromoCode,
    CreatePromoCodeCommand,
)
from ticketbase.application.events.create_ticket_type import (
    CreateTicketType,
    CreateTicketTypeCommand,
)
from ticketbase.application.events.delete_promo_code import DeletePromoCode
from ticketbase.application.events.delete_ticket_type import DeleteTicketType
from ticketbase.application.events.get_event import GetEvent
from ticketbase.application.events.get_public_event import GetPublicEvent
from ticketbase.application.events.list_events import ListEvents
from ticketbase.application.events.list_promo_codes import ListPromoCodes
from ticketbase.application.events.list_public_events import ListPublicEvents
from ticketbase.application.events.list_ticket_types import ListTicketTypes
from ticketbase.application.events.publish_event import PublishEvent, PublishEventCommand
from ticketbase.application.events.update_event import UpdateEvent, UpdateEventCommand
from ticketbase.application.events.update_promo_code import (
    UpdatePromoCode,
    UpdatePromoCodeCommand,
)
from ticketbase.application.events.update_ticket_type import (
    UpdateTicketType,
    UpdateTicketTypeCommand,
)
from ticketbase.application.events.views import (
    EventView,
    PublicEventView,
    PublicTicketType,
    TicketTypeView,
)
from ticketbase.application.identity.resolve_organization import ResolveOrganization
from ticketbase.application.pagination import DEFAULT_LIMIT, MAX_LIMIT
from ticketbase.application.ports.events import EventFilter, UpcomingKey
from ticketbase.domain.events.errors import inputs_within
from ticketbase.domain.events.event import KEEP, Event, EventStatus
from ticketbase.domain.events.pricing import PricingTier
from ticketbase.domain.events.promo_code import AmountOff, PercentOff, PromoCode, PromoCodeSpec
from ticketbase.domain.events.ticket_type import TicketTypeSpec
from ticketbase.domain.events.venue import Venue
from ticketbase.domain.shared.errors import RuleViolated
from ticketbase.domain.shared.ids import EventId, PromoCodeId, TicketTypeId
from ticketbase.domain.shared.values import Money, Slug
from ticketbase.entrypoints.http.caching import cached_json
from ticketbase.entrypoints.http.organizations import resolve_storefront
from ticketbase.entrypoints.http.pagination import next_cursor, page_request
from ticketbase.entrypoints.http.response_cache import ANONYMOUS
from ticketbase.entrypoints.http.versioning import expected_version
from ticketbase.entrypoints.http.wire import BEARER, Wire

Unset = msgspec.UnsetType
UNSET = msgspec.UNSET
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
LongText = Annotated[str, msgspec.Meta(max_length=20_000)]
Count = Annotated[int, msgspec.Meta(ge=0, le=10_000_000)]
Version = Annotated[int, msgspec.Meta(ge=1)]
IfMatch = Annotated[str | None, HeaderParameter(name="If-Match")]

# --- wire structs ------------------------------------------------------------------------------


class MoneyWire(Wire):
    amount: Annotated[int, msgspec.Meta(ge=0, le=10**12)]
    currency: Annotated[str, msgspec.Meta(min_length=3, max_length=3)]


class VenueWire(Wire):
    name: Name
    address: Annotated[str, msgspec.Meta(max_length=500)]
    city: Name
    country: Annotated[str, msgspec.Meta(min_length=2, max_length=2)]
    lat: float | None = None
    lng: float | None = None


class TierWire(Wire):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    price: MoneyWire
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    up_to_quantity: Annotated[int, msgspec.Meta(ge=1)] | None = None


class CreateEventRequest(Wire):
    name: Name
    description: LongText
    venue: VenueWire
    starts_at: datetime
    ends_at: datetime
    timezone: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    slug: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    capacity: Annotated[int, msgspec.Meta(ge=1)] | None = None
    sales_start_at: datetime | None = None
    sales_end_at: datetime | None = None
    metadata: dict[str, Any] | None = None


class UpdateEventRequest(Wire):
    """Every field optional: what is absent stays; ``null`` clears what may be empty."""

    name: Name | Unset = UNSET
    slug: Annotated[str, msgspec.Meta(max_length=64)] | Unset = UNSET
    description: LongText | Unset = UNSET
    venue: VenueWire | Unset = UNSET
    starts_at: datetime | Unset = UNSET
    ends_at: datetime | Unset = UNSET
    timezone: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | Unset = UNSET
    capacity: Annotated[int, msgspec.Meta(ge=1)] | Unset | None = UNSET
    sales_start_at: datetime | Unset | None = UNSET
    sales_end_at: datetime | Unset | None = UNSET
    metadata: dict[str, Any] | Unset | None = UNSET
    version: Version | Unset = UNSET


class StatusChangeRequest(Wire):
    version: Version | Unset = UNSET


class TicketTypeRequest(Wire):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    price: MoneyWire
    quantity: Annotated[int, msgspec.Meta(ge=1, le=10_000_000)]
    description: Annotated[str, msgspec.Meta(max_length=10_000)] = ""
    min_per_order: Annotated[int, msgspec.Meta(ge=1, le=100)] = 1
    max_per_order: Annotated[int, msgspec.Meta(ge=1, le=100)] = 10
    sales_start_at: datetime | None = None
    sales_end_at: datetime | None = None
    hidden: bool = False
    tax_rate: Annotated[int, msgspec.Meta(ge=0, le=10_000)] = 0
    tiers: Annotated[list[TierWire], msgspec.Meta(max_length=20)] = msgspec.field(
        default_factory=list
    )
    version: Version | Unset = UNSET


class DiscountWire(Wire):
    """Exactly one of ``percent`` (1-100) or ``amount`` (off each ticket)."""

    percent: Annotated[int, msgspec.Meta(ge=1, le=100)] | Unset = UNSET
    amount: MoneyWire | Unset = UNSET


class PromoCodeRequest(Wire):
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    discount: DiscountWire
    ticket_type_ids: Annotated[list[UUID], msgspec.Meta(max_length=100)] | None = None
    max_uses: Annotated[int, msgspec.Meta(ge=1)] | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    version: Version | Unset = UNSET


class TicketTypeResponse(Wire):
    """A ticket type; ``eventId``, ``price``, ``quantity``, ``sold``, ``held``, sales window,
    ``hidden``, ``taxRate``, ``tiers`` and ``version`` are for staff only."""

    id: UUID
    name: str
    description: str
    current_price: MoneyWire
    available: int
    min_per_order: int
    max_per_order: int
    event_id: UUID | Unset = UNSET
    price: MoneyWire | Unset = UNSET
    quantity: int | Unset = UNSET
    sold: int | Unset = UNSET
    held: int | Unset = UNSET
    sales_start_at: datetime | Unset | None = UNSET
    sales_end_at: datetime | Unset | None = UNSET
    hidden: bool | Unset = UNSET
    tax_rate: int | Unset = UNSET
    tiers: list[TierWire] | Unset = UNSET
    version: int | Unset = UNSET


class EventResponse(Wire):
    """An event; ``status``, ``capacity``, ``metadata``, sales window, ``version`` and the
    timestamps are for staff only. ``ticketTypes`` comes with single-event reads and the
    storefront's list."""

    id: UUID
    slug: str
    name: str
    description: str
    venue: VenueWire
    starts_at: datetime
    ends_at: datetime
    timezone: str
    ticket_types: list[TicketTypeResponse] | Unset = UNSET
    status: str | Unset = UNSET
    capacity: int | Unset | None = UNSET
    sales_start_at: datetime | Unset | None = UNSET
    sales_end_at: datetime | Unset | None = UNSET
    metadata: dict[str, Any] | Unset = UNSET
    version: int | Unset = UNSET
    created_at: datetime | Unset = UNSET
    updated_at: datetime | Unset = UNSET
    published_at: datetime | Unset | None = UNSET


class EventPage(Wire):
    items: list[EventResponse]
    next_cursor: str | None


class TicketTypeList(Wire):
    items: list[TicketTypeResponse]


class PromoCodeResponse(Wire):
    id: UUID
    event_id: UUID
    code: str
    discount: DiscountWire
    ticket_type_ids: list[UUID] | None
    max_uses: int | None
    uses: int
    valid_from: datetime | None
    valid_until: datetime | None
    version: int


class PromoCodeList(Wire):
    items: list[PromoCodeResponse]


# --- wire -> domain ----------------------------------------------------------------------------


def _money(m: MoneyWire) -> Money:
    return Money(m.amount, m.currency)


def _venue(v: VenueWire) -> Venue:
    # The venue names its own fields as the request does (venue.lat).
    return Venue(
        name=v.name, address=v.address, city=v.city, country=v.country, lat=v.lat, lng=v.lng
    )


def _slug(value: str) -> Slug:
    try:
        return Slug(value)
    except RuleViolated as error:
        error.field = "slug"
        raise


def _ticket_type_spec(data: TicketTypeRequest) -> TicketTypeSpec:
    tiers = []
    for index, tier in enumerate(data.tiers):
        with inputs_within(f"tiers[{index}]"):
            tiers.append(
                PricingTier(
                    name=tier.name,
                    price=_money(tier.price),
                    starts_at=tier.starts_at,
                    ends_at=tier.ends_at,
                    up_to_quantity=tier.up_to_quantity,
                )
            )
    return TicketTypeSpec(
        name=data.name,
        price=_money(data.price),
        quantity=data.quantity,
        description=data.description,
        min_per_order=data.min_per_order,
        max_per_order=data.max_per_order,
        sales_start_at=data.sales_start_at,
        sales_end_at=data.sales_end_at,
        hidden=data.hidden,
        tax_rate=data.tax_rate,
        tiers=tuple(tiers),
    )


def _promo_code_spec(data: PromoCodeRequest) -> PromoCodeSpec:
    percent, amount = data.discount.percent, data.discount.amount
    if (percent is UNSET) == (amount is UNSET):
        raise RuleViolated("give either a percent or an amount", field="discount")
    discount = (
        PercentOff(percent) if not isinstance(percent, Unset) else AmountOff(_money(amount))  # type: ignore[arg-type]
    )
    return PromoCodeSpec(
        code=data.code,
        discount=discount,
        ticket_type_ids=None
        if data.ticket_type_ids is None
        else [TicketTypeId(i) for i in data.ticket_type_ids],
        max_uses=data.max_uses,
        valid_from=data.valid_from,
        valid_until=data.valid_until,
    )


def _keep(value: Any) -> Any:
    return KEEP if value is UNSET else value


# --- domain -> wire ----------------------------------------------------------------------------


def _money_wire(m: Money) -> MoneyWire:
    return MoneyWire(amount=m.amount, currency=m.currency)


def _venue_wire(v: Venue) -> VenueWire:
    return VenueWire(
        name=v.name, address=v.address, city=v.city, country=v.country, lat=v.lat, lng=v.lng
    )


def staff_ticket_type(view: TicketTypeView) -> TicketTypeResponse:
    t, spec = view.ticket_type, view.ticket_type.spec
    return TicketTypeResponse(
        id=t.id,
        name=spec.name,
        description=spec.description,
        current_price=_money_wire(view.current_price),
        available=view.available,
        min_per_order=spec.min_per_order,
        max_per_order=spec.max_per_order,
        event_id=t.event_id,
        price=_money_wire(spec.price),
        quantity=spec.quantity,
        sold=t.sold,
        held=t.held,
        sales_start_at=spec.sales_start_at,
        sales_end_at=spec.sales_end_at,
        hidden=spec.hidden,
        tax_rate=spec.tax_rate,
        tiers=[
            TierWire(
                name=tier.name,
                price=_money_wire(tier.price),
                starts_at=tier.starts_at,
                ends_at=tier.ends_at,
                up_to_quantity=tier.up_to_quantity,
            )
            for tier in spec.tiers
        ],
        version=t.version,
    )


def _public_ticket_type(t: PublicTicketType) -> TicketTypeResponse:
    return TicketTypeResponse(
        id=t.id,
        name=t.name,
        description=t.description,
        current_price=_money_wire(t.current_price),
        available=t.available,
        min_per_order=t.min_per_order,
        max_per_order=t.max_per_order,
    )


def _public_fields(e: Event) -> dict[str, Any]:
    return {
        "id": e.id,
        "slug": e.slug.value,
        "name": e.name,
        "description": e.description,
        "venue": _venue_wire(e.venue),
        "starts_at": e.starts_at,
        "ends_at": e.ends_at,
        "timezone": e.timezone,
    }


def staff_event(e: Event, ticket_types: list[TicketTypeResponse] | Unset = UNSET) -> EventResponse:
    return EventResponse(
        **_public_fields(e),
        ticket_types=ticket_types,
        status=e.status.value,
        capacity=e.capacity,
        sales_start_at=e.sales_start_at,
        sales_end_at=e.sales_end_at,
        metadata=dict(e.metadata),
        version=e.version,
        created_at=e.created_at,
        updated_at=e.updated_at,
        published_at=e.published_at,
    )


def _staff_event_view(view: EventView) -> EventResponse:
    return staff_event(view.event, [staff_ticket_type(t) for t in view.ticket_types])


def _public_event(view: PublicEventView) -> EventResponse:
    return EventResponse(
        **_public_fields(view.event),
        ticket_types=[_public_ticket_type(t) for t in view.ticket_types],
    )


def promo_code_response(p: PromoCode) -> PromoCodeResponse:
    spec = p.spec
    discount = (
        DiscountWire(percent=spec.discount.percent)
        if isinstance(spec.discount, PercentOff)
        else DiscountWire(amount=_money_wire(spec.discount.amount))
    )
    return PromoCodeResponse(
        id=p.id,
        event_id=p.event_id,
        code=spec.code,
        discount=discount,
        ticket_type_ids=None if spec.ticket_type_ids is None else sorted(spec.ticket_type_ids),
        max_uses=spec.max_uses,
        uses=p.uses,
        valid_from=spec.valid_from,
        valid_until=spec.valid_until,
        version=p.version,
    )


# --- the storefront's cursor: (starts_at, id) --------------------------------------------------


def _encode_upcoming(key: UpcomingKey | None) -> str | None:
    if key is None:
        return None
    raw = msgspec.json.encode([key[0], str(key[1])])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_upcoming(cursor: str | None) -> UpcomingKey | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        starts_at, event_id = msgspec.json.decode(raw, type=tuple[datetime, UUID])
    except (ValueError, binascii.Error, msgspec.DecodeError):
        raise RuleViolated("the cursor is not one this API gave out", field="cursor") from None
    return starts_at, EventId(event_id)


# --- the controller ----------------------------------------------------------------------------


def has_token(request: Request[Any, Any, Any]) -> bool:
    return "authorization" in request.headers


async def actor_of(request: Request[Any, Any, Any]) -> Actor:
    container: AsyncContainer = request.state.dishka_container
    actor: Actor = await container.get(Actor)
    return actor


EVENT_PATH = "/{id:uuid}"
TICKET_TYPE_PATH = "/{id:uuid}/ticket-types/{ticketTypeId:uuid}"
PROMO_CODE_PATH = "/{id:uuid}/promo-codes/{promoCodeId:uuid}"
PUBLIC = (
    "Without a bearer token: the storefront of the tenant named by `X-Organization` or the Host "
    "(published events only, no staff fields); with one: the staff view."
)


class EventController(Controller):
    path = "/api/events"
    tags = ["events"]

    @get(
        "/", summary="List events (staff: all; storefront: upcoming published)", description=PUBLIC
    )
    async def list_events(
        self,
        request: Request[Any, Any, Any],
        staff: FromDishka[ListEvents],
        storefront: FromDishka[ListPublicEvents],
        resolve: FromDishka[ResolveOrganization],
        status: FromQuery[EventStatus | None] = None,
        starts_from: Annotated[datetime | None, QueryParameter(name="from")] = None,
        starts_before: Annotated[datetime | None, QueryParameter(name="to")] = None,
        q: Annotated[str | None, QueryParameter(max_length=200)] = None,
        limit: Annotated[int | None, QueryParameter(ge=1, le=MAX_LIMIT)] = None,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
    ) -> EventPage:
        if has_token(request):
            where = EventFilter(
                status=status, starts_from=starts_from, starts_before=starts_before, q=q
            )
            page = await staff(where, page_request(limit, cursor), await actor_of(request))
            return EventPage(
                items=[staff_event(e) for e in page.items], next_cursor=next_cursor(page)
            )
        organization = await resolve_storefront(request, resolve)
        found = await storefront(organization.id, limit or DEFAULT_LIMIT, _decode_upcoming(cursor))
        return EventPage(
            items=[_public_event(v) for v in found.items],
            next_cursor=_encode_upcoming(found.next_after),
        )

    @post("/", security=BEARER, summary="Create an event (a draft)")
    async def create_event(
        self,
        data: JSONBody[CreateEventRequest],
        actor: FromDishka[Actor],
        use_case: FromDishka[CreateEvent],
    ) -> EventResponse:
        command = CreateEventCommand(
            name=data.name,
            description=data.description,
            venue=_venue(data.venue),
            starts_at=data.starts_at,
            ends_at=data.ends_at,
            timezone=data.timezone,
            slug=None if data.slug is None else _slug(data.slug),
            capacity=data.capacity,
            sales_start_at=data.sales_start_at,
            sales_end_at=data.sales_end_at,
            metadata=data.metadata,
        )
        return staff_event(await use_case(command, actor), [])

    @get(
        "/{slug:str}",
        summary="Read an event (storefront: published, by slug; staff: any, by slug or id)",
        description=PUBLIC
        + " The storefront's answer carries an `ETag`; `If-None-Match` with it answers 304.",
        responses={
            200: ResponseSpec(
                EventResponse,
                description="The event with its ticket types",
                generate_examples=False,
            ),
            304: ResponseSpec(None, description="Not modified: the `If-None-Match` tag matches"),
        },
        opt={"response_cache": ANONYMOUS},  # staff reads come from the database
    )
    async def get_event(
        self,
        request: Request[Any, Any, Any],
        slug: FromPath[str],
        staff: FromDishka[GetEvent],
        storefront: FromDishka[GetPublicEvent],
        resolve: FromDishka[ResolveOrganization],
    ) -> Response[bytes]:
        if has_token(request):
            view = await staff(slug, await actor_of(request))
            return Response(
                msgspec.json.encode(_staff_event_view(view)), media_type="application/json"
            )
        organization = await resolve_storefront(request, resolve)
        return cached_json(
            request, _public_event(await storefront(organization.id, slug)), max_age=1
        )

    @put(EVENT_PATH, security=BEARER, summary="Update an event (If-Match or version)")
    async def update_event(
        self,
        id: FromPath[UUID],
        data: JSONBody[UpdateEventRequest],
        actor: FromDishka[Actor],
        use_case: FromDishka[UpdateEvent],
        if_match: IfMatch = None,
    ) -> EventResponse:
        command = UpdateEventCommand(
            event_id=EventId(id),
            expected_version=expected_version(if_match, data.version),
            name=_keep(data.name),
            slug=KEEP if isinstance(data.slug, Unset) else _slug(data.slug),
            description=_keep(data.description),
            venue=KEEP if isinstance(data.venue, Unset) else _venue(data.venue),
            starts_at=_keep(data.starts_at),
            ends_at=_keep(data.ends_at),
            timezone=_keep(data.timezone),
            sales_start_at=_keep(data.sales_start_at),
            sales_end_at=_keep(data.sales_end_at),
            capacity=_keep(data.capacity),
            metadata=_keep(data.metadata),
        )
        return staff_event(await use_case(command, actor))

    @post(EVENT_PATH + "/publish", status_code=200, security=BEARER, summary="Publish an event")
    async def publish_event(
        self,
        id: FromPath[UUID],
        actor: FromDishka[Actor],
        use_case: FromDishka[PublishEvent],
        data: JSONBody[StatusChangeRequest | None] = None,
        if_match: IfMatch = None,
    ) -> EventResponse:
        version = expected_version(if_match, UNSET if data is None else data.version)
        return staff_event(await use_case(PublishEventCommand(EventId(id), version), actor))

    @post(EVENT_PATH + "/cancel", status_code=200, security=BEARER, summary="Cancel an event")
    async def cancel_event(
        self,
        id: FromPath[UUID],
        actor: FromDishka[Actor],
        use_case: FromDishka[CancelEvent],
        data: JSONBody[StatusChangeRequest | None] = None,
        if_match: IfMatch = None,
    ) -> EventResponse:
        version = expected_version(if_match, UNSET if data is None else data.version)
        return staff_event(await use_case(CancelEventCommand(EventId(id), version), actor))

    @post(EVENT_PATH + "/archive", status_code=200, security=BEARER, summary="Archive an event")
    async def archive_event(
        self,
        id: FromPath[UUID],
        actor: FromDishka[Actor],
        use_case: FromDishka[ArchiveEvent],
        data: JSONBody[StatusChangeRequest | None] = None,
        if_match: IfMatch = None,
    ) -> EventResponse:
        version = expected_version(if_match, UNSET if data is None else data.version)
        return staff_event(await use_case(ArchiveEventCommand(EventId(id), version), actor))

    # --- ticket types --------------------------------------------------------------------------

    @get(EVENT_PATH + "/ticket-types", security=BEARER, summary="An event's ticket types")
    async def list_ticket_types(
        self, id: FromPath[UUID], actor: FromDishka[Actor], use_case: FromDishka[ListTicketTypes]
    ) -> TicketTypeList:
        views = await use_case(EventId(id), actor)
        return TicketTypeList(items=[staff_ticket_type(v) for v in views])

    @post(EVENT_PATH + "/ticket-types", security=BEARER, summary="Add a ticket type")
    async def create_ticket_type(
        self,
        id: FromPath[UUID],
        data: JSONBody[TicketTypeRequest],
        actor: FromDishka[Actor],
        use_case: FromDishka[CreateTicketType],
    ) -> TicketTypeResponse:
        command = CreateTicketTypeCommand(EventId(id), _ticket_type_spec(data))
        return staff_ticket_type(await use_case(command, actor))

    @put(TICKET_TYPE_PATH, security=BEARER, summary="Replace a ticket type (If-Match or version)")
    async def update_ticket_type(
        self,
        id: FromPath[UUID],
        ticketTypeId: FromPath[UUID],  # the name API.md gives it
        data: JSONBody[TicketTypeRequest],
        actor: FromDishka[Actor],
        use_case: FromDishka[UpdateTicketType],
        if_match: IfMatch = None,
    ) -> TicketTypeResponse:
        command = UpdateTicketTypeCommand(
            event_id=EventId(id),
            ticket_type_id=TicketTypeId(ticketTypeId),
            spec=_ticket_type_spec(data),
            expected_version=expected_version(if_match, data.version),
        )
        return staff_ticket_type(await use_case(command, actor))

    @delete(TICKET_TYPE_PATH, status_code=204, security=BEARER, summary="Delete a ticket type")
    async def delete_ticket_type(
        self,
        id: FromPath[UUID],
        ticketTypeId: FromPath[UUID],
        actor: FromDishka[Actor],
        use_case: FromDishka[DeleteTicketType],
    ) -> None:
        await use_case(EventId(id), TicketTypeId(ticketTypeId), actor)

    # --- promo codes ---------------------------------------------------------------------------

    @get(EVENT_PATH + "/promo-codes", security=BEARER, summary="An event's promo codes")
    async def list_promo_codes(
        self, id: FromPath[UUID], actor: FromDishka[Actor], use_case: FromDishka[ListPromoCodes]
    ) -> PromoCodeList:
        return PromoCodeList(
            items=[promo_code_response(p) for p in await use_case(EventId(id), actor)]
        )

    @post(EVENT_PATH + "/promo-codes", security=BEARER, summary="Add a promo code")
    async def create_promo_code(
        self,
        id: FromPath[UUID],
        data: JSONBody[PromoCodeRequest],
        actor: FromDishka[Actor],
        use_case: FromDishka[CreatePromoCode],
    ) -> PromoCodeResponse:
        command = CreatePromoCodeCommand(EventId(id), _promo_code_spec(data))
        return promo_code_response(await use_case(command, actor))

    @put(PROMO_CODE_PATH, security=BEARER, summary="Replace a promo code (If-Match or version)")
    async def update_promo_code(
        self,
        id: FromPath[UUID],
        promoCodeId: FromPath[UUID],
        data: JSONBody[PromoCodeRequest],
        actor: FromDishka[Actor],
        use_case: FromDishka[UpdatePromoCode],
        if_match: IfMatch = None,
    ) -> PromoCodeResponse:
        command = UpdatePromoCodeCommand(
            event_id=EventId(id),
            promo_code_id=PromoCodeId(promoCodeId),
            spec=_promo_code_spec(data),
            expected_version=expected_version(if_match, data.version),
        )
        return promo_code_response(await use_case(command, actor))

    @delete(PROMO_CODE_PATH, status_code=204, security=BEARER, summary="Delete a promo code")
    async def delete_promo_code(
        self,
        id: FromPath[UUID],
        promoCodeId: FromPath[UUID],
        actor: FromDishka[Actor],
        use_case: FromDishka[DeletePromoCode],
    ) -> None:
        await use_case(EventId(id), PromoCodeId(promoCodeId), actor)
