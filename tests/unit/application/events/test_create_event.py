"""CreateEvent: a draft of the caller's organization, a slug derived or given and unique per
organization, audited."""

from __future__ import annotations

from datetime import datetime

import pytest
from tests.unit.application.events.conftest import ENDS, STARTS, VENUE, EventsKit, event_command

from ticketbase.adapters.memory.system import FixedClock
from ticketbase.application.context import Actor
from ticketbase.domain.events.event import EventStatus
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.shared.errors import Conflict, RuleViolated
from ticketbase.domain.shared.values import Slug

pytestmark = pytest.mark.anyio


async def test_an_event_starts_as_a_draft_of_the_callers_organization(
    kit: EventsKit, clock: FixedClock, acme: Organization, owner: Actor
) -> None:
    event = await kit.create_event(event_command(capacity=500, metadata={"genre": "techno"}), owner)

    stored = kit.stored_event(acme.id, event.id)
    assert stored == event
    assert (stored.organization_id, stored.status, stored.version) == (
        acme.id,
        EventStatus.DRAFT,
        1,
    )
    assert (stored.name, stored.venue, stored.capacity, stored.metadata) == (
        "Summer Festival",
        VENUE,
        500,
        {"genre": "techno"},
    )
    assert (stored.starts_at, stored.ends_at, stored.timezone) == (STARTS, ENDS, "Europe/Berlin")
    assert stored.created_at == stored.updated_at == clock.now()


async def test_the_slug_is_derived_from_the_name_when_absent(kit: EventsKit, owner: Actor) -> None:
    event = await kit.event(owner, "Été à Köln: Open Air!")

    assert event.slug == Slug("ete-a-koln-open-air")


async def test_a_given_slug_is_kept(kit: EventsKit, owner: Actor) -> None:
    event = await kit.event(owner, slug=Slug("sf-2026"))

    assert event.slug == Slug("sf-2026")


async def test_a_taken_slug_is_a_conflict_on_slug_and_nothing_is_kept(
    kit: EventsKit, acme: Organization, owner: Actor
) -> None:
    first = await kit.event(owner)

    with pytest.raises(Conflict) as caught:
        await kit.event(owner, "Summer  festival")

    assert caught.value.field == "slug"
    assert list(kit.uow.database.state.events[acme.id]) == [first.id]
    assert kit.actions(acme.id) == ["event.created"]


async def test_slugs_are_unique_per_organization_only(
    kit: EventsKit, owner: Actor, rival: Actor
) -> None:
    ours = await kit.event(owner)
    theirs = await kit.event(rival)

    assert ours.slug == theirs.slug


async def test_the_creation_is_audited(kit: EventsKit, acme: Organization, owner: Actor) -> None:
    event = await kit.event(owner)

    [entry] = kit.audit(acme.id)
    assert (entry.action, entry.actor_id, entry.target_type, entry.target_id) == (
        "event.created",
        owner.user_id,
        "event",
        str(event.id),
    )
    assert entry.meta == owner.meta
    assert entry.changes == {
        "name": "Summer Festival",
        "slug": "summer-festival",
        "startsAt": "2026-06-01T18:00:00+00:00",
        "endsAt": "2026-06-01T23:00:00+00:00",
    }


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "  "}, "name"),
        ({"ends_at": STARTS}, "endsAt"),
        ({"starts_at": datetime(2026, 6, 1, 18, 0)}, "startsAt"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"sales_end_at": datetime(2026, 6, 2, 0, 0, tzinfo=STARTS.tzinfo)}, "salesEndAt"),
        ({"capacity": 0}, "capacity"),
        ({"metadata": {"x": float("nan")}}, "metadata"),
    ],
)
async def test_invalid_inputs_are_refused_on_their_field(
    kit: EventsKit, acme: Organization, owner: Actor, overrides: dict[str, object], field: str
) -> None:
    with pytest.raises(RuleViolated) as caught:
        await kit.create_event(event_command(**overrides), owner)

    assert caught.value.field == field
    assert kit.uow.database.state.events.get(acme.id, {}) == {}
    assert kit.audit(acme.id) == []
