"""Redis: shared cache, rate limits and pub/sub when several workers or hosts run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from ticketbase.application.ports.errors import DependencyUnavailable


def create_redis(url: str) -> Redis:
    return Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2, health_check_interval=30)


@contextmanager
def reachable() -> Iterator[None]:
    """Redis down or too slow becomes ``DependencyUnavailable`` (503): callers fail closed."""
    try:
        yield
    except (RedisConnectionError, RedisTimeoutError) as error:
        raise DependencyUnavailable("cache") from error


class RedisProbe:
    name = "cache"

    def __init__(self, client: Redis) -> None:
        self._client = client

    async def check(self) -> None:
        await self._client.ping()
