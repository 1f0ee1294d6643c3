"""One contract for the events area's repositories (events, ticket types, promo codes), run
against the memory adapters and against PostgreSQL (real migrations, the app role, row level
security), so the fakes the use case tests rely on cannot drift from the database.

Inventory (``sold``/``held``, a code's ``uses``) is set behind the repositories' backs — an
UPDATE as the owner, or a change to the memory state — the way the orders area's conditional
updates will change it, to show that revisions never write it back."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from sqlalchemy.engine import URL
from tests.integration.support import app_dsn, raw_dsn

from ticketbase.adapters.memory.change_feed import MemoryChangeFeed
from ticketbase.adapters.memory.unit_of_work import MemoryDatabase, MemoryUnitOfWork
from ticketbase.adapters.postgres.engine import app_role_url, create_engine
from ticketbase.adapters.postgres.unit_of_work import PostgresUnitOfWork
from ticketbase.adapters.system import SystemClock, Uuid7Generator
from ticketbase.application.identity.create_organization import (
    CreateOrganization,
    CreateOrganizationCommand,
)
from ticketbase.application.pagination import PageRequest
from ticketbase.application.ports.cache import event_tag, events_tag
from ticketbase.application.ports.events import EventFilter
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.events.errors import (
    MaxUsesBelowUses,
    QuantityBelowSold,
    TicketTypeHasSales,
)
from ticketbase.domain.events.event import Event, EventStatus
from ticketbase.domain.events.pricing import PricingTier
from ticketbase.domain.events.promo_code import AmountOff, PercentOff, PromoCode, PromoCodeSpec
from ticketbase.domain.events.schedule import Schedule
from ticketbase.domain.events.ticket_type import TicketType, TicketTypeSpec
from ticketbase.domain.events.venue import Venue
from ticketbase.domain.shared.errors import Conflict, StaleVersion
from ticketbase.domain.shared.ids import EventId, OrganizationId, PromoCodeId, TicketTypeId
from ticketbase.domain.shared.values import Money, Slug

pytestmark = pytest.mark.anyio
IDS = Uuid7Generator()
NOW = datetime(2026, 2, 1, 9, 30, 15, 123456, tzinfo=UTC)
STARTS = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)


@dataclass
class Subject:
    uow: UnitOfWork
    feed: MemoryChangeFeed
    tenant: OrganizationId
    other: OrganizationId
    memory: MemoryDatabase | None  # None: PostgreSQL
    database_url: URL

    async def set_ticket_type_counts(
        self, ticket_type_id: TicketTypeId, *, sold: int, held: int
    ) -> None:
        """What a sale or a hold does, behind the repository's back."""
        if self.memory is not None:
            stored = self.memory.state.ticket_types[self.tenant][ticket_type_id]
            stored.sold, stored.held = sold, held
            return
        await self._owner_update(
            "UPDATE ticket_types SET sold = $2, held = $3 WHERE id = $1",
            ticket_type_id,
            sold,
            held,
        )

    async def set_promo_code_uses(self, promo_code_id: PromoCodeId, uses: int) -> None:
        if self.memory is not None:
            self.memory.state.promo_codes[self.tenant][promo_code_id].uses = uses
            return
        await self._owner_update(
            "UPDATE promo_codes SET uses = $2 WHERE id = $1", promo_code_id, uses
        )

    async def _owner_update(self, sql: str, *arguments: object) -> None:
        connection = await asyncpg.connect(raw_dsn(self.database_url))
        try:
            async with connection.transaction():
                await connection.execute(
                    "SELECT set_config('app.organization_id', $1, true)", str(self.tenant)
                )
                assert await connection.execute(sql, *arguments) == "UPDATE 1"
        finally:
            await connection.close()


async def _organization(uow: UnitOfWork, name: str) -> OrganizationId:
    create = CreateOrganization(uow, SystemClock(), IDS)
    made = await create(CreateOrganizationCommand(name=name, slug=f"e-{IDS.new().hex[-12:]}"))
    return made.id


@asynccontextmanager
async def _subject(kind: str, database_url: URL) -> AsyncIterator[Subject]:
    feed = MemoryChangeFeed()
    async with AsyncExitStack() as stack:
        memory: MemoryDatabase | None = None
        uow: UnitOfWork
        if kind == "memory":
            memory = MemoryDatabase(feed)
            uow = MemoryUnitOfWork(memory)
        else:
            engine = create_engine(app_role_url(database_url), pool_size=2, max_overflow=2)
            stack.push_async_callback(engine.dispose)
            uow = PostgresUnitOfWork(engine, feed)
        tenant, other = await _organization(uow, "Acme"), await _organization(uow, "Rival")
        feed.published.clear()
        yield Subject(uow, feed, tenant, other, memory, database_url)


@pytest.fixture(params=["memory", "postgres"])
async def subject(request: pytest.FixtureRequest, database_url: URL) -> AsyncIterator[Subject]:
    async with _subject(request.param, database_url) as made:
        yield made


@pytest.fixture
async def on_postgres(database_url: URL) -> AsyncIterator[Subject]:
    async with _subject("postgres", database_url) as made:
        yield made


# --- builders -------------------------------------------------------------------------------------


def an_event(
    organization_id: OrganizationId,
    *,
    name: str = "Spring Gala",
    slug: str | None = None,
    starts_at: datetime = STARTS,
    hours: int = 3,
    status: EventStatus = EventStatus.DRAFT,
) -> Event:
    event_id = EventId(IDS.new())
    event = Event.create(
        id=event_id,
        organization_id=organization_id,
        name=name,
        description="An evening of music.",
        venue=Venue("Konzerthaus", "Lothringerstraße 20", "Wien", "AT"),
        schedule=Schedule(starts_at, starts_at + timedelta(hours=hours), "Europe/Vienna"),
        now=NOW,
        slug=Slug(slug or f"event-{event_id.hex[-12:]}"),
    )
    if status is not EventStatus.DRAFT:
        event.status = status
        event.published_at = NOW
    return event


def eur(amount: int) -> Money:
    return Money(amount, "EUR")


def a_ticket_type(event: Event, name: str = "Standard", **spec: object) -> TicketType:
    values: dict[str, object] = {"name": name, "price": eur(2500), "quantity": 100} | spec
    return TicketType(
        id=TicketTypeId(IDS.new()),
        event_id=event.id,
        spec=TicketTypeSpec(**values),  # type: ignore[arg-type]
        created_at=NOW,
        updated_at=NOW,
    )


def a_promo_code(event: Event, code: str = "SUMMER", **spec: object) -> PromoCode:
    values: dict[str, object] = {"code": code, "discount": PercentOff(10)} | spec
    return PromoCode(
        id=PromoCodeId(IDS.new()),
        event_id=event.id,
        spec=PromoCodeSpec(**values),  # type: ignore[arg-type]
        created_at=NOW,
        updated_at=NOW,
    )


async def given(
    subject: Subject,
    *rows: Event | TicketType | PromoCode,
    tenant: OrganizationId | None = None,
) -> None:
    async with subject.uow.for_tenant(tenant or subject.tenant) as tx:
        for row in rows:
            if isinstance(row, Event):
                await tx.events.add(row)
            elif isinstance(row, TicketType):
                await tx.ticket_types.add(row)
            else:
                await tx.promo_codes.add(row)
        await tx.commit()


Row = TypeVar("Row", Event, TicketType, PromoCode)


def bumped(row: Row, **changes: object) -> Row:
    """A revision as the domain makes one: the version up by one."""
    return dataclasses.replace(row, version=row.version + 1, **changes)  # type: ignore[arg-type]


# --- events ---------------------------------------------------------------------------------------

# (zone, local start, local end, the same instants in UTC): each spans a daylight-saving change.
# Sydney's 02:30 happens twice on 2026-04-05: fold=1 is the second, in standard time.
DST_CASES = [
    pytest.param(
        "America/New_York",
        datetime(2026, 3, 8, 1, 30, 0, 250000),
        datetime(2026, 3, 8, 3, 30),
        datetime(2026, 3, 8, 6, 30, 0, 250000, tzinfo=UTC),
        datetime(2026, 3, 8, 7, 30, tzinfo=UTC),
        id="new_york_spring_forward",
    ),
    pytest.param(
        "Europe/Berlin",
        datetime(2026, 3, 29, 1, 30),
        datetime(2026, 3, 29, 3, 30, 0, 999999),
        datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 30, 0, 999999, tzinfo=UTC),
        id="berlin_spring_forward",
    ),
    pytest.param(
        "Australia/Sydney",
        datetime(2026, 4, 5, 2, 30),
        datetime(2026, 4, 5, 2, 30, fold=1),
        datetime(2026, 4, 4, 15, 30, tzinfo=UTC),
        datetime(2026, 4, 4, 16, 30, tzinfo=UTC),
        id="sydney_fall_back",
    ),
]


@pytest.mark.parametrize(("zone", "local_start", "local_end", "utc_start", "utc_end"), DST_CASES)
async def test_an_event_reads_back_whole_by_id_and_by_slug(
    subject: Subject,
    zone: str,
    local_start: datetime,
    local_end: datetime,
    utc_start: datetime,
    utc_end: datetime,
) -> None:
    tz = ZoneInfo(zone)
    starts, ends = local_start.replace(tzinfo=tz), local_end.replace(tzinfo=tz)
    event = Event(
        id=EventId(IDS.new()),
        organization_id=subject.tenant,
        name="Nacht der Uhren",
        slug=Slug("nacht-der-uhren"),
        description="Zwei Stunden, die eine sind.\nÜberall.",
        venue=Venue("Halle ß", "Straße 1", "Köln", "DE", lat=50.9375, lng=6.9603),
        schedule=Schedule(
            starts_at=starts,
            ends_at=ends,
            timezone=zone,
            sales_start_at=(starts - timedelta(days=30)),
            sales_end_at=ends - timedelta(microseconds=1),
        ),
        created_at=NOW,
        updated_at=NOW + timedelta(seconds=1),
        capacity=500,
        metadata={"tags": ["dst", "ü"], "nested": {"ratio": 0.1, "n": 7, "on": True, "x": None}},
        status=EventStatus.ARCHIVED,
        published_at=NOW + timedelta(minutes=1),
        cancelled_at=NOW + timedelta(minutes=2),
        archived_at=NOW + timedelta(minutes=3),
        version=4,
    )
    await given(subject, event)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        by_id = await tx.events.get(event.id)
        by_slug = await tx.events.by_slug(Slug("nacht-der-uhren"))
        assert await tx.events.get(EventId(IDS.new())) is None
        assert await tx.events.by_slug(Slug("nacht-der-uhr")) is None
    assert by_id == event
    assert by_slug == event
    assert by_id is not None
    assert (by_id.starts_at, by_id.ends_at) == (utc_start, utc_end)
    assert by_id.starts_at.utcoffset() == timedelta(0)
    assert by_id.timezone == zone
    assert by_id.schedule.local(by_id.starts_at) == starts
    assert by_id.schedule.local(by_id.ends_at).utcoffset() == ends.utcoffset()


async def test_nothing_is_kept_without_a_commit(subject: Subject) -> None:
    event = an_event(subject.tenant)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        await tx.events.add(event)
        await tx.ticket_types.add(a_ticket_type(event))
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.events.get(event.id) is None
        assert await tx.ticket_types.of_event(event.id) == []
    assert subject.feed.published == []


async def test_a_slug_is_taken_once_per_organization(subject: Subject) -> None:
    gala = an_event(subject.tenant, slug="gala")
    await given(subject, gala)
    with pytest.raises(Conflict) as raised:
        await given(subject, an_event(subject.tenant, name="Another", slug="gala"))
    assert raised.value.field == "slug"
    await given(subject, an_event(subject.other, slug="gala"), tenant=subject.other)

    other = an_event(subject.tenant, slug="other")
    await given(subject, other)
    with pytest.raises(Conflict) as raised:
        async with subject.uow.for_tenant(subject.tenant) as tx:
            await tx.events.save(bumped(other, slug=Slug("gala")))
            await tx.commit()
    assert raised.value.field == "slug"
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.events.by_slug(Slug("gala")) == gala
        assert await tx.events.get(other.id) == other


async def test_save_stores_the_next_version_and_refuses_a_stale_one(subject: Subject) -> None:
    event = an_event(subject.tenant, slug="draft")
    await given(subject, event)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        loaded = await tx.events.get(event.id)
        assert loaded is not None
        later = NOW + timedelta(hours=1)
        assert loaded.update(
            now=later,
            ticket_types=[],
            name="Summer Gala",
            slug=Slug("summer-gala"),
            capacity=None,
            metadata={"k": [1, 2]},
            schedule=Schedule(STARTS, STARTS + timedelta(hours=4), "UTC"),
        )
        await tx.events.save(loaded)
        await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.events.get(event.id) == loaded
        assert loaded.version == 2
        assert await tx.events.by_slug(Slug("draft")) is None

    # A writer that read version 1 too: its version 2 is stale.
    with pytest.raises(StaleVersion):
        async with subject.uow.for_tenant(subject.tenant) as tx:
            await tx.events.save(bumped(event, name="Lost update"))
            await tx.commit()
    with pytest.raises(StaleVersion):
        async with subject.uow.for_tenant(subject.tenant) as tx:
            await tx.events.save(bumped(an_event(subject.tenant, slug="ghost")))
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.events.get(event.id) == loaded


async def test_matching_filters_by_status_start_and_name(subject: Subject) -> None:
    def at(day: int) -> datetime:
        return datetime(2026, 7, day, 20, 0, tzinfo=UTC)

    rows = {
        "percent": an_event(subject.tenant, name="100% Fun", starts_at=at(1)),
        "plain": an_event(subject.tenant, name="100 Fun", starts_at=at(2)),
        "under": an_event(subject.tenant, name="Rock_Night", starts_at=at(3)),
        "x": an_event(
            subject.tenant, name="rockxnight", starts_at=at(4), status=EventStatus.PUBLISHED
        ),
        "slash": an_event(subject.tenant, name=r"Back\Slash", starts_at=at(5)),
    }
    await given(subject, *rows.values())

    async def names(where: EventFilter) -> set[str]:
        async with subject.uow.for_tenant(subject.tenant) as tx:
            page = await tx.events.matching(where, PageRequest(limit=50))
        assert page.next_after is None
        return {k for k, e in rows.items() if e in page.items}

    assert await names(EventFilter()) == set(rows)
    assert await names(EventFilter(status=EventStatus.PUBLISHED)) == {"x"}
    assert await names(EventFilter(status=EventStatus.CANCELLED)) == set()
    assert await names(EventFilter(starts_from=at(2), starts_before=at(4))) == {"plain", "under"}
    assert await names(EventFilter(starts_from=at(5))) == {"slash"}
    assert await names(EventFilter(starts_before=at(1))) == set()
    # Wildcards in ``q`` are literal characters; the match ignores case.
    assert await names(EventFilter(q="100%")) == {"percent"}
    assert await names(EventFilter(q="rock_")) == {"under"}
    assert await names(EventFilter(q="ROCK")) == {"under", "x"}
    assert await names(EventFilter(q="\\")) == {"slash"}
    assert await names(EventFilter(q="fun", status=EventStatus.DRAFT, starts_from=at(2))) == {
        "plain"
    }


async def test_matching_pages_newest_first_by_keyset(subject: Subject) -> None:
    made = [an_event(subject.tenant, name=f"Night {i}") for i in range(5)]
    await given(subject, *made)
    newest_first = sorted(made, key=lambda e: e.id, reverse=True)
    seen: list[Event] = []
    after: UUID | None = None
    async with subject.uow.for_tenant(subject.tenant) as tx:
        for expected_more in (True, True, False):
            page = await tx.events.matching(EventFilter(), PageRequest(limit=2, after=after))
            seen += page.items
            assert (page.next_after is not None) is expected_more
            after = page.next_after
    assert seen == newest_first
    assert [e.id for e in seen[:2]] == [e.id for e in newest_first[:2]]


async def test_upcoming_published_lists_soonest_first_after_a_key(subject: Subject) -> None:
    now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    same = datetime(2026, 6, 3, 19, 0, tzinfo=UTC)
    published = EventStatus.PUBLISHED
    running = an_event(subject.tenant, starts_at=now - timedelta(hours=1), status=published)
    twins = [an_event(subject.tenant, starts_at=same, status=published) for _ in range(2)]
    later = an_event(subject.tenant, starts_at=same + timedelta(days=1), status=published)
    soon = an_event(subject.tenant, starts_at=now + timedelta(hours=2), status=published)
    ended = an_event(subject.tenant, starts_at=now - timedelta(hours=3), hours=3, status=published)
    draft = an_event(subject.tenant, starts_at=now + timedelta(hours=1))
    cancelled = an_event(subject.tenant, starts_at=now + timedelta(hours=1), status=published)
    cancelled.status = EventStatus.CANCELLED
    # Added out of order: the order comes from (starts_at, id), not from insertion.
    await given(subject, later, *reversed(twins), soon, ended, draft, cancelled, running)
    expected = [running, soon, *sorted(twins, key=lambda e: e.id), later]

    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.events.upcoming_published(now, 10) == expected
        first = await tx.events.upcoming_published(now, 2)
        assert first == expected[:2]
        key = (first[-1].starts_at, first[-1].id)
        assert await tx.events.upcoming_published(now, 2, after=key) == expected[2:4]
        # Between two events starting at once, the id decides.
        key = (twins[0].starts_at, min(t.id for t in twins))
        assert await tx.events.upcoming_published(now, 10, after=key) == expected[3:]
        assert await tx.events.upcoming_published(now, 10, after=(later.starts_at, later.id)) == []
        # An event is no longer upcoming at the instant it ends.
        assert running not in await tx.events.upcoming_published(running.ends_at, 10)


# --- ticket types ---------------------------------------------------------------------------------


def tiered_spec(name: str = "Early bird") -> TicketTypeSpec:
    berlin = ZoneInfo("Europe/Berlin")
    return TicketTypeSpec(
        name=name,
        price=eur(4900),
        quantity=250,
        description="Rows A-F, über dem Parkett.",
        min_per_order=2,
        max_per_order=8,
        sales_start_at=datetime(2026, 3, 29, 1, 59, 59, 999999, tzinfo=berlin),
        sales_end_at=datetime(2026, 5, 31, 23, 0, tzinfo=berlin),
        hidden=True,
        tax_rate=1900,
        tiers=(
            PricingTier(
                "Super early",
                eur(2900),
                ends_at=datetime(2026, 3, 29, 3, 0, 0, 1, tzinfo=berlin),
                up_to_quantity=50,
            ),
            PricingTier(
                "Early",
                eur(3900),
                starts_at=datetime(2026, 4, 5, 2, 30, fold=1, tzinfo=ZoneInfo("Australia/Sydney")),
                ends_at=datetime(2026, 5, 1, tzinfo=UTC),
            ),
            PricingTier("Last hundred", eur(5900), up_to_quantity=150),
        ),
    )


async def test_ticket_types_read_back_whole_in_the_order_added(subject: Subject) -> None:
    event = an_event(subject.tenant)
    other_event = an_event(subject.tenant, name="Other night")
    first = a_ticket_type(event, "Standard")
    tiered = dataclasses.replace(a_ticket_type(event), spec=tiered_spec(), version=3)
    # An older id added last: the order is the order of adding, not of ids.
    last = dataclasses.replace(a_ticket_type(event, "Balcony"), id=TicketTypeId(UUID(int=1)))
    elsewhere = a_ticket_type(other_event)
    await given(subject, event, other_event, first, tiered, elsewhere, last)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.ticket_types.of_event(event.id) == [first, tiered, last]
        assert await tx.ticket_types.of_event(other_event.id) == [elsewhere]
        assert await tx.ticket_types.of_event(EventId(IDS.new())) == []
        loaded = await tx.ticket_types.get(tiered.id)
        assert await tx.ticket_types.get(TicketTypeId(IDS.new())) is None
    assert loaded == tiered
    assert loaded is not None
    assert loaded.spec.tiers[0].ends_at == datetime(2026, 3, 29, 1, 0, 0, 1, tzinfo=UTC)
    assert loaded.spec.tiers[1].starts_at == datetime(2026, 4, 4, 16, 30, tzinfo=UTC)
    assert loaded.spec.sales_start_at == datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=UTC)


async def test_saving_a_ticket_type_never_writes_sold_or_held(subject: Subject) -> None:
    event = an_event(subject.tenant)
    ticket_type = a_ticket_type(event)
    await given(subject, event, ticket_type)
    await subject.set_ticket_type_counts(ticket_type.id, sold=7, held=3)

    # Revised from a copy read before those sales: its counts (0 and 0) are not written back.
    revised = bumped(ticket_type, spec=tiered_spec(), updated_at=NOW + timedelta(days=1))
    async with subject.uow.for_tenant(subject.tenant) as tx:
        await tx.ticket_types.save(revised)
        await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.ticket_types.get(ticket_type.id) == dataclasses.replace(
            revised, sold=7, held=3
        )
    with pytest.raises(StaleVersion):
        async with subject.uow.for_tenant(subject.tenant) as tx:
            await tx.ticket_types.save(bumped(ticket_type, spec=tiered_spec("Lost")))


async def test_a_quantity_cut_below_sales_made_meanwhile_is_refused(subject: Subject) -> None:
    event = an_event(subject.tenant)
    ticket_type = a_ticket_type(event)
    await given(subject, event, ticket_type)
    await subject.set_ticket_type_counts(ticket_type.id, sold=40, held=5)
    cut = dataclasses.replace(ticket_type.spec, quantity=44)
    with pytest.raises(QuantityBelowSold) as raised:
        async with subject.uow.for_tenant(subject.tenant) as tx:
            await tx.ticket_types.save(bumped(ticket_type, spec=cut))
            await tx.commit()
    assert raised.value.field == "quantity"
    async with subject.uow.for_tenant(subject.tenant) as tx:
        await tx.ticket_types.save(bumped(ticket_type, spec=dataclasses.replace(cut, quantity=45)))
        await tx.commit()


async def test_a_ticket_type_is_deleted_only_while_nothing_is_sold_or_held(
    subject: Subject,
) -> None:
    event = an_event(subject.tenant)
    unsold, held, sold = (a_ticket_type(event, name) for name in ("Unsold", "Held", "Sold"))
    await given(subject, event, unsold, held, sold)
    await subject.set_ticket_type_counts(held.id, sold=0, held=1)
    await subject.set_ticket_type_counts(sold.id, sold=1, held=0)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        await tx.ticket_types.delete(unsold.id)
        await tx.ticket_types.delete(TicketTypeId(IDS.new()))  # gone already: nothing to do
        await tx.commit()
    for taken in (held, sold):
        # The caller read it with nothing taken; the statement sees the sale and refuses.
        with pytest.raises(TicketTypeHasSales):
            async with subject.uow.for_tenant(subject.tenant) as tx:
                await tx.ticket_types.delete(taken.id)
                await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert [t.name for t in await tx.ticket_types.of_event(event.id)] == ["Held", "Sold"]


# --- promo codes ----------------------------------------------------------------------------------


async def test_promo_codes_read_back_whole_with_either_discount(subject: Subject) -> None:
    event = an_event(subject.tenant)
    vip, standard = a_ticket_type(event, "VIP"), a_ticket_type(event, "Standard")
    percent = a_promo_code(
        event,
        "summer-26",
        discount=PercentOff(15),
        ticket_type_ids=[vip.id, standard.id],
        max_uses=100,
        valid_from=datetime(2026, 3, 8, 1, 59, 59, 999999, tzinfo=ZoneInfo("America/New_York")),
        valid_until=datetime(2026, 3, 8, 3, 0, tzinfo=ZoneInfo("America/New_York")),
    )
    amount = dataclasses.replace(
        a_promo_code(event, "FRIENDS", discount=AmountOff(eur(500))),
        id=PromoCodeId(UUID(int=2)),
        version=2,
    )
    await given(subject, event, vip, standard, percent, amount)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.promo_codes.of_event(event.id) == [percent, amount]
        assert await tx.promo_codes.get(amount.id) == amount
        loaded = await tx.promo_codes.get(percent.id)
        assert await tx.promo_codes.get(PromoCodeId(IDS.new())) is None
    assert loaded == percent
    assert loaded is not None
    assert loaded.code == "SUMMER-26"
    assert loaded.spec.ticket_type_ids == frozenset({vip.id, standard.id})
    assert loaded.spec.valid_from == datetime(2026, 3, 8, 6, 59, 59, 999999, tzinfo=UTC)
    assert loaded.spec.valid_until == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)


async def test_a_code_is_taken_once_per_event_whatever_its_case(subject: Subject) -> None:
    event, other_event = an_event(subject.tenant), an_event(subject.tenant, name="Other")
    summer = a_promo_code(event, "SUMMER")
    await given(subject, event, other_event, summer)
    with pytest.raises(Conflict) as raised:
        await given(subject, a_promo_code(event, "summer"))
    assert raised.value.field == "code"
    await given(subject, a_promo_code(other_event, "Summer"))

    winter = a_promo_code(event, "WINTER")
    await given(subject, winter)
    taken = dataclasses.replace(winter.spec, code="sUmMeR")
    with pytest.raises(Conflict) as raised:
        async with subject.uow.for_tenant(subject.tenant) as tx:
            await tx.promo_codes.save(bumped(winter, spec=taken))
            await tx.commit()
    assert raised.value.field == "code"
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert [p.code for p in await tx.promo_codes.of_event(event.id)] == ["SUMMER", "WINTER"]


async def test_saving_a_promo_code_never_writes_uses(subject: Subject) -> None:
    event = an_event(subject.tenant)
    code = a_promo_code(event, max_uses=10)
    await given(subject, event, code)
    await subject.set_promo_code_uses(code.id, 6)

    spec = dataclasses.replace(code.spec, discount=AmountOff(eur(250)), max_uses=None)
    revised = bumped(code, spec=spec, updated_at=NOW + timedelta(days=1))
    async with subject.uow.for_tenant(subject.tenant) as tx:
        await tx.promo_codes.save(revised)
        await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.promo_codes.get(code.id) == dataclasses.replace(revised, uses=6)

    with pytest.raises(MaxUsesBelowUses) as raised:
        async with subject.uow.for_tenant(subject.tenant) as tx:
            lowered = dataclasses.replace(spec, max_uses=5)
            await tx.promo_codes.save(bumped(revised, spec=lowered))
            await tx.commit()
    assert raised.value.field == "maxUses"
    with pytest.raises(StaleVersion):
        async with subject.uow.for_tenant(subject.tenant) as tx:
            await tx.promo_codes.save(revised)


async def test_a_promo_code_is_deleted(subject: Subject) -> None:
    event = an_event(subject.tenant)
    kept, dropped = a_promo_code(event, "KEPT"), a_promo_code(event, "DROPPED")
    await given(subject, event, kept, dropped)
    await subject.set_promo_code_uses(dropped.id, 3)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        await tx.promo_codes.delete(dropped.id)
        await tx.promo_codes.delete(PromoCodeId(IDS.new()))
        await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.promo_codes.of_event(event.id) == [kept]


# --- tenancy and change tags ----------------------------------------------------------------------


async def test_another_tenant_sees_and_touches_nothing(subject: Subject) -> None:
    event = an_event(subject.tenant, slug="mine", status=EventStatus.PUBLISHED)
    ticket_type, code = a_ticket_type(event), a_promo_code(event)
    await given(subject, event, ticket_type, code)
    async with subject.uow.for_tenant(subject.other) as tx:
        assert await tx.events.get(event.id) is None
        assert await tx.events.by_slug(Slug("mine")) is None
        assert (await tx.events.matching(EventFilter(), PageRequest())).items == []
        assert await tx.events.upcoming_published(NOW, 10) == []
        assert await tx.ticket_types.of_event(event.id) == []
        assert await tx.ticket_types.get(ticket_type.id) is None
        assert await tx.promo_codes.of_event(event.id) == []
        assert await tx.promo_codes.get(code.id) is None
        await tx.ticket_types.delete(ticket_type.id)
        await tx.promo_codes.delete(code.id)
        await tx.commit()
    for save in ("events", "ticket_types", "promo_codes"):
        with pytest.raises(StaleVersion):
            async with subject.uow.for_tenant(subject.other) as tx:
                row = {"events": event, "ticket_types": ticket_type, "promo_codes": code}[save]
                await getattr(tx, save).save(bumped(row))
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.events.get(event.id) == event
        assert await tx.ticket_types.of_event(event.id) == [ticket_type]
        assert await tx.promo_codes.of_event(event.id) == [code]


async def test_writes_announce_the_event_and_list_tags_at_commit(subject: Subject) -> None:
    event = an_event(subject.tenant)
    ticket_type, code = a_ticket_type(event), a_promo_code(event)
    mine, lists = event_tag(event.id), events_tag(subject.tenant)

    async def committed(*writes: tuple[str, str, object]) -> frozenset[str]:
        subject.feed.published.clear()
        async with subject.uow.for_tenant(subject.tenant) as tx:
            for repository, method, argument in writes:
                await getattr(getattr(tx, repository), method)(argument)
            await tx.commit()
        assert len(subject.feed.published) == 1
        return subject.feed.published[0]

    assert await committed(("events", "add", event)) == {mine, lists}
    assert await committed(("events", "save", bumped(event, name="Renamed"))) == {mine, lists}
    # Ticket types and promo codes show on the event's page, not in the lists.
    assert await committed(("ticket_types", "add", ticket_type)) == {mine}
    hidden = bumped(ticket_type, spec=dataclasses.replace(ticket_type.spec, hidden=True))
    assert await committed(("ticket_types", "save", hidden)) == {mine}
    assert await committed(("promo_codes", "add", code)) == {mine}
    revised = bumped(code, spec=dataclasses.replace(code.spec, max_uses=3))
    assert await committed(("promo_codes", "save", revised)) == {mine}
    assert await committed(("promo_codes", "delete", code.id)) == {mine}
    assert await committed(("ticket_types", "delete", ticket_type.id)) == {mine}

    subject.feed.published.clear()
    async with subject.uow.for_tenant(subject.tenant) as tx:  # rolled back: nothing to tell
        await tx.events.add(an_event(subject.tenant, name="Never"))
    assert subject.feed.published == []


# --- PostgreSQL only: row level security, concurrency ---------------------------------------------


async def test_row_level_security_hides_event_rows_from_another_tenant(
    on_postgres: Subject,
) -> None:
    """Below the repositories (which also name the tenant): the app role, in a transaction
    set to another tenant, neither reads these rows nor writes rows for the first tenant."""
    subject = on_postgres
    event = an_event(subject.tenant)
    ticket_type, code = a_ticket_type(event), a_promo_code(event)
    await given(subject, event, ticket_type, code)
    connection = await asyncpg.connect(app_dsn(subject.database_url))
    try:
        for tenant, visible in ((subject.other, 0), (subject.tenant, 1)):
            async with connection.transaction():
                await connection.execute(
                    "SELECT set_config('app.organization_id', $1, true)", str(tenant)
                )
                for table, row_id in (
                    ("events", event.id),
                    ("ticket_types", ticket_type.id),
                    ("promo_codes", code.id),
                ):
                    count = await connection.fetchval(
                        f"SELECT count(*) FROM {table} WHERE id = $1", row_id
                    )
                    assert count == visible, table
        async with connection.transaction():
            await connection.execute(
                "SELECT set_config('app.organization_id', $1, true)", str(subject.other)
            )
            for table, row_id in (
                ("events", event.id),
                ("ticket_types", ticket_type.id),
                ("promo_codes", code.id),
            ):
                deleted = await connection.execute(f"DELETE FROM {table} WHERE id = $1", row_id)
                assert deleted == "DELETE 0", table
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with connection.transaction():
                await connection.execute(
                    "SELECT set_config('app.organization_id', $1, true)", str(subject.other)
                )
                await connection.execute(
                    "INSERT INTO promo_codes (organization_id, id, event_id, code, "
                    "discount_percent, created_at, updated_at) "
                    "VALUES ($1, $2, $3, 'SNEAKY', 5, now(), now())",
                    subject.tenant,
                    IDS.new(),
                    event.id,
                )
    finally:
        await connection.close()


async def test_a_hold_committed_while_the_delete_waits_stops_the_delete(
    on_postgres: Subject,
) -> None:
    """The race a read-then-delete loses: a checkout holds a ticket (its transaction still open,
    the row locked) when the delete runs; the hold commits while the delete waits for the row.
    The delete's own condition, re-checked on the committed row, refuses it."""
    subject = on_postgres
    event = an_event(subject.tenant)
    ticket_type = a_ticket_type(event)
    await given(subject, event, ticket_type)
    checkout = await asyncpg.connect(raw_dsn(subject.database_url))
    watcher = await asyncpg.connect(raw_dsn(subject.database_url))
    try:
        holding = checkout.transaction()
        await holding.start()
        await checkout.execute(
            "SELECT set_config('app.organization_id', $1, true)", str(subject.tenant)
        )
        await checkout.execute("UPDATE ticket_types SET held = 2 WHERE id = $1", ticket_type.id)

        async def delete() -> None:
            async with subject.uow.for_tenant(subject.tenant) as tx:
                await tx.ticket_types.delete(ticket_type.id)
                await tx.commit()

        deleting = asyncio.create_task(delete())
        await _until_blocked_by(watcher, await checkout.fetchval("SELECT pg_backend_pid()"))
        await holding.commit()
        with pytest.raises(TicketTypeHasSales):
            await deleting
    finally:
        await checkout.close()
        await watcher.close()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        kept = await tx.ticket_types.get(ticket_type.id)
    assert kept is not None
    assert kept.held == 2


async def _until_blocked_by(watcher: asyncpg.Connection, pid: int) -> None:
    """Return once some backend waits on a lock ``pid`` holds; fail after 10 s."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        waiting = await watcher.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))", pid
        )
        if waiting:
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the delete never waited for the held row")
