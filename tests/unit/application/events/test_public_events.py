"""The storefront's reads: published events only, visible ticket types only, kept per process
until a change drops them through the change feed — and never served more than a second after
they were read, since sales move availability without telling the feed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import pytest
from tests.unit.application.events.conftest import EventsKit, spec

from ticketbase.adapters.local.cache import TaggedCache
from ticketbase.adapters.memory.system import FixedClock
from ticketbase.adapters.memory.unit_of_work import MemoryTenantTransaction, MemoryUnitOfWork
from ticketbase.application.context import Actor
from ticketbase.application.events.archive_event import ArchiveEventCommand
from ticketbase.application.events.cancel_event import CancelEventCommand
from ticketbase.application.events.get_public_event import GetPublicEvent
from ticketbase.application.events.list_public_events import ListPublicEvents
from ticketbase.application.events.publish_event import PublishEventCommand
from ticketbase.application.events.update_event import UpdateEventCommand
from ticketbase.application.events.update_ticket_type import UpdateTicketTypeCommand
from ticketbase.application.events.views import PublicTicketType
from ticketbase.application.ports.cache import event_tag, events_tag, read_record
from ticketbase.domain.events.errors import EventNotFound
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.shared.errors import RuleViolated
from ticketbase.domain.shared.ids import OrganizationId
from ticketbase.domain.shared.values import Money

pytestmark = pytest.mark.anyio

SECOND = timedelta(seconds=1)
JUST_UNDER = timedelta(milliseconds=999)


class CountingUnitOfWork:
    """The memory unit of work, counting the tenant transactions opened: a cached answer opens
    none."""

    def __init__(self, inner: MemoryUnitOfWork) -> None:
        self.inner = inner
        self.reads = 0

    @asynccontextmanager
    async def for_tenant(
        self, organization_id: OrganizationId
    ) -> AsyncIterator[MemoryTenantTransaction]:
        self.reads += 1
        async with self.inner.for_tenant(organization_id) as tx:
            yield tx


@pytest.fixture
def counting(kit: EventsKit) -> CountingUnitOfWork:
    return CountingUnitOfWork(kit.uow)


@pytest.fixture
def get_public(kit: EventsKit, counting: CountingUnitOfWork) -> GetPublicEvent:
    return GetPublicEvent(counting, TaggedCache(kit.feed.hub), kit.clock)  # type: ignore[arg-type]


@pytest.fixture
def list_public(kit: EventsKit, counting: CountingUnitOfWork) -> ListPublicEvents:
    return ListPublicEvents(counting, TaggedCache(kit.feed.hub), kit.clock)  # type: ignore[arg-type]


# --- the event page ----------------------------------------------------------------------------


async def test_a_published_event_shows_its_visible_ticket_types_only(
    kit: EventsKit, acme: Organization, owner: Actor
) -> None:
    event = await kit.event(owner, capacity=120)
    general = await kit.ticket_type(owner, event.id, min_per_order=2, max_per_order=8)
    await kit.ticket_type(owner, event.id, "Crew", hidden=True, quantity=50)
    await kit.publish_event(PublishEventCommand(event.id), owner)
    kit.sell(acme.id, general.ticket_type.id, sold=30, held=5)

    view = await kit.get_public_event(acme.id, "summer-festival")

    assert view.event.id == event.id
    assert view.ticket_types == (
        PublicTicketType(
            id=general.ticket_type.id,
            name="General",
            description="",
            current_price=Money(2500, "EUR"),
            available=65,
            min_per_order=2,
            max_per_order=8,
        ),
    )


async def test_a_draft_is_not_found(kit: EventsKit, acme: Organization, owner: Actor) -> None:
    event = await kit.event(owner)
    await kit.ticket_type(owner, event.id)

    with pytest.raises(EventNotFound):
        await kit.get_public_event(acme.id, "summer-festival")


async def test_cancelled_and_archived_events_are_not_found(
    kit: EventsKit, clock: FixedClock, acme: Organization, owner: Actor
) -> None:
    cancelled = await kit.published(owner, "Called Off")
    await kit.cancel_event(CancelEventCommand(cancelled.id), owner)
    archived = await kit.published(owner, "Long Gone")
    clock.current = datetime(2026, 6, 2, tzinfo=UTC)
    await kit.archive_event(ArchiveEventCommand(archived.id), owner)

    for slug in ("called-off", "long-gone"):
        with pytest.raises(EventNotFound):
            await kit.get_public_event(acme.id, slug)


@pytest.mark.parametrize("slug", ["nothing-here", "Summer-Festival", "", "-x", "a" * 65])
async def test_unknown_or_malformed_slugs_are_not_found(
    kit: EventsKit, acme: Organization, owner: Actor, slug: str
) -> None:
    await kit.published(owner)

    with pytest.raises(EventNotFound):
        await kit.get_public_event(acme.id, slug)


async def test_another_tenants_event_is_not_found_on_this_storefront(
    kit: EventsKit, globex: Organization, owner: Actor
) -> None:
    await kit.published(owner)

    with pytest.raises(EventNotFound):
        await kit.get_public_event(globex.id, "summer-festival")


async def test_the_event_is_read_once_then_served_from_the_cache(
    kit: EventsKit,
    acme: Organization,
    owner: Actor,
    get_public: GetPublicEvent,
    counting: CountingUnitOfWork,
) -> None:
    await kit.published(owner)

    first = await get_public(acme.id, "summer-festival")
    kit.clock.advance(milliseconds=500)
    second = await get_public(acme.id, "summer-festival")

    assert second is first
    assert counting.reads == 1


async def test_a_change_to_the_event_reaches_the_cache_at_once(
    kit: EventsKit, acme: Organization, owner: Actor, get_public: GetPublicEvent
) -> None:
    event = await kit.published(owner)
    await get_public(acme.id, "summer-festival")

    await kit.update_event(UpdateEventCommand(event.id, name="Renamed"), owner)

    assert (await get_public(acme.id, "summer-festival")).event.name == "Renamed"


async def test_a_change_to_a_ticket_type_reaches_the_cache_at_once(
    kit: EventsKit, acme: Organization, owner: Actor, get_public: GetPublicEvent
) -> None:
    event = await kit.published(owner)
    vip = await kit.ticket_type(owner, event.id, "VIP")
    assert len((await get_public(acme.id, "summer-festival")).ticket_types) == 2

    await kit.update_ticket_type(
        UpdateTicketTypeCommand(event.id, vip.ticket_type.id, spec("VIP", hidden=True)), owner
    )

    names = [t.name for t in (await get_public(acme.id, "summer-festival")).ticket_types]
    assert names == ["General"]


async def test_a_cached_absence_is_filled_by_the_publish(
    kit: EventsKit, acme: Organization, owner: Actor, get_public: GetPublicEvent
) -> None:
    event = await kit.event(owner)
    await kit.ticket_type(owner, event.id)
    with pytest.raises(EventNotFound):
        await get_public(acme.id, "summer-festival")

    await kit.publish_event(PublishEventCommand(event.id), owner)

    assert (await get_public(acme.id, "summer-festival")).event.id == event.id


async def test_a_cancellation_hides_the_cached_event_at_once(
    kit: EventsKit, acme: Organization, owner: Actor, get_public: GetPublicEvent
) -> None:
    event = await kit.published(owner)
    await get_public(acme.id, "summer-festival")

    await kit.cancel_event(CancelEventCommand(event.id), owner)

    with pytest.raises(EventNotFound):
        await get_public(acme.id, "summer-festival")


async def test_availability_is_never_served_a_second_after_it_was_read(
    kit: EventsKit,
    acme: Organization,
    owner: Actor,
    get_public: GetPublicEvent,
    counting: CountingUnitOfWork,
) -> None:
    event = await kit.published(owner)
    [general] = await kit.list_ticket_types(event.id, owner)
    assert (await get_public(acme.id, "summer-festival")).ticket_types[0].available == 100

    kit.sell(acme.id, general.ticket_type.id, sold=40)  # the feed hears nothing of sales
    kit.clock.advance(milliseconds=999)
    stale = await get_public(acme.id, "summer-festival")
    kit.clock.advance(milliseconds=1)
    fresh = await get_public(acme.id, "summer-festival")

    assert (stale.ticket_types[0].available, fresh.ticket_types[0].available) == (100, 60)
    assert counting.reads == 2


async def test_an_absence_is_not_kept_beyond_a_second_either(
    kit: EventsKit,
    acme: Organization,
    owner: Actor,
    get_public: GetPublicEvent,
    counting: CountingUnitOfWork,
) -> None:
    with pytest.raises(EventNotFound):
        await get_public(acme.id, "summer-festival")
    kit.clock.advance(seconds=1)
    with pytest.raises(EventNotFound):
        await get_public(acme.id, "summer-festival")

    assert counting.reads == 2


async def test_an_answer_built_on_the_event_stales_when_its_read_does(
    kit: EventsKit, acme: Organization, owner: Actor, get_public: GetPublicEvent
) -> None:
    event = await kit.published(owner)
    read_at = kit.clock.now()

    with read_record() as first:
        await get_public(acme.id, "summer-festival")
    kit.clock.advance(milliseconds=600)
    with read_record() as hit:
        await get_public(acme.id, "summer-festival")

    assert first.valid_until == hit.valid_until == read_at + SECOND
    assert first.tags == hit.tags == {event_tag(event.id), events_tag(acme.id)}


async def test_a_process_off_the_feed_reads_every_time(
    kit: EventsKit,
    acme: Organization,
    owner: Actor,
    get_public: GetPublicEvent,
    counting: CountingUnitOfWork,
) -> None:
    await kit.published(owner)
    kit.feed.hub.desync()

    await get_public(acme.id, "summer-festival")
    await get_public(acme.id, "summer-festival")

    assert counting.reads == 2


# --- the list ----------------------------------------------------------------------------------


async def test_the_list_shows_upcoming_published_events_soonest_first(
    kit: EventsKit, acme: Organization, owner: Actor, rival: Actor
) -> None:
    later = await kit.published(
        owner,
        "Later",
        starts_at=datetime(2026, 7, 1, 18, tzinfo=UTC),
        ends_at=datetime(2026, 7, 1, 23, tzinfo=UTC),
    )
    sooner = await kit.published(
        owner,
        "Sooner",
        starts_at=datetime(2026, 5, 10, 18, tzinfo=UTC),
        ends_at=datetime(2026, 5, 10, 23, tzinfo=UTC),
    )
    draft = await kit.event(owner, "Draft")
    await kit.ticket_type(owner, draft.id)
    cancelled = await kit.published(owner, "Cancelled")
    await kit.cancel_event(CancelEventCommand(cancelled.id), owner)
    await kit.ticket_type(owner, later.id, "Hidden", hidden=True)
    await kit.published(rival, "Theirs")

    page = await kit.list_public_events(acme.id)

    assert [v.event.id for v in page.items] == [sooner.id, later.id]
    assert [t.name for t in page.items[1].ticket_types] == ["General"]
    assert page.next_after is None


async def test_an_event_that_is_over_leaves_the_list(
    kit: EventsKit, clock: FixedClock, acme: Organization, owner: Actor
) -> None:
    await kit.published(
        owner,
        "Tonight",
        starts_at=datetime(2026, 5, 1, 18, tzinfo=UTC),
        ends_at=datetime(2026, 5, 1, 23, tzinfo=UTC),
    )
    assert len((await kit.list_public_events(acme.id)).items) == 1

    clock.current = datetime(2026, 5, 1, 23, tzinfo=UTC)

    assert (await kit.list_public_events(acme.id)).items == ()


async def test_the_list_pages_by_start_and_id(
    kit: EventsKit, acme: Organization, owner: Actor
) -> None:
    made = [await kit.published(owner, f"Night {n}") for n in range(5)]  # same start: by id

    first = await kit.list_public_events(acme.id, limit=2)
    second = await kit.list_public_events(acme.id, limit=2, after=first.next_after)
    third = await kit.list_public_events(acme.id, limit=2, after=second.next_after)

    assert first.next_after == (made[1].starts_at, made[1].id)
    assert [v.event.id for p in (first, second, third) for v in p.items] == [e.id for e in made]
    assert third.next_after is None


@pytest.mark.parametrize("limit", [0, -1, 201])
async def test_a_limit_out_of_range_is_refused(
    kit: EventsKit, acme: Organization, limit: int
) -> None:
    with pytest.raises(RuleViolated) as caught:
        await kit.list_public_events(acme.id, limit=limit)

    assert caught.value.field == "limit"


async def test_the_list_is_cached_and_a_new_publish_reaches_it_at_once(
    kit: EventsKit,
    acme: Organization,
    owner: Actor,
    list_public: ListPublicEvents,
    counting: CountingUnitOfWork,
) -> None:
    await kit.published(owner, "First")
    await list_public(acme.id)
    await list_public(acme.id)
    assert counting.reads == 1

    await kit.published(owner, "Second")

    assert [v.event.name for v in (await list_public(acme.id)).items] == ["First", "Second"]
    assert counting.reads == 2


async def test_a_change_to_a_listed_event_reaches_the_list_at_once(
    kit: EventsKit, acme: Organization, owner: Actor, list_public: ListPublicEvents
) -> None:
    event = await kit.published(owner)
    await list_public(acme.id)

    await kit.update_event(UpdateEventCommand(event.id, description="Now with fireworks."), owner)

    assert (await list_public(acme.id)).items[0].event.description == "Now with fireworks."


async def test_the_list_is_never_served_a_second_after_it_was_read(
    kit: EventsKit,
    acme: Organization,
    owner: Actor,
    list_public: ListPublicEvents,
    counting: CountingUnitOfWork,
) -> None:
    event = await kit.published(owner)
    [general] = await kit.list_ticket_types(event.id, owner)
    read_at = kit.clock.now()
    await list_public(acme.id)
    kit.sell(acme.id, general.ticket_type.id, sold=0, held=25)

    kit.clock.advance(milliseconds=999)
    with read_record() as hit:
        stale = await list_public(acme.id)
    kit.clock.advance(milliseconds=1)
    fresh = await list_public(acme.id)

    assert hit.valid_until == read_at + SECOND
    assert hit.tags == {events_tag(acme.id), event_tag(event.id)}
    assert stale.items[0].ticket_types[0].available == 100
    assert fresh.items[0].ticket_types[0].available == 75
    assert counting.reads == 2
