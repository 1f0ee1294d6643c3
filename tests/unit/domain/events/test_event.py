"""The Event aggregate: creation, slugs, partial updates, the status machine and the door to
its ticket types."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ticketbase.domain.events.domain_events import EventCancelled, EventPublished
from ticketbase.domain.events.errors import (
    CapacityBelowSold,
    EventIsArchived,
    EventIsCancelled,
    EventNotArchivable,
    EventNotPublishable,
    EventSlugLocked,
    SalesWindowOutsideEvent,
    ScheduleExcludesTicketTypes,
    TicketTypeHasSales,
    TicketTypeNotFound,
)
from ticketbase.domain.events.event import (
    KEEP,
    MAX_CAPACITY,
    Event,
    EventStatus,
    derive_slug,
)
from ticketbase.domain.events.ticket_type import TicketType
from ticketbase.domain.shared.errors import Conflict, RuleViolated, StaleVersion
from ticketbase.domain.shared.values import CurrencyMismatch, Money, Slug

from .builders import (
    CURRENCY,
    ENDS,
    EVENT_ID,
    NOW,
    ORGANIZATION,
    OTHER_EVENT_ID,
    STARTS,
    a_schedule,
    a_spec,
    a_ticket_type,
    a_venue,
    an_event,
    ticket_type_id,
)

LATER = NOW + timedelta(hours=1)
AFTER_THE_END = ENDS + timedelta(days=1)
DAY = timedelta(days=1)


def snapshot(event: Event) -> tuple[object, ...]:
    return tuple(getattr(event, f.name) for f in dataclasses.fields(event))


def published_event(**overrides: object) -> Event:
    event = an_event(**overrides)
    event.publish(now=NOW, ticket_types=[a_ticket_type()])
    return event


def cancelled_event(**overrides: object) -> Event:
    event = published_event(**overrides)
    event.cancel(now=NOW)
    return event


def archived_event() -> Event:
    event = cancelled_event()
    event.archive(now=NOW)
    return event


class TestCreate:
    def test_makes_a_draft_at_version_one(self) -> None:
        event = an_event()
        assert event.status is EventStatus.DRAFT
        assert (event.version, event.created_at, event.updated_at) == (1, NOW, NOW)
        assert (event.starts_at, event.ends_at, event.timezone) == (STARTS, ENDS, "Europe/Vienna")
        assert (event.sales_start_at, event.sales_end_at) == (None, None)
        assert event.published_at is None
        assert event.metadata == {}
        assert event.capacity is None

    def test_derives_the_slug_from_the_name_when_none_is_given(self) -> None:
        assert an_event(name="Spring Gala 2026").slug == Slug("spring-gala-2026")
        assert an_event(slug=Slug("gala")).slug == Slug("gala")

    def test_cleans_whitespace_in_the_name(self) -> None:
        assert an_event(name="  Spring \n Gala ").name == "Spring Gala"

    @pytest.mark.parametrize("name", ["", "  ", "x" * 201])
    def test_refuses_an_empty_or_too_long_name(self, name: str) -> None:
        with pytest.raises(RuleViolated) as caught:
            an_event(name=name)
        assert caught.value.field == "name"

    def test_refuses_a_description_over_the_limit(self) -> None:
        assert an_event(description="").description == ""
        with pytest.raises(RuleViolated) as caught:
            an_event(description="x" * 20_001)
        assert caught.value.field == "description"

    @pytest.mark.parametrize("capacity", [0, -5, MAX_CAPACITY + 1])
    def test_a_capacity_is_positive(self, capacity: int) -> None:
        with pytest.raises(RuleViolated) as caught:
            an_event(capacity=capacity)
        assert caught.value.field == "capacity"

    def test_keeps_checked_metadata(self) -> None:
        assert an_event(metadata={"dress": "black tie"}).metadata == {"dress": "black tie"}
        with pytest.raises(RuleViolated) as caught:
            an_event(metadata=["not", "an", "object"])
        assert caught.value.field == "metadata"


class TestDeriveSlug:
    @pytest.mark.parametrize(
        ("name", "slug"),
        [
            ("Spring Gala 2026", "spring-gala-2026"),
            ("Straße & Café Ølstue", "strasse-cafe-olstue"),
            ("  --Hello__World--  ", "hello-world"),
            ("Rock'n'Roll!!!", "rock-n-roll"),
            ("東京ライブ", "event"),
            ("", "event"),
        ],
    )
    def test_examples(self, name: str, slug: str) -> None:
        assert derive_slug(name) == Slug(slug)

    def test_a_long_name_is_cut_without_a_trailing_hyphen(self) -> None:
        slug = derive_slug("a" * 63 + " b")
        assert slug.value == "a" * 63

    @given(st.text(max_size=120))
    def test_any_name_gives_a_valid_slug_and_deriving_again_changes_nothing(
        self, name: str
    ) -> None:
        slug = derive_slug(name)  # Slug() itself refuses anything off the API pattern
        assert len(slug.value) <= 64
        assert derive_slug(slug.value) == slug


class TestUpdate:
    def test_changes_the_given_parts_and_keeps_the_rest(self) -> None:
        event = an_event(capacity=500)
        venue = a_venue(city="Graz")
        assert event.update(now=LATER, ticket_types=[], name="Summer Gala", venue=venue)
        assert (event.name, event.venue, event.capacity) == ("Summer Gala", venue, 500)
        assert event.slug == Slug("spring-gala")  # a slug does not follow the name
        assert (event.version, event.updated_at, event.created_at) == (2, LATER, NOW)

    def test_none_clears_the_capacity_keep_leaves_it(self) -> None:
        event = an_event(capacity=500)
        event.update(now=LATER, ticket_types=[], capacity=KEEP)
        assert event.capacity == 500
        event.update(now=LATER, ticket_types=[], capacity=None)
        assert event.capacity is None

    def test_an_update_that_changes_nothing_is_no_change(self) -> None:
        event = an_event(metadata={"a": 1})
        same = {
            "name": "Spring Gala",
            "slug": Slug("spring-gala"),
            "description": "An evening of music.",
            "venue": a_venue(),
            "schedule": a_schedule(),
            "capacity": None,
            "metadata": {"a": 1},
        }
        assert event.update(now=LATER, ticket_types=[], **same) is False  # type: ignore[arg-type]
        assert (event.version, event.updated_at) == (1, NOW)

    def test_a_stale_expected_version_is_refused(self) -> None:
        event = an_event()
        with pytest.raises(StaleVersion):
            event.update(now=LATER, ticket_types=[], expected_version=2, name="Other")
        assert event.name == "Spring Gala"

    def test_a_failed_update_changes_nothing(self) -> None:
        event = an_event()
        before = snapshot(event)
        with pytest.raises(RuleViolated):
            event.update(now=LATER, ticket_types=[], name="Fine", capacity=0)
        assert snapshot(event) == before

    def test_the_slug_of_a_draft_may_change(self) -> None:
        event = an_event()
        event.update(now=LATER, ticket_types=[], slug=Slug("gala-2026"))
        assert event.slug == Slug("gala-2026")

    @pytest.mark.parametrize("make", [published_event, cancelled_event])
    def test_the_slug_is_stable_once_published(self, make: object) -> None:
        event = make()  # type: ignore[operator]
        with pytest.raises(EventSlugLocked) as caught:
            event.update(now=LATER, ticket_types=[], slug=Slug("other"))
        assert caught.value.code == "event_slug_locked"
        assert caught.value.field == "slug"
        assert event.slug == Slug("spring-gala")
        # Sending the same slug along with other changes is fine.
        assert event.update(now=LATER, ticket_types=[], slug=Slug("spring-gala"), name="New")

    def test_an_archived_event_changes_no_more(self) -> None:
        event = archived_event()
        with pytest.raises(EventIsArchived) as caught:
            event.update(now=LATER, ticket_types=[], description="Afterwards")
        assert caught.value.code == "event_archived"
        assert event.update(now=LATER, ticket_types=[], name=event.name) is False

    def test_a_cancelled_event_keeps_its_times_but_takes_other_changes(self) -> None:
        event = cancelled_event()
        new_times = a_schedule(starts_at=STARTS + DAY, ends_at=ENDS + DAY)
        with pytest.raises(EventIsCancelled) as caught:
            event.update(now=LATER, ticket_types=[], schedule=new_times)
        assert caught.value.code == "event_cancelled"
        with pytest.raises(EventIsCancelled):
            event.update(now=LATER, ticket_types=[], schedule=a_schedule(timezone="Europe/Berlin"))
        assert event.schedule == a_schedule()
        assert event.update(now=LATER, ticket_types=[], description="Cancelled: refunds follow.")

    def test_a_published_event_may_be_rescheduled(self) -> None:
        event = published_event()
        event.update(
            now=LATER,
            ticket_types=[],
            schedule=a_schedule(starts_at=STARTS + DAY, ends_at=ENDS + DAY),
        )
        assert event.starts_at == STARTS + DAY

    def test_a_schedule_must_keep_the_ticket_types_inside_its_sales_window(self) -> None:
        event = an_event()
        selling_late = a_ticket_type(spec=a_spec(sales_end_at=ENDS))
        with pytest.raises(ScheduleExcludesTicketTypes) as caught:
            event.update(
                now=LATER, ticket_types=[selling_late], schedule=a_schedule(sales_end_at=STARTS)
            )
        assert caught.value.code == "schedule_excludes_ticket_types"
        assert isinstance(caught.value, Conflict)
        assert event.schedule == a_schedule()
        # A ticket type of another event is no concern of this one.
        elsewhere = a_ticket_type(event_id=OTHER_EVENT_ID, spec=a_spec(sales_end_at=ENDS))
        event.update(now=LATER, ticket_types=[elsewhere], schedule=a_schedule(sales_end_at=STARTS))
        assert event.sales_end_at == STARTS

    def test_the_capacity_stays_at_least_what_is_sold_and_held(self) -> None:
        event = an_event(capacity=100)
        ticket_types = [a_ticket_type(1, sold=30, held=5), a_ticket_type(2, sold=10)]
        with pytest.raises(CapacityBelowSold) as caught:
            event.update(now=LATER, ticket_types=ticket_types, capacity=44)
        assert caught.value.field == "capacity"
        assert caught.value.code == "capacity_below_sold"
        assert event.capacity == 100
        event.update(now=LATER, ticket_types=ticket_types, capacity=45)
        assert event.capacity == 45


class TestPublish:
    def test_publishes_a_draft_with_a_visible_ticket_type_and_announces_it(self) -> None:
        event = an_event()
        announced = event.publish(
            now=LATER, ticket_types=[a_ticket_type(1, spec=a_spec(hidden=True)), a_ticket_type(2)]
        )
        assert announced == EventPublished(ORGANIZATION, EVENT_ID, LATER)
        assert event.status is EventStatus.PUBLISHED
        assert (event.published_at, event.version, event.updated_at) == (LATER, 2, LATER)

    @pytest.mark.parametrize(
        "ticket_types",
        [
            [],
            [a_ticket_type(spec=a_spec(hidden=True))],
            [a_ticket_type(event_id=OTHER_EVENT_ID)],
        ],
    )
    def test_needs_a_visible_ticket_type_of_its_own(self, ticket_types: list[TicketType]) -> None:
        event = an_event()
        with pytest.raises(EventNotPublishable) as caught:
            event.publish(now=LATER, ticket_types=ticket_types)
        assert caught.value.code == "event_not_publishable"
        assert isinstance(caught.value, Conflict)
        assert (event.status, event.version) == (EventStatus.DRAFT, 1)

    def test_an_event_that_is_over_is_not_published(self) -> None:
        event = an_event()
        with pytest.raises(EventNotPublishable):
            event.publish(now=ENDS, ticket_types=[a_ticket_type()])

    def test_publishing_again_changes_and_announces_nothing(self) -> None:
        event = published_event()
        assert event.publish(now=LATER, ticket_types=[a_ticket_type()]) is None
        assert (event.published_at, event.version) == (NOW, 2)

    def test_a_cancelled_event_is_never_published(self) -> None:
        event = cancelled_event()
        with pytest.raises(EventIsCancelled):
            event.publish(now=LATER, ticket_types=[a_ticket_type()])
        assert event.status is EventStatus.CANCELLED

    def test_an_archived_event_is_never_published(self) -> None:
        event = archived_event()
        with pytest.raises(EventIsArchived):
            event.publish(now=LATER, ticket_types=[a_ticket_type()])

    def test_a_stale_version_is_refused(self) -> None:
        with pytest.raises(StaleVersion):
            an_event().publish(now=LATER, ticket_types=[a_ticket_type()], expected_version=7)


class TestCancel:
    @pytest.mark.parametrize("make", [an_event, published_event])
    def test_cancels_a_draft_or_published_event_and_announces_it(self, make: object) -> None:
        event = make()  # type: ignore[operator]
        version = event.version
        assert event.cancel(now=LATER) == EventCancelled(ORGANIZATION, EVENT_ID, LATER)
        assert (event.status, event.cancelled_at) == (EventStatus.CANCELLED, LATER)
        assert event.version == version + 1

    def test_cancelling_again_changes_and_announces_nothing(self) -> None:
        event = cancelled_event()
        version = event.version
        assert event.cancel(now=LATER) is None
        assert (event.cancelled_at, event.version) == (NOW, version)

    def test_an_archived_event_is_not_cancelled(self) -> None:
        with pytest.raises(EventIsArchived):
            archived_event().cancel(now=LATER)


class TestArchive:
    @pytest.mark.parametrize("make", [an_event, published_event])
    def test_not_before_the_end(self, make: object) -> None:
        event = make()  # type: ignore[operator]
        with pytest.raises(EventNotArchivable) as caught:
            event.archive(now=ENDS - timedelta(seconds=1))
        assert caught.value.code == "event_not_archivable"
        assert event.status is not EventStatus.ARCHIVED

    @pytest.mark.parametrize("make", [an_event, published_event])
    def test_from_the_end_on(self, make: object) -> None:
        event = make()  # type: ignore[operator]
        assert event.archive(now=ENDS) is True
        assert (event.status, event.archived_at) == (EventStatus.ARCHIVED, ENDS)

    def test_a_cancelled_event_any_time(self) -> None:
        event = cancelled_event()
        assert event.archive(now=LATER) is True
        assert event.status is EventStatus.ARCHIVED

    def test_archiving_again_changes_nothing(self) -> None:
        event = archived_event()
        version = event.version
        assert event.archive(now=AFTER_THE_END) is False
        assert event.version == version


ALLOWED = {
    (EventStatus.DRAFT, EventStatus.PUBLISHED),
    (EventStatus.DRAFT, EventStatus.CANCELLED),
    (EventStatus.DRAFT, EventStatus.ARCHIVED),
    (EventStatus.PUBLISHED, EventStatus.CANCELLED),
    (EventStatus.PUBLISHED, EventStatus.ARCHIVED),
    (EventStatus.CANCELLED, EventStatus.ARCHIVED),
}
actions = st.lists(
    st.tuples(
        st.sampled_from(["publish", "cancel", "archive", "reschedule", "hide_all"]),
        st.integers(min_value=0, max_value=60),  # days after NOW
    ),
    max_size=12,
)


@given(actions)
def test_the_status_moves_only_along_the_machine_and_every_change_counts_once(
    steps: list[tuple[str, int]],
) -> None:
    event = an_event()
    ticket_types = [a_ticket_type()]
    changes = 0
    published = False
    for action, days in steps:
        at = NOW + timedelta(days=days)
        before = (event.status, event.version)
        try:
            if action == "publish":
                changed = event.publish(now=at, ticket_types=ticket_types) is not None
            elif action == "cancel":
                changed = event.cancel(now=at) is not None
            elif action == "archive":
                changed = event.archive(now=at)
            elif action == "reschedule":
                moved = a_schedule(
                    starts_at=STARTS + timedelta(days=days), ends_at=ENDS + timedelta(days=days)
                )
                changed = event.update(now=at, ticket_types=ticket_types, schedule=moved)
            else:
                ticket_types = [a_ticket_type(spec=a_spec(hidden=True))]
                changed = False
        except (Conflict, RuleViolated):
            assert (event.status, event.version) == before
            continue
        changes += changed
        published = published or (action == "publish" and changed)
        if event.status is not before[0]:
            assert (before[0], event.status) in ALLOWED
        if event.status is EventStatus.ARCHIVED and before[0] is not EventStatus.ARCHIVED:
            assert before[0] is EventStatus.CANCELLED or at >= event.ends_at
        if event.status is EventStatus.PUBLISHED and before[0] is EventStatus.DRAFT:
            assert at < event.ends_at
            assert any(not t.hidden for t in ticket_types)
        assert event.version == 1 + changes
        # Nothing un-publishes: the publication time stays once set, and only then.
        assert (event.published_at is not None) is published


class TestTicketTypes:
    def test_adds_a_ticket_type_to_the_event(self) -> None:
        ticket_type = an_event().add_ticket_type(
            id=ticket_type_id(1), spec=a_spec(), currency=CURRENCY, now=LATER
        )
        assert (ticket_type.event_id, ticket_type.sold, ticket_type.held) == (EVENT_ID, 0, 0)
        assert (ticket_type.version, ticket_type.created_at) == (1, LATER)

    def test_prices_are_in_the_organizations_currency(self) -> None:
        with pytest.raises(CurrencyMismatch) as caught:
            an_event().add_ticket_type(
                id=ticket_type_id(1),
                spec=a_spec(price=Money(2500, "USD")),
                currency=CURRENCY,
                now=LATER,
            )
        assert caught.value.field == "price"

    def test_its_sales_window_lies_within_the_events(self) -> None:
        event = an_event(schedule=a_schedule(sales_end_at=STARTS))
        with pytest.raises(SalesWindowOutsideEvent):
            event.add_ticket_type(
                id=ticket_type_id(1), spec=a_spec(sales_end_at=ENDS), currency=CURRENCY, now=LATER
            )

    @pytest.mark.parametrize(
        ("make", "error"), [(cancelled_event, EventIsCancelled), (archived_event, EventIsArchived)]
    )
    def test_a_cancelled_or_archived_event_takes_no_ticket_type_change(
        self, make: object, error: type[Exception]
    ) -> None:
        event = make()  # type: ignore[operator]
        ticket_type = a_ticket_type()
        with pytest.raises(error):
            event.add_ticket_type(id=ticket_type_id(2), spec=a_spec(), currency=CURRENCY, now=LATER)
        with pytest.raises(error):
            event.revise_ticket_type(ticket_type, a_spec(name="VIP"), currency=CURRENCY, now=LATER)
        with pytest.raises(error):
            event.check_ticket_type_removable(ticket_type)
        assert ticket_type.name == "Standard"

    def test_revises_its_own_ticket_type(self) -> None:
        event = published_event()
        ticket_type = a_ticket_type()
        assert event.revise_ticket_type(
            ticket_type, a_spec(name="VIP"), currency=CURRENCY, now=LATER
        )
        assert ticket_type.name == "VIP"

    def test_a_ticket_type_of_another_event_is_not_found(self) -> None:
        foreign = a_ticket_type(event_id=OTHER_EVENT_ID)
        with pytest.raises(TicketTypeNotFound):
            an_event().revise_ticket_type(foreign, a_spec(name="VIP"), currency=CURRENCY, now=LATER)
        with pytest.raises(TicketTypeNotFound):
            an_event().check_ticket_type_removable(foreign)

    def test_a_ticket_type_with_sales_is_not_removed(self) -> None:
        event = published_event()
        event.check_ticket_type_removable(a_ticket_type())
        with pytest.raises(TicketTypeHasSales):
            event.check_ticket_type_removable(a_ticket_type(held=2))


class TestOnSale:
    def test_only_a_published_event_within_its_sales_window(self) -> None:
        schedule = a_schedule(sales_start_at=LATER)
        assert not an_event(schedule=schedule).is_on_sale(LATER)
        event = published_event(schedule=schedule)
        assert not event.is_on_sale(NOW)
        assert event.is_on_sale(LATER)
        assert event.is_on_sale(ENDS - timedelta(microseconds=1))
        assert not event.is_on_sale(ENDS)
        event.cancel(now=LATER)
        assert not event.is_on_sale(LATER)

    def test_a_ticket_type_sells_within_its_own_window(self) -> None:
        event = published_event()
        late = a_ticket_type(spec=a_spec(sales_start_at=STARTS - DAY))
        assert not event.sells(late, NOW)
        assert event.sells(late, STARTS - DAY)
        assert not event.sells(a_ticket_type(event_id=OTHER_EVENT_ID), LATER)


def test_domain_events_are_frozen_and_named_for_the_outbox() -> None:
    published = EventPublished(ORGANIZATION, EVENT_ID, NOW)
    with pytest.raises(dataclasses.FrozenInstanceError):
        published.at = LATER  # type: ignore[misc]
    assert (EventPublished.name, EventCancelled.name) == ("event_published", "event_cancelled")
    assert EventCancelled(ORGANIZATION, EVENT_ID, NOW) != EventCancelled(
        ORGANIZATION, EVENT_ID, LATER
    )
