"""The change feed over PostgreSQL ``LISTEN/NOTIFY``: the default, since every process already
reaches the database (the embedded one included) and needs nothing else.

Each process keeps one dedicated connection that LISTENs (outside the pool, which a LISTEN must
never be returned to); publishing is one ``pg_notify`` on a pooled connection, which also counts
the listening sessions (each one acknowledges; see ``adapters/local/broadcast.py``).
PostgreSQL delivers a notification when the transaction that sent it commits.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from ticketbase.adapters.local.broadcast import BroadcastFeed
from ticketbase.adapters.local.cache import CacheHub

CHANNEL = "ticketbase_changes"
LISTENER = "ticketbase-listen"
# The notification and the number of sessions listening, in one round trip. Every listener is
# a server process of this database logged in as the same role, so its row is visible.
_NOTIFY = text(
    "SELECT pg_notify(:channel, :payload), "
    "(SELECT count(*) FROM pg_stat_activity "
    " WHERE application_name = :listener AND datname = current_database())"
)


def asyncpg_dsn(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class PostgresChangeFeed(BroadcastFeed):
    broker = "postgres"

    def __init__(self, hub: CacheHub, engine: AsyncEngine, url: URL, **options: float) -> None:
        super().__init__(hub, **options)
        self._engine = engine
        self._dsn = asyncpg_dsn(url)
        self._lost = asyncio.Event()
        self._connection: Any = None

    @asynccontextmanager
    async def _subscription(self) -> AsyncIterator[None]:
        self._lost.clear()
        connection = await asyncpg.connect(
            self._dsn, timeout=5, server_settings={"application_name": LISTENER}
        )
        try:
            connection.add_termination_listener(lambda _: self._lost.set())
            await connection.add_listener(CHANNEL, self._notified)
            self._connection = connection
            yield
        finally:
            self._connection = None
            await connection.close(timeout=2)

    def _notified(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        self.received(payload)

    async def _watch(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._lost.wait(), self.health_interval)
            except TimeoutError:
                # A half-open TCP connection says nothing; a round trip proves it is alive.
                await self._connection.fetchval("SELECT 1", timeout=self.health_interval)
                continue
            raise ConnectionError("the listening connection was closed")

    async def _send(self, payload: str) -> int:
        async with self._engine.connect() as connection:
            result = await connection.execute(
                _NOTIFY, {"channel": CHANNEL, "payload": payload, "listener": LISTENER}
            )
            listening = int(result.one()[1])
            await connection.commit()
        return listening
