"""What the storefront's event reads keep per process, and for how long.

The change feed drops an entry the moment staff change the event (``event_tag``) or the
tenant's list of events (``events_tag``). Sales move availability without telling the feed (a
hold is one conditional ``UPDATE`` on the hot path), so an entry is also served for at most
:data:`FRESH_FOR` after it was read, and every answer built on it is told the same deadline
(``record_deadline``): what a buyer sees is never more than a second behind the stock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from ticketbase.application.ports.cache import record_deadline

T = TypeVar("T")

FRESH_FOR = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class Snapshot(Generic[T]):
    """A value and the instant it was read from the database."""

    read_at: datetime
    value: T

    @property
    def stale_at(self) -> datetime:
        return self.read_at + FRESH_FOR

    def is_fresh(self, now: datetime) -> bool:
        # A clock seen going backwards does not make an old read fresh again.
        return self.read_at <= now < self.stale_at

    def serve(self) -> T:
        """The value, noting in the request's read record when an answer built on it stales."""
        record_deadline(self.stale_at)
        return self.value
