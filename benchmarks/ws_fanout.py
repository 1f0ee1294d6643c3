"""The ``ws-fanout`` scenario: ``GET /api/ws`` pushing to 1,000 connected staff screens.

One client process (this one) opens ``WS_CLIENTS`` WebSockets with asyncio and the
``websockets`` library, all members' screens of one organization; a ``ticketbase worker`` is
started next to the server, as in production. Then checkouts (``POST /api/orders``) are placed
at ``BENCH_WS_RATE`` per second: each commits an ``order.created`` in the outbox, the commit wakes
the worker, the worker publishes it on the realtime bus (PostgreSQL NOTIFY: the bench has no
Redis), the server fans it out to every socket.

Figures: deliveries per second (messages received by all clients together in the measured
window) and the delay of each delivery from the checkout's commit (measured from the order's
``at``, stamped in the checkout's transaction just before the commit: a few milliseconds more
than commit → delivery, never less). Clients answer the server's pings like a browser app does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg
import httpx
import websockets
from websockets.asyncio.client import ClientConnection

from ticketbase.adapters.postgres.realtime import LISTENER

from .checkout import owner_dsn
from .load import LoadResult, child_env, percentile

WS_CLIENTS = int(os.environ.get("BENCH_WS_CLIENTS", "1000"))
RATE = float(os.environ.get("BENCH_WS_RATE", "10"))
CONNECT_AT_ONCE = 50


@dataclass
class Seeded:
    token: str = ""
    slug: str = ""
    event_id: str = ""
    ticket_type_ids: list[str] = field(default_factory=list)


SEEDED = Seeded()


@dataclass
class Tally:
    measuring_from: float = 0.0
    measuring_to: float = float("inf")
    delays_ms: list[float] = field(default_factory=list)
    delivered: int = 0
    closed: int = 0
    orders: set[str] = field(default_factory=set)

    def record(self, message: dict[str, Any], now: float) -> None:
        if message.get("type") != "order.created":
            return
        at = datetime.fromisoformat(message["at"]).timestamp()
        if self.measuring_from <= at < self.measuring_to:
            self.delivered += 1
            self.orders.add(message["data"]["orderId"])
            self.delays_ms.append((now - at) * 1000)


def _raise_fd_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(needed, soft)), hard))


async def _client(url: str, tally: Tally, ready: asyncio.Semaphore) -> ClientConnection:
    async with ready:
        return await websockets.connect(url, max_queue=None, open_timeout=60)


async def _read(socket: ClientConnection, tally: Tally) -> None:
    with contextlib.suppress(websockets.ConnectionClosed):
        async for raw in socket:
            now = time.time()
            message = json.loads(raw)
            if message["type"] == "ping":
                await socket.send('{"type":"pong"}')
            else:
                tally.record(message, now)
    tally.closed += 1


async def _place_orders(base_url: str, until: float) -> int:
    """Checkouts at ``RATE`` per second until ``until``; returns how many were placed."""
    placed = 0
    interval = 1 / RATE
    next_at = time.monotonic()
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        while time.monotonic() < until:
            ticket_type = SEEDED.ticket_type_ids[placed % len(SEEDED.ticket_type_ids)]
            response = await http.post(
                "/api/orders",
                json={
                    "eventId": SEEDED.event_id,
                    "items": [{"ticketTypeId": ticket_type, "quantity": 1}],
                    "buyer": {"fullName": "Bench Buyer", "email": "buyer@bench.example"},
                },
                headers={"x-organization": SEEDED.slug},
            )
            response.raise_for_status()
            placed += 1
            next_at += interval
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
    return placed


def worker_env(
    database_url: str, migration_url: str | None, secret: str, data_dir: str
) -> dict[str, str]:
    env = {k: v for k, v in child_env().items() if not k.startswith("TICKETBASE_")}
    env.update(
        TICKETBASE_DATABASE_URL=database_url,
        TICKETBASE_JWT_SECRET=secret,
        TICKETBASE_DATA_DIR=data_dir,
        TICKETBASE_LOG_LEVEL="WARNING",
    )
    if migration_url:
        env["TICKETBASE_MIGRATION_DATABASE_URL"] = migration_url
    return env


def _start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "ticketbase.entrypoints.cli", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )


async def _worker_subscribed(env: dict[str, str]) -> None:
    """Until the worker listens for the outbox wake-ups (the server listens already)."""
    url = env.get("TICKETBASE_MIGRATION_DATABASE_URL") or env["TICKETBASE_DATABASE_URL"]
    deadline = time.monotonic() + 60
    connection = await asyncpg.connect(owner_dsn(url))
    try:
        while time.monotonic() < deadline:
            listeners = await connection.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 "
                "AND datname = current_database()",
                LISTENER,
            )
            if listeners >= 2:  # the server's and the worker's
                return
            await asyncio.sleep(0.1)
    finally:
        await connection.close()
    raise RuntimeError("the worker did not subscribe to the outbox wake-ups within 60 s")


async def fan_out(base_url: str, env: dict[str, str], warmup: float, duration: float) -> LoadResult:
    _raise_fd_limit(WS_CLIENTS + 256)
    worker = _start_worker(env)
    tally = Tally()
    sockets: list[ClientConnection] = []
    readers: list[asyncio.Task[None]] = []
    try:
        url = base_url.replace("http://", "ws://") + f"/api/ws?token={SEEDED.token}"
        limit = asyncio.Semaphore(CONNECT_AT_ONCE)
        sockets = list(
            await asyncio.gather(*(_client(url, tally, limit) for _ in range(WS_CLIENTS)))
        )
        readers = [asyncio.create_task(_read(s, tally)) for s in sockets]
        await _worker_subscribed(env)
        started = time.time()
        tally.measuring_from = started + warmup
        tally.measuring_to = tally.measuring_from + duration
        placed = await _place_orders(base_url, time.monotonic() + warmup + duration)
        # Let the last ones arrive (bounded), then count.
        await asyncio.sleep(2.0)
        client_cpu = None
        delays = sorted(tally.delays_ms)
        # Every order of the window heard by one socket must be heard by all of them.
        expected = len(tally.orders) * WS_CLIENTS
        errors: dict[str, int] = {}
        if tally.closed:
            errors["closed by the server"] = tally.closed
        if tally.delivered < expected * 0.99:
            errors["not delivered"] = expected - tally.delivered
        if placed < round(RATE * (warmup + duration)) * 0.95:
            errors["checkouts behind the rate"] = round(RATE * (warmup + duration)) - placed
        return LoadResult(
            generator=f"websockets x{WS_CLIENTS}",
            requests=tally.delivered,
            seconds=duration,
            p50_ms=percentile(delays, 50),
            p99_ms=percentile(delays, 99),
            errors=errors,
            client_cpu=client_cpu,
        )
    finally:
        for socket in sockets:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(socket.close(), 1)
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        worker.terminate()
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
