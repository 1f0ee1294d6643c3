"""A change feed inside one process, for unit tests: it applies every change to its hub."""

from __future__ import annotations

from collections.abc import Collection

from ticketbase.adapters.local.cache import CacheHub


class MemoryChangeFeed:
    def __init__(self, hub: CacheHub | None = None) -> None:
        self.hub = hub or CacheHub()
        self.hub.resync()
        self.published: list[frozenset[str]] = []

    async def publish(self, tags: Collection[str]) -> None:
        self.published.append(frozenset(tags))
        self.hub.invalidate(tags)

    def forget(self, tags: Collection[str]) -> None:
        self.hub.invalidate(tags)
