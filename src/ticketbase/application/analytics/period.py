"""The period an analytics request covers: calendar days in the organization's time zone.

``from`` and ``to`` are inclusive dates; absent, the period is the last ``DEFAULT_DAYS`` days up
to today in that zone. A period is at most ``MAX_DAYS`` long: the figures are computed on every
request (no rollup), so its length bounds the work; a longer view is several requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ticketbase.application.ports.analytics import Period
from ticketbase.domain.shared.errors import RuleViolated

DEFAULT_DAYS = 30
MAX_DAYS = 366


@dataclass(frozen=True, slots=True)
class DateRange:
    first: date | None = None
    last: date | None = None


def period_of(dates: DateRange, timezone: str, now: datetime) -> tuple[Period, date, date]:
    """The instants bounding ``dates`` in ``timezone`` with the first and last days; 422 for a
    range that ends before it starts or is longer than ``MAX_DAYS``."""
    zone = ZoneInfo(timezone)
    last = dates.last or (
        now.astimezone(zone).date()
        if dates.first is None
        else dates.first + timedelta(DEFAULT_DAYS - 1)
    )
    first = dates.first or last - timedelta(DEFAULT_DAYS - 1)
    if last < first:
        raise RuleViolated("to is before from", field="to")
    if (last - first).days + 1 > MAX_DAYS:
        raise RuleViolated(f"a period is at most {MAX_DAYS} days", field="to")
    # Midnight as the zone's wall clock: a day of a daylight-saving change is 23 or 25 hours.
    start = datetime.combine(first, time(), zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(1), time(), zone).astimezone(UTC)
    return Period(start, end, timezone), first, last
