"""The change feed over Redis pub/sub: used whenever Redis is configured (several hosts)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from ticketbase.adapters.local.broadcast import BroadcastFeed
from ticketbase.adapters.local.cache import CacheHub

CHANNEL = "ticketbase:changes"


class RedisChangeFeed(BroadcastFeed):
    broker = "redis"

    def __init__(self, hub: CacheHub, client: Redis, **options: float) -> None:
        super().__init__(hub, **options)
        self._client = client
        self._pubsub: PubSub | None = None

    @asynccontextmanager
    async def _subscription(self) -> AsyncIterator[None]:
        pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(CHANNEL)
            self._pubsub = pubsub
            yield
        finally:
            self._pubsub = None
            await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def _watch(self) -> None:
        assert self._pubsub is not None
        while True:
            message = await self._pubsub.get_message(timeout=self.health_interval)
            if message is None:
                # Quiet channel: a PING proves the subscription's connection is alive.
                await self._pubsub.ping()
            elif message["type"] == "message":
                self.received(message["data"])

    async def _send(self, payload: str) -> int:
        # PUBLISH answers how many subscriptions received the message.
        return int(await self._client.publish(CHANNEL, payload))
