"""Schedules: aware instants kept in UTC without a shift, IANA zones, the order of the times,
and daylight-saving changes in three zones."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ticketbase.domain.events.schedule import SalesWindow, Schedule, as_utc
from ticketbase.domain.shared.errors import RuleViolated

from .builders import ENDS, NOW, STARTS, a_schedule, an_event

HOUR = timedelta(hours=1)


class TestInstants:
    def test_a_naive_time_is_refused(self) -> None:
        with pytest.raises(RuleViolated) as caught:
            a_schedule(starts_at=datetime(2026, 6, 1, 18, 0))
        assert caught.value.field == "startsAt"

    @pytest.mark.parametrize("field", ["ends_at", "sales_start_at", "sales_end_at"])
    def test_every_time_must_be_aware(self, field: str) -> None:
        with pytest.raises(RuleViolated) as caught:
            a_schedule(**{field: datetime(2026, 5, 20, 18, 0)})
        camel = {"ends_at": "endsAt", "sales_start_at": "salesStartAt"}
        assert caught.value.field == camel.get(field, "salesEndAt")

    def test_an_offset_time_is_kept_as_the_same_instant_in_utc(self) -> None:
        vienna_summer = timezone(timedelta(hours=2))
        schedule = a_schedule(
            starts_at=datetime(2026, 6, 1, 20, 0, tzinfo=vienna_summer),
            ends_at=datetime(2026, 6, 2, 1, 0, tzinfo=vienna_summer),
        )
        assert schedule.starts_at == STARTS
        assert schedule.starts_at.tzinfo is UTC
        assert schedule.ends_at == ENDS
        assert schedule.ends_at.tzinfo is UTC

    @given(
        st.datetimes(
            min_value=datetime(2000, 1, 1),
            max_value=datetime(2090, 1, 1),
            timezones=st.sampled_from(
                [ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York"), UTC]
            ),
        )
    )
    def test_as_utc_never_shifts_an_instant(self, at: datetime) -> None:
        stored = as_utc(at, field="startsAt")
        # Compared as POSIX instants: PEP 495 makes ``==`` between zones False for any time in
        # a repeated (fall-back) hour, even when both name the same instant.
        assert stored.timestamp() == at.timestamp()
        assert stored.utcoffset() == timedelta(0)


class TestTimezone:
    @pytest.mark.parametrize("name", ["Europe/Vienna", "America/New_York", "UTC", "Asia/Kolkata"])
    def test_accepts_a_zone_of_the_database(self, name: str) -> None:
        assert a_schedule(timezone=name).timezone == name

    @pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "utc", "", "Europe/Vienna ", "+02:00"])
    def test_refuses_what_is_not_an_iana_zone(self, name: str) -> None:
        with pytest.raises(RuleViolated) as caught:
            a_schedule(timezone=name)
        assert caught.value.field == "timezone"


class TestOrder:
    @pytest.mark.parametrize("ends_at", [STARTS, STARTS - HOUR])
    def test_an_event_ends_after_it_starts(self, ends_at: datetime) -> None:
        with pytest.raises(RuleViolated) as caught:
            a_schedule(ends_at=ends_at)
        assert caught.value.field == "endsAt"

    def test_sales_start_before_they_end(self) -> None:
        with pytest.raises(RuleViolated) as caught:
            a_schedule(sales_start_at=NOW, sales_end_at=NOW)
        assert caught.value.field == "salesStartAt"

    def test_sales_do_not_end_after_the_event(self) -> None:
        with pytest.raises(RuleViolated) as caught:
            a_schedule(sales_end_at=ENDS + timedelta(seconds=1))
        assert caught.value.field == "salesEndAt"

    def test_sales_may_end_with_the_event_or_during_it(self) -> None:
        assert a_schedule(sales_end_at=ENDS).sales_window.end == ENDS
        assert a_schedule(sales_end_at=STARTS + HOUR).sales_window.end == STARTS + HOUR

    def test_sales_without_an_end_cannot_start_once_the_event_is_over(self) -> None:
        with pytest.raises(RuleViolated) as caught:
            a_schedule(sales_start_at=ENDS)
        assert caught.value.field == "salesStartAt"

    def test_the_sales_window_ends_with_the_event_by_default(self) -> None:
        schedule = a_schedule(sales_start_at=NOW)
        assert schedule.sales_window == SalesWindow(NOW, ENDS)

    def test_has_ended_from_the_end_on(self) -> None:
        schedule = a_schedule()
        assert not schedule.has_ended(ENDS - timedelta(microseconds=1))
        assert schedule.has_ended(ENDS)


class TestSalesWindow:
    def test_is_half_open(self) -> None:
        window = SalesWindow(NOW, NOW + HOUR)
        assert not window.is_open_at(NOW - timedelta(microseconds=1))
        assert window.is_open_at(NOW)
        assert not window.is_open_at(NOW + HOUR)

    def test_absent_bounds_are_open(self) -> None:
        assert SalesWindow(None, None).is_open_at(NOW)
        assert SalesWindow(None, NOW).is_open_at(NOW - HOUR)
        assert SalesWindow(NOW, None).is_open_at(NOW + 1000 * HOUR)


# Local wall times around the 2026 daylight-saving changes, with the UTC instant each names.
DST_CASES = [
    # New York springs forward 2026-03-08 02:00 EST → 03:00 EDT.
    ("America/New_York", datetime(2026, 3, 8, 1, 30), datetime(2026, 3, 8, 6, 30, tzinfo=UTC)),
    ("America/New_York", datetime(2026, 3, 8, 3, 30), datetime(2026, 3, 8, 7, 30, tzinfo=UTC)),
    # Berlin springs forward 2026-03-29 02:00 CET → 03:00 CEST.
    ("Europe/Berlin", datetime(2026, 3, 29, 1, 30), datetime(2026, 3, 29, 0, 30, tzinfo=UTC)),
    ("Europe/Berlin", datetime(2026, 3, 29, 3, 30), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
    # Sydney falls back 2026-04-05 03:00 AEDT → 02:00 AEST.
    ("Australia/Sydney", datetime(2026, 4, 5, 1, 30), datetime(2026, 4, 4, 14, 30, tzinfo=UTC)),
    ("Australia/Sydney", datetime(2026, 4, 5, 3, 30), datetime(2026, 4, 4, 17, 30, tzinfo=UTC)),
]


class TestDaylightSaving:
    @pytest.mark.parametrize(("zone", "wall", "instant"), DST_CASES)
    def test_a_local_time_is_stored_as_its_utc_instant_and_shown_back_unchanged(
        self, zone: str, wall: datetime, instant: datetime
    ) -> None:
        local = wall.replace(tzinfo=ZoneInfo(zone))
        schedule = Schedule(starts_at=local, ends_at=instant + 3 * HOUR, timezone=zone)
        assert schedule.starts_at == instant
        assert schedule.starts_at.tzinfo is UTC
        shown = schedule.local(schedule.starts_at)
        assert shown.replace(tzinfo=None) == wall
        assert shown.utcoffset() == local.utcoffset()

    @pytest.mark.parametrize(("zone", "wall", "instant"), DST_CASES)
    def test_updates_never_shift_the_stored_instants(
        self, zone: str, wall: datetime, instant: datetime
    ) -> None:
        local = wall.replace(tzinfo=ZoneInfo(zone))
        event = an_event(
            schedule=Schedule(starts_at=local, ends_at=instant + 3 * HOUR, timezone=zone)
        )
        event.update(now=NOW, ticket_types=[], name="Renamed", description="Other words")
        assert (event.starts_at, event.ends_at) == (instant, instant + 3 * HOUR)
        # Another display zone shows the same instants differently; it moves none of them.
        event.update(now=NOW, ticket_types=[], schedule=replace(event.schedule, timezone="UTC"))
        assert (event.starts_at, event.ends_at) == (instant, instant + 3 * HOUR)
        # Saving what was read (a round trip through RFC 3339 text) keeps it too.
        read_back = datetime.fromisoformat(event.starts_at.isoformat())
        event.update(
            now=NOW, ticket_types=[], schedule=replace(event.schedule, starts_at=read_back)
        )
        assert event.starts_at == instant
        assert event.version == 3  # the no-op save above changed nothing

    def test_a_night_across_the_berlin_change_lasts_its_real_duration(self) -> None:
        berlin = ZoneInfo("Europe/Berlin")
        schedule = Schedule(
            starts_at=datetime(2026, 3, 29, 1, 30, tzinfo=berlin),
            ends_at=datetime(2026, 3, 29, 3, 30, tzinfo=berlin),
            timezone="Europe/Berlin",
        )
        # Two hours on the wall clock, one hour in fact: the UTC instants say so.
        assert schedule.ends_at - schedule.starts_at == HOUR

    def test_the_repeated_sydney_hour_names_two_instants_and_both_are_kept(self) -> None:
        sydney = ZoneInfo("Australia/Sydney")
        first = datetime(2026, 4, 5, 2, 30, tzinfo=sydney)  # fold 0: still AEDT
        second = first.replace(fold=1)  # the second 02:30, AEST
        a = Schedule(starts_at=first, ends_at=first + 3 * HOUR, timezone="Australia/Sydney")
        b = Schedule(starts_at=second, ends_at=second + 3 * HOUR, timezone="Australia/Sydney")
        assert a.starts_at == datetime(2026, 4, 4, 15, 30, tzinfo=UTC)
        assert b.starts_at == datetime(2026, 4, 4, 16, 30, tzinfo=UTC)
