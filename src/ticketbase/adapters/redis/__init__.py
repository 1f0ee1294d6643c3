"""Redis: shared cache, rate limits and pub/sub when several workers or hosts run."""

from __future__ import annotations

from redis.asyncio import Redis


def create_redis(url: str) -> Redis:
    return Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2, health_check_interval=30)


class RedisProbe:
    name = "cache"

    def __init__(self, client: Redis) -> None:
        self._client = client

    async def check(self) -> None:
        await self._client.ping()
