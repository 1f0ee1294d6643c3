"""The period of an analytics request: calendar days of the organization's zone as instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from ticketbase.application.analytics.period import DateRange, period_of
from ticketbase.domain.shared.errors import RuleViolated

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # still March 1st in New York (22:00)


def test_the_default_is_the_last_30_days_to_today_in_the_zone() -> None:
    period, first, last = period_of(DateRange(), "America/New_York", NOW)
    assert (first, last) == (date(2026, 1, 31), date(2026, 3, 1))
    assert period.start == datetime(2026, 1, 31, 5, tzinfo=UTC)
    assert period.end == datetime(2026, 3, 2, 5, tzinfo=UTC)
    assert period.timezone == "America/New_York"


def test_a_day_of_a_daylight_saving_change_is_23_hours() -> None:
    # Clocks in New York go forward on March 8th, 2026.
    period, _, _ = period_of(DateRange(date(2026, 3, 8), date(2026, 3, 8)), "America/New_York", NOW)
    assert period.end - period.start == timedelta(hours=23)
    assert period.start == datetime(2026, 3, 8, 5, tzinfo=UTC)


def test_from_alone_covers_30_days_from_it() -> None:
    _, first, last = period_of(DateRange(first=date(2026, 1, 1)), "UTC", NOW)
    assert (first, last) == (date(2026, 1, 1), date(2026, 1, 30))


@pytest.mark.parametrize(
    ("first", "last"),
    [(date(2026, 3, 2), date(2026, 3, 1)), (date(2024, 12, 31), date(2026, 1, 1))],
)
def test_backwards_or_too_long_is_refused(first: date, last: date) -> None:
    with pytest.raises(RuleViolated) as refused:
        period_of(DateRange(first, last), "UTC", NOW)
    assert refused.value.field == "to"


def test_a_whole_leap_year_is_allowed() -> None:
    _, first, last = period_of(DateRange(date(2028, 1, 1), date(2028, 12, 31)), "UTC", NOW)
    assert (last - first).days + 1 == 366
