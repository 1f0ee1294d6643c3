"""The checkout scenarios: ``POST /api/orders`` against the raw SQL of a hold on the same database.

On-sale time is one hot ticket type: every buyer updates the same ``ticket_types`` row and the
same ``events`` row, so the row lock (held through the commit's WAL flush) bounds throughput
whatever the Python path costs. ``checkout-sql`` measures that bound straight through asyncpg:
each transaction is the conditional UPDATE of the ticket type, the conditional UPDATE of the
event and the INSERT of an order row, as the checkout does them, on another event of its own.
``checkout`` is the whole API: tenant from ``X-Organization``, pricing, hold, order number,
order and outbox rows, one ticket per request.

After the run both are checked against oversell: ``sold + held <= quantity`` and ``held`` equal
to the number of orders the run created.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from .http1 import Request
from .load import LoadResult, percentile

HOT_QUANTITY = 10_000_000
CONCURRENCY = 32


@dataclass
class Hot:
    """The seeded event and its one hot ticket type (ids are strings: JSON and SQL use them)."""

    organization_id: str = ""
    event_id: str = ""
    ticket_type_id: str = ""


@dataclass
class Seeded:
    api: Hot = field(default_factory=Hot)
    sql: Hot = field(default_factory=Hot)


SEEDED = Seeded()


def owner_dsn(database_url: str) -> str:
    url = make_url(database_url.replace("postgres://", "postgresql://", 1))
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


async def hot_event(client: httpx.AsyncClient, token: str, slug: str, dsn: str) -> Hot:
    """A published event with one ticket type of ``HOT_QUANTITY``, created over HTTP."""
    auth = {"authorization": f"Bearer {token}"}
    starts = datetime.now(UTC) + timedelta(days=30)
    created = await client.post(
        "/api/events",
        headers=auth,
        json={
            "name": f"Hot sale {slug}",
            "description": "A benchmark on-sale",
            "venue": {"name": "Hall", "address": "1 Main St", "city": "Lisbon", "country": "PT"},
            "startsAt": starts.isoformat(),
            "endsAt": (starts + timedelta(hours=3)).isoformat(),
            "timezone": "Europe/Lisbon",
        },
    )
    created.raise_for_status()
    event = created.json()
    added = await client.post(
        f"/api/events/{event['id']}/ticket-types",
        headers=auth,
        json={
            "name": "Hot",
            "price": {"amount": 2500, "currency": "EUR"},
            "quantity": HOT_QUANTITY,
        },
    )
    added.raise_for_status()
    published = await client.post(f"/api/events/{event['id']}/publish", headers=auth)
    published.raise_for_status()
    connection = await asyncpg.connect(dsn)
    try:
        organization_id = await connection.fetchval(
            "SELECT organization_id FROM events WHERE id = $1", uuid.UUID(event["id"])
        )
    finally:
        await connection.close()
    return Hot(str(organization_id), event["id"], added.json()["id"])


def checkout_request(hot: Hot, slug: str) -> Request:
    body = {
        "eventId": hot.event_id,
        "items": [{"ticketTypeId": hot.ticket_type_id, "quantity": 1}],
        "buyer": {"fullName": "Bench Buyer", "email": "buyer@bench.example"},
    }
    headers = (("content-type", "application/json"), ("x-organization", slug))
    return Request("POST", "/api/orders", headers, json.dumps(body).encode())


# --- the raw SQL of a hold -------------------------------------------------------------------

HOLD_TYPE = (
    "UPDATE ticket_types SET held = held + 1 WHERE organization_id = $1 AND id = $2 "
    "AND event_id = $3 AND sold + held + 1 <= quantity RETURNING id"
)
HOLD_EVENT = (
    "UPDATE events SET held = held + 1 WHERE organization_id = $1 AND id = $2 "
    "AND (capacity IS NULL OR sold + held + 1 <= capacity) RETURNING id"
)
INSERT_ORDER = """
INSERT INTO orders (organization_id, id, event_id, number, status, buyer_full_name, buyer_email,
                    currency, subtotal, discount, fees, tax, total, expires_at, access_token_hash,
                    created_at, updated_at)
VALUES ($1, $2, $3, $4, 'pending', 'Bench Buyer', 'buyer@bench.example', 'EUR', 2500, 0, 0, 0,
        2500, now() + interval '15 minutes', '\\x00', now(), now())
"""


async def raw_holds(
    dsn: str, hot: Hot, *, warmup: float, duration: float, concurrency: int
) -> LoadResult:
    """``concurrency`` connections each looping over one hold transaction; latencies of the
    transactions that finished inside the measured window."""
    organization_id, event_id = uuid.UUID(hot.organization_id), uuid.UUID(hot.event_id)
    ticket_type_id = uuid.UUID(hot.ticket_type_id)
    started = time.perf_counter()
    measure_from, stop_at = started + warmup, started + warmup + duration
    latencies: list[float] = []
    errors: dict[str, int] = {}
    numbers = iter(range(1, 10**12))

    async def worker() -> None:
        connection = await asyncpg.connect(dsn)
        try:
            while (now := time.perf_counter()) < stop_at:
                try:
                    async with connection.transaction():
                        held = await connection.fetchval(
                            HOLD_TYPE, organization_id, ticket_type_id, event_id
                        )
                        if held is None:
                            raise LookupError("sold out")
                        await connection.fetchval(HOLD_EVENT, organization_id, event_id)
                        await connection.execute(
                            INSERT_ORDER,
                            organization_id,
                            uuid.uuid4(),
                            event_id,
                            f"raw{next(numbers)}",
                        )
                except (LookupError, asyncpg.PostgresError) as error:
                    errors[type(error).__name__] = errors.get(type(error).__name__, 0) + 1
                    continue
                done = time.perf_counter()
                if now >= measure_from:
                    latencies.append((done - now) * 1000)
        finally:
            await connection.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    latencies.sort()
    return LoadResult(
        generator="asyncpg",
        requests=len(latencies),
        seconds=duration,
        p50_ms=percentile(latencies, 50),
        p99_ms=percentile(latencies, 99),
        errors=errors,
    )


# --- after the run -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Check:
    text: str
    met: bool


async def orders_of(dsn: str, hot: Hot) -> int:
    connection = await asyncpg.connect(dsn)
    try:
        return int(
            await connection.fetchval(
                "SELECT count(*) FROM orders WHERE organization_id = $1 AND event_id = $2",
                uuid.UUID(hot.organization_id),
                uuid.UUID(hot.event_id),
            )
        )
    finally:
        await connection.close()


async def oversold(dsn: str, hot: Hot) -> Sequence[Check]:
    """``sold + held <= quantity`` for the ticket type and the event, and every held ticket is an
    order the run created (one ticket each)."""
    connection = await asyncpg.connect(dsn)
    try:
        row = await connection.fetchrow(
            "SELECT t.sold, t.held, t.quantity, e.sold AS event_sold, e.held AS event_held "
            "FROM ticket_types t JOIN events e "
            "ON e.organization_id = t.organization_id AND e.id = t.event_id "
            "WHERE t.organization_id = $1 AND t.id = $2",
            uuid.UUID(hot.organization_id),
            uuid.UUID(hot.ticket_type_id),
        )
    finally:
        await connection.close()
    assert row is not None
    orders = await orders_of(dsn, hot)
    over = max(0, row["sold"] + row["held"] - row["quantity"]) + abs(row["held"] - orders)
    over += abs(row["event_held"] - row["held"]) + abs(row["event_sold"] - row["sold"])
    return [
        Check(
            f"oversold {over} (sold {row['sold']} + held {row['held']} <= quantity "
            f"{row['quantity']:,}; held == {orders:,} orders created; the event counts the same)",
            over == 0,
        )
    ]
