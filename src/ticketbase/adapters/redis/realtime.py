"""The realtime bus over Redis pub/sub: used whenever Redis is configured (several hosts)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager

from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from ticketbase.adapters.local.realtime import Deliver, RealtimeBroker

PREFIX = "ticketbase:"


class RedisRealtimeBus(RealtimeBroker):
    broker = "redis"

    def __init__(self, client: Redis, **options: float) -> None:
        super().__init__(**options)
        self._client = client
        self._pubsub: PubSub | None = None
        self._deliver: Deliver | None = None

    @asynccontextmanager
    async def _subscription(
        self, channels: Collection[str], deliver: Deliver
    ) -> AsyncIterator[None]:
        pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(*(PREFIX + c for c in channels))
            self._pubsub, self._deliver = pubsub, deliver
            yield
        finally:
            self._pubsub = self._deliver = None
            await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def _watch(self) -> None:
        assert self._pubsub is not None
        assert self._deliver is not None
        while True:
            message = await self._pubsub.get_message(timeout=self.health_interval)
            if message is None:
                # Quiet channel: a PING proves the subscription's connection is alive.
                await self._pubsub.ping()
            elif message["type"] == "message":
                channel, data = message["channel"], message["data"]
                if isinstance(channel, bytes):
                    channel = channel.decode()
                if isinstance(data, bytes):
                    data = data.decode()
                self._deliver(channel.removeprefix(PREFIX), data)

    async def _send(self, channel: str, payload: str) -> None:
        await self._client.publish(PREFIX + channel, payload)
