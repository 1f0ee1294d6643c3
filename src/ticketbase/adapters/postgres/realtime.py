"""The realtime bus over PostgreSQL ``LISTEN/NOTIFY``: the default, on the database every
process already reaches (the embedded one included).

Like the change feed, each subscribed process keeps one dedicated LISTEN connection outside the
pool, under its own ``application_name`` (the change feed counts its listeners by theirs). A
publish is one ``pg_notify`` in autocommit on a pooled connection: delivered at once, to every
listener, in order.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from ticketbase.adapters.local.realtime import Deliver, RealtimeBroker
from ticketbase.adapters.postgres.change_feed import asyncpg_dsn

PREFIX = "ticketbase_"
LISTENER = "ticketbase-realtime"
_NOTIFY = text("SELECT pg_notify(:channel, :payload)")


class PostgresRealtimeBus(RealtimeBroker):
    broker = "postgres"

    def __init__(self, engine: AsyncEngine, url: URL, **options: float) -> None:
        super().__init__(**options)
        self._engine = engine
        self._dsn = asyncpg_dsn(url)
        self._lost = asyncio.Event()
        self._connection: Any = None

    @asynccontextmanager
    async def _subscription(
        self, channels: Collection[str], deliver: Deliver
    ) -> AsyncIterator[None]:
        self._lost.clear()
        connection = await asyncpg.connect(
            self._dsn, timeout=5, server_settings={"application_name": LISTENER}
        )

        def notified(_connection: object, _pid: int, channel: str, payload: str) -> None:
            deliver(channel.removeprefix(PREFIX), payload)

        try:
            connection.add_termination_listener(lambda _: self._lost.set())
            for channel in channels:
                await connection.add_listener(PREFIX + channel, notified)
            self._connection = connection
            yield
        finally:
            self._connection = None
            await connection.close(timeout=2)

    async def _watch(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._lost.wait(), self.health_interval)
            except TimeoutError:
                # A half-open TCP connection says nothing; a round trip proves it is alive.
                await self._connection.fetchval("SELECT 1", timeout=self.health_interval)
                continue
            raise ConnectionError("the listening connection was closed")

    async def _send(self, channel: str, payload: str) -> None:
        async with self._engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(_NOTIFY, {"channel": PREFIX + channel, "payload": payload})
