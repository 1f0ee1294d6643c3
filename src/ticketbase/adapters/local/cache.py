"""The in-process caches of one server process, kept exact by the change feed.

``CacheHub`` is the process's view of the feed: whether it is connected (``in_sync``) and a
``generation`` that moves on every applied change, disconnect and reconnect. ``TaggedCache`` is a
bounded map whose entries carry tags; a change naming a tag drops the entries that carry it.

Asyncio-safe without locks because no method awaits. Bounded: when full, the oldest entry goes.
Every hit and every put notes its tags in the request's ``ReadRecord`` (if one is open), so an
answer built from cached facts can be cached under the same tags.
Entries also expire after ``max_age_seconds`` — a backstop for the one case the feed cannot
cover (a writer that died between its commit and its publish), never the normal path.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable
from typing import Generic, Protocol, TypeVar

from ticketbase.application.ports.cache import CacheTicket, record_read

K = TypeVar("K")
V = TypeVar("V")

_NOT_IN_SYNC = CacheTicket(-1)


class Invalidated(Protocol):
    """What the hub tells of every change: a cache, or a watcher of tags (the realtime sockets
    of a session that may have ended)."""

    def drop_tagged(self, tags: Collection[str]) -> None: ...

    def clear(self) -> None: ...


class CacheHub:
    def __init__(self, *, max_age_seconds: float = 300.0) -> None:
        self.max_age_seconds = max_age_seconds
        self.generation = 0
        self.in_sync = False
        self._caches: list[Invalidated] = []

    def register(self, cache: Invalidated) -> None:
        self._caches.append(cache)

    def ticket(self) -> CacheTicket:
        return CacheTicket(self.generation) if self.in_sync else _NOT_IN_SYNC

    def invalidate(self, tags: Collection[str]) -> None:
        self.generation += 1
        for cache in self._caches:
            cache.drop_tagged(tags)

    def desync(self) -> None:
        """The feed is down: changes may be missed, so nothing cached can be trusted."""
        self.in_sync = False
        self._clear()

    def resync(self) -> None:
        """The feed is (back) up: start from empty, since changes may have been missed."""
        self._clear()
        self.in_sync = True

    def _clear(self) -> None:
        self.generation += 1
        for cache in self._caches:
            cache.clear()


class TaggedCache(Generic[K, V]):
    def __init__(
        self,
        hub: CacheHub,
        *,
        max_entries: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._hub = hub
        self._max = max_entries
        self._clock = clock
        self._entries: dict[K, tuple[V, float, tuple[str, ...]]] = {}
        self._by_tag: dict[str, set[K]] = {}
        hub.register(self)

    def ticket(self) -> CacheTicket:
        return self._hub.ticket()

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[1] <= self._clock():
            self._remove(key)
            return None
        record_read(entry[2])
        return entry[0]

    def put(self, ticket: CacheTicket, key: K, value: V, tags: Iterable[str]) -> None:
        tags = tuple(tags)
        record_read(tags)
        if ticket < 0 or ticket != self._hub.generation:
            return
        if key in self._entries:
            self._remove(key)
        elif len(self._entries) >= self._max:
            self._remove(next(iter(self._entries)))
        self._entries[key] = (value, self._clock() + self._hub.max_age_seconds, tags)
        for tag in tags:
            self._by_tag.setdefault(tag, set()).add(key)

    def drop_tagged(self, tags: Collection[str]) -> None:
        for tag in tags:
            for key in self._by_tag.pop(tag, ()):
                self._remove(key)

    def clear(self) -> None:
        self._entries.clear()
        self._by_tag.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def _remove(self, key: K) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        for tag in entry[2]:
            keys = self._by_tag.get(tag)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._by_tag[tag]
