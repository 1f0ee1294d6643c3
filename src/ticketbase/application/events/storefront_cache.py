"""What the storefront's event reads keep per process, and for how long.

The change feed drops an entry the moment staff change the event (``event_tag``) or the
tenant's list of events (``events_tag``). Sales move availability without telling the feed (a
hold is one conditional ``UPDATE`` on the hot path), so an entry is also served for at most
:data:`FRESH_FOR` after it was read, and every answer built on it is told the same deadline
(``record_deadline``): what a buyer sees is never more than a second behind the stock."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from ticketbase.application.ports.cache import CacheTicket, record_deadline, record_read

T = TypeVar("T")

FRESH_FOR = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class Snapshot(Generic[T]):
    """A value, the instant it was read from the database and the tags it is cached under."""

    read_at: datetime
    value: T
    tags: tuple[str, ...] = ()

    @property
    def stale_at(self) -> datetime:
        return self.read_at + FRESH_FOR

    def is_fresh(self, now: datetime) -> bool:
        # A clock seen going backwards does not make an old read fresh again.
        return self.read_at <= now < self.stale_at

    def serve(self) -> T:
        """The value, noting in the request's read record what an answer built on it depends
        on (its tags) and when it stales — whether this request read it, found it cached or
        shared another request's read."""
        record_read(self.tags)
        record_deadline(self.stale_at)
        return self.value


class SingleFlight(Generic[T]):
    """Concurrent misses of one key share one database read.

    At on-sale time every entry stales each second under thousands of readers; without this,
    all of them read the database in the same instant (a p99 of ~90 ms where one read takes
    ~1 ms). A caller joins a read only when it was started under the same cache ticket — no
    change has been applied since — so a request that arrives after a write was acknowledged
    never gets the answer of a read begun before it. Without a ticket (the feed is down)
    nothing is shared."""

    def __init__(self) -> None:
        self._running: dict[tuple[Hashable, CacheTicket], asyncio.Future[T]] = {}

    async def run(self, key: Hashable, ticket: CacheTicket, load: Callable[[], Awaitable[T]]) -> T:
        if ticket < 0:
            return await load()
        flight = (key, ticket)
        running = self._running.get(flight)
        if running is not None:
            return await asyncio.shield(running)
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        # A failure nobody else waited for is still "retrieved": no warning at collection.
        future.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._running[flight] = future
        try:
            value = await load()
        except BaseException as error:
            future.set_exception(error)
            raise
        finally:
            del self._running[flight]
        future.set_result(value)
        return value
