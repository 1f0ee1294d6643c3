"""When an event happens and when it sells: instants in UTC, an IANA zone for display.

Every instant must be timezone-aware (a naive datetime names no instant and is refused) and is
kept as the same instant expressed in UTC: converting never shifts it, whatever the zone or a
daylight-saving change. The zone only says how to show the instants to people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from ticketbase.domain.shared.errors import RuleViolated


def as_utc(at: datetime, *, field: str) -> datetime:
    """The same instant in UTC; a naive datetime is refused rather than guessed."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise RuleViolated("a time needs an offset or a zone (RFC 3339)", field=field)
    return at.astimezone(UTC)


def optional_utc(at: datetime | None, *, field: str) -> datetime | None:
    return None if at is None else as_utc(at, field=field)


def check_timezone(name: str, *, field: str = "timezone") -> str:
    if name not in _timezones():
        raise RuleViolated(f"{name!r} is not an IANA timezone", field=field)
    return name


@cache
def _timezones() -> frozenset[str]:
    """Read from the zone database once: the set never changes while the process runs."""
    return frozenset(available_timezones()) | {"UTC"}


@dataclass(frozen=True, slots=True)
class SalesWindow:
    """``start <= at < end``; an absent bound is open."""

    start: datetime | None
    end: datetime | None

    def is_open_at(self, at: datetime) -> bool:
        return (self.start is None or self.start <= at) and (self.end is None or at < self.end)


@dataclass(frozen=True, slots=True)
class Schedule:
    """An event's times: it runs ``[starts_at, ends_at)`` and sells ``[sales_start_at,
    sales_end_at or ends_at)``.

    Rules: it ends after it starts; sales start before they end; sales do not end after the
    event does (selling may go on while it runs, e.g. a festival's day tickets)."""

    starts_at: datetime
    ends_at: datetime
    timezone: str
    sales_start_at: datetime | None = None
    sales_end_at: datetime | None = None

    def __post_init__(self) -> None:
        # Frozen: the UTC form replaces the given one through object.__setattr__.
        object.__setattr__(self, "starts_at", as_utc(self.starts_at, field="startsAt"))
        object.__setattr__(self, "ends_at", as_utc(self.ends_at, field="endsAt"))
        object.__setattr__(
            self, "sales_start_at", optional_utc(self.sales_start_at, field="salesStartAt")
        )
        object.__setattr__(
            self, "sales_end_at", optional_utc(self.sales_end_at, field="salesEndAt")
        )
        check_timezone(self.timezone)
        if self.ends_at <= self.starts_at:
            raise RuleViolated("an event ends after it starts", field="endsAt")
        if self.sales_end_at is not None and self.sales_end_at > self.ends_at:
            raise RuleViolated("sales cannot end after the event ends", field="salesEndAt")
        sales = self.sales_window
        if sales.start is not None and sales.end is not None and sales.start >= sales.end:
            raise RuleViolated(
                "sales start before they end (and before the event ends)", field="salesStartAt"
            )

    @property
    def sales_window(self) -> SalesWindow:
        return SalesWindow(self.sales_start_at, self.sales_end_at or self.ends_at)

    def has_ended(self, at: datetime) -> bool:
        return at >= self.ends_at

    def local(self, at: datetime) -> datetime:
        """An instant as the event's zone shows it (for people, never for storage)."""
        return at.astimezone(ZoneInfo(self.timezone))
