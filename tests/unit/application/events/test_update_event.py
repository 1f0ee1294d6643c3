"""UpdateEvent: a partial update where an absent part stays, merged schedules, optimistic
versions, audited from and to; another tenant's event is not found."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tests.unit.application.events.conftest import ENDS, STARTS, EventsKit

from ticketbase.adapters.memory.system import FixedClock
from ticketbase.application.context import Actor
from ticketbase.application.events.update_event import UpdateEventCommand
from ticketbase.domain.events.errors import (
    CapacityBelowSold,
    EventNotFound,
    EventSlugLocked,
    ScheduleExcludesTicketTypes,
)
from ticketbase.domain.events.venue import Venue
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.shared.errors import Conflict, RuleViolated, StaleVersion
from ticketbase.domain.shared.values import Slug

pytestmark = pytest.mark.anyio

LATER_END = datetime(2026, 6, 2, 2, 0, tzinfo=UTC)


async def test_only_the_parts_sent_change(
    kit: EventsKit, clock: FixedClock, acme: Organization, owner: Actor
) -> None:
    event = await kit.event(owner, capacity=500, metadata={"genre": "techno"})
    clock.advance(minutes=5)

    updated = await kit.update_event(UpdateEventCommand(event.id, name="Winter Festival"), owner)

    stored = kit.stored_event(acme.id, event.id)
    assert stored == updated
    assert (stored.name, stored.slug, stored.capacity, stored.metadata) == (
        "Winter Festival",
        Slug("summer-festival"),
        500,
        {"genre": "techno"},
    )
    assert (stored.version, stored.updated_at) == (2, clock.now())


async def test_none_clears_what_is_optional(
    kit: EventsKit, acme: Organization, owner: Actor
) -> None:
    event = await kit.event(owner, capacity=500, metadata={"genre": "techno"})

    await kit.update_event(UpdateEventCommand(event.id, capacity=None, metadata=None), owner)

    stored = kit.stored_event(acme.id, event.id)
    assert (stored.capacity, stored.metadata) == (None, {})


async def test_schedule_parts_are_merged_into_the_events_schedule(
    kit: EventsKit, acme: Organization, owner: Actor
) -> None:
    event = await kit.event(owner, sales_start_at=datetime(2026, 5, 2, tzinfo=UTC))

    await kit.update_event(UpdateEventCommand(event.id, ends_at=LATER_END), owner)

    schedule = kit.stored_event(acme.id, event.id).schedule
    assert (schedule.starts_at, schedule.ends_at, schedule.timezone) == (
        STARTS,
        LATER_END,
        "Europe/Berlin",
    )
    assert schedule.sales_start_at == datetime(2026, 5, 2, tzinfo=UTC)


async def test_a_merged_schedule_is_checked_whole(kit: EventsKit, owner: Actor) -> None:
    event = await kit.event(owner)

    with pytest.raises(RuleViolated) as caught:
        await kit.update_event(
            UpdateEventCommand(event.id, starts_at=datetime(2026, 6, 2, tzinfo=UTC)), owner
        )

    assert caught.value.field == "endsAt"


async def test_the_update_is_audited_from_and_to(
    kit: EventsKit, acme: Organization, owner: Actor
) -> None:
    event = await kit.event(owner)
    venue = Venue(name="Club", address="Nebenstraße 2", city="Hamburg", country="DE")

    await kit.update_event(
        UpdateEventCommand(
            event.id,
            name="Winter Festival",
            ends_at=LATER_END,
            capacity=300,
            venue=venue,
            description="Changed.",
        ),
        owner,
    )

    entry = kit.audit(acme.id, "event.updated")[-1]
    assert (entry.actor_id, entry.target_id) == (owner.user_id, str(event.id))
    assert entry.changes == {
        "name": {"from": "Summer Festival", "to": "Winter Festival"},
        "endsAt": {"from": "2026-06-01T23:00:00+00:00", "to": "2026-06-02T02:00:00+00:00"},
        "capacity": {"from": None, "to": 300},
        "venue": "changed",
        "description": "changed",
    }


async def test_an_update_that_changes_nothing_bumps_nothing_and_audits_nothing(
    kit: EventsKit, acme: Organization, owner: Actor
) -> None:
    event = await kit.event(owner)

    same = await kit.update_event(
        UpdateEventCommand(event.id, name="Summer Festival", ends_at=ENDS), owner
    )

    assert same.version == kit.stored_event(acme.id, event.id).version == 1
    assert kit.actions(acme.id) == ["event.created"]


async def test_a_stale_version_is_refused(kit: EventsKit, acme: Organization, owner: Actor) -> None:
    event = await kit.event(owner)
    await kit.update_event(UpdateEventCommand(event.id, expected_version=1, name="Two"), owner)

    with pytest.raises(StaleVersion):
        await kit.update_event(UpdateEventCommand(event.id, expected_version=1, name="X"), owner)

    assert kit.stored_event(acme.id, event.id).name == "Two"
    assert kit.actions(acme.id, "event.updated") == ["event.updated"]


async def test_the_slug_of_a_published_event_is_locked(kit: EventsKit, owner: Actor) -> None:
    event = await kit.published(owner)

    with pytest.raises(EventSlugLocked):
        await kit.update_event(UpdateEventCommand(event.id, slug=Slug("other")), owner)


async def test_a_slug_taken_by_another_event_is_a_conflict(kit: EventsKit, owner: Actor) -> None:
    await kit.event(owner, "Taken")
    event = await kit.event(owner)

    with pytest.raises(Conflict) as caught:
        await kit.update_event(UpdateEventCommand(event.id, slug=Slug("taken")), owner)

    assert caught.value.field == "slug"


async def test_a_schedule_that_leaves_a_ticket_type_outside_is_refused(
    kit: EventsKit, owner: Actor
) -> None:
    event = await kit.event(owner)
    await kit.ticket_type(owner, event.id, sales_end_at=datetime(2026, 6, 1, 20, tzinfo=UTC))

    with pytest.raises(ScheduleExcludesTicketTypes):
        await kit.update_event(
            UpdateEventCommand(event.id, sales_end_at=datetime(2026, 6, 1, 19, tzinfo=UTC)),
            owner,
        )


async def test_the_capacity_cannot_go_below_the_tickets_taken(
    kit: EventsKit, acme: Organization, owner: Actor
) -> None:
    event = await kit.event(owner)
    general = await kit.ticket_type(owner, event.id)
    kit.sell(acme.id, general.ticket_type.id, sold=30, held=5)

    with pytest.raises(CapacityBelowSold):
        await kit.update_event(UpdateEventCommand(event.id, capacity=34), owner)
    await kit.update_event(UpdateEventCommand(event.id, capacity=35), owner)


async def test_another_tenants_event_is_not_found(
    kit: EventsKit, acme: Organization, owner: Actor, rival: Actor
) -> None:
    event = await kit.event(owner)

    with pytest.raises(EventNotFound):
        await kit.update_event(UpdateEventCommand(event.id, name="Hijacked"), rival)

    assert kit.stored_event(acme.id, event.id).name == "Summer Festival"


async def test_a_published_event_can_still_be_renamed(kit: EventsKit, owner: Actor) -> None:
    event = await kit.published(owner)

    updated = await kit.update_event(UpdateEventCommand(event.id, name="Renamed"), owner)

    assert (updated.name, updated.version) == ("Renamed", event.version + 1)
