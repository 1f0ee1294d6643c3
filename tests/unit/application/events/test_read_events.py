"""ListEvents and GetEvent: staff read every status of their own tenant's events; an event
view carries each ticket type's availability and current price at the clock's now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tests.unit.application.events.conftest import EventsKit

from ticketbase.adapters.memory.system import FixedClock
from ticketbase.application.context import Actor
from ticketbase.application.events.cancel_event import CancelEventCommand
from ticketbase.application.pagination import PageRequest
from ticketbase.application.ports.events import EventFilter
from ticketbase.domain.events.errors import EventNotFound
from ticketbase.domain.events.event import EventStatus
from ticketbase.domain.events.pricing import PricingTier
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.shared.values import Money, Slug

pytestmark = pytest.mark.anyio


async def test_staff_list_their_events_of_every_status_newest_first(
    kit: EventsKit, owner: Actor, rival: Actor
) -> None:
    draft = await kit.event(owner, "Draft")
    published = await kit.published(owner, "Published")
    cancelled = await kit.event(owner, "Cancelled")
    await kit.cancel_event(CancelEventCommand(cancelled.id), owner)
    await kit.event(rival, "Theirs")

    page = await kit.list_events(EventFilter(), PageRequest(), owner)

    assert [e.id for e in page.items] == [cancelled.id, published.id, draft.id]
    assert page.next_after is None


async def test_filters_and_pages_apply(kit: EventsKit, owner: Actor) -> None:
    first = await kit.published(owner, "Rock Night")
    second = await kit.published(owner, "Jazz Night")
    await kit.event(owner, "Rock Draft")

    rock = await kit.list_events(EventFilter(q="rock"), PageRequest(), owner)
    live = await kit.list_events(EventFilter(status=EventStatus.PUBLISHED), PageRequest(), owner)
    one = await kit.list_events(
        EventFilter(status=EventStatus.PUBLISHED), PageRequest(limit=1), owner
    )
    rest = await kit.list_events(
        EventFilter(status=EventStatus.PUBLISHED), PageRequest(1, one.next_after), owner
    )

    assert {e.name for e in rock.items} == {"Rock Night", "Rock Draft"}
    assert [e.id for e in live.items] == [second.id, first.id]
    assert ([e.id for e in one.items], [e.id for e in rest.items]) == ([second.id], [first.id])
    assert rest.next_after is None


async def test_get_event_finds_a_draft_by_id_or_slug_as_an_id_a_slug_or_text(
    kit: EventsKit, owner: Actor
) -> None:
    event = await kit.event(owner)

    for reference in (event.id, event.slug, str(event.id), "summer-festival"):
        view = await kit.get_event(reference, owner)
        assert view.event.id == event.id


async def test_a_slug_that_reads_like_an_id_is_still_found_by_slug(
    kit: EventsKit, owner: Actor
) -> None:
    uuid_like = "01900000-0000-7000-8000-0000000000ff"
    event = await kit.event(owner, slug=Slug(uuid_like))

    assert (await kit.get_event(uuid_like, owner)).event.id == event.id


@pytest.mark.parametrize("reference", ["no-such-event", "Not A Slug", ""])
async def test_unknown_references_are_not_found(
    kit: EventsKit, owner: Actor, reference: str
) -> None:
    await kit.event(owner)

    with pytest.raises(EventNotFound):
        await kit.get_event(reference, owner)


async def test_another_tenants_event_is_not_found_by_id_or_slug(
    kit: EventsKit, owner: Actor, rival: Actor
) -> None:
    event = await kit.event(owner, "Secret Party")

    for reference in (event.id, str(event.id), event.slug, "secret-party"):
        with pytest.raises(EventNotFound):
            await kit.get_event(reference, rival)


async def test_the_view_carries_availability_bounded_by_capacity_and_current_prices(
    kit: EventsKit, clock: FixedClock, acme: Organization, owner: Actor
) -> None:
    event = await kit.event(owner, capacity=100)
    early = PricingTier("Early bird", Money(1500, "EUR"), ends_at=clock.now() + timedelta(days=1))
    general = await kit.ticket_type(owner, event.id, quantity=80, tiers=[early])
    vip = await kit.ticket_type(owner, event.id, "VIP", price=Money(9000, "EUR"), quantity=50)
    kit.sell(acme.id, general.ticket_type.id, sold=60, held=10)

    view = await kit.get_event(event.id, owner)

    assert [(t.ticket_type.name, t.available, t.current_price) for t in view.ticket_types] == [
        ("General", 10, Money(1500, "EUR")),
        ("VIP", 30, Money(9000, "EUR")),
    ]
    assert (view.ticket_types[0].ticket_type.sold, view.ticket_types[0].ticket_type.held) == (
        60,
        10,
    )
    assert vip.available == 50  # when it was added, nothing was sold yet

    clock.current = datetime(2026, 5, 3, tzinfo=UTC)
    later = await kit.get_event(event.id, owner)
    assert later.ticket_types[0].current_price == Money(2500, "EUR")
