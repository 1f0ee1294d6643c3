"""The analytics scenarios' seed: 1,000,000 orders of one organization over a year, with two
other tenants' orders interleaved, written by set-based SQL as the owner (no API, no Python row
loop): ``INSERT … SELECT … FROM generate_series``, then ANALYZE and VACUUM (the visibility map
that index-only scans rely on, as autovacuum would have set it on a table of that age).

Shapes, so the figures mean something: 20 events with two ticket types each (created over HTTP
by the scenario); orders spread evenly over the last 365 days, 1 or 2 tickets each; 90 % paid,
4 % partially refunded, 2 % refunded, the rest expired or cancelled; one attendee per ticket of
an order that was paid, the tickets of 40 % of the orders checked in. Two other tenants get
100,000 orders each on the same days (seeded before and after it), so the tenant is not alone
in the tables and indexes.
"""

from __future__ import annotations

import time
from uuid import UUID

import asyncpg

ORDERS = 1_000_000
OTHER_ORDERS = 100_000
DAYS = 365
"""The spread of the orders (written into the statement below)."""

_ORDERS = """
INSERT INTO orders (organization_id, id, event_id, number, status, buyer_full_name,
                    buyer_email, currency, subtotal, discount, fees, tax, total, expires_at,
                    access_token_hash, created_at, updated_at, paid_at, payment_provider,
                    payment_reference, refunded_amount, refunded_at, tickets, checked_in)
SELECT $1, gen_random_uuid(), (SELECT ids[1 + s.g % cardinality(ids)]
                                 FROM (SELECT $2::uuid[] AS ids) AS e),
       'B-' || s.g, s.status, 'Bench Buyer', 'buyer' || s.g || '@example.com', 'EUR',
       s.total, 0, 0, 0, s.total, s.at + interval '15 minutes', '\\x00'::bytea, s.at, s.at,
       CASE WHEN s.status IN ('paid', 'partially_refunded', 'refunded')
            THEN s.at + interval '1 minute' END,
       CASE WHEN s.status IN ('paid', 'partially_refunded', 'refunded') THEN 'manual' END,
       CASE WHEN s.status IN ('paid', 'partially_refunded', 'refunded') THEN 'ref-' || s.g END,
       CASE s.status WHEN 'refunded' THEN s.total WHEN 'partially_refunded' THEN 1000 ELSE 0 END,
       CASE WHEN s.status IN ('partially_refunded', 'refunded')
            THEN s.at + interval '2 days' END,
       CASE WHEN s.status IN ('paid', 'partially_refunded', 'refunded')
            THEN s.total / 2500 ELSE 0 END,
       CASE WHEN s.status IN ('paid', 'partially_refunded', 'refunded')
                 AND abs(hashtext('B-' || s.g)) % 5 < 2
            THEN s.total / 2500 ELSE 0 END
  FROM (SELECT g, now() - (g::float8 / $3) * interval '365 days' AS at,
               2500 * (1 + g % 2) AS total,
               CASE WHEN g % 50 = 7 THEN 'refunded'
                    WHEN g % 25 = 3 THEN 'partially_refunded'
                    WHEN g % 20 = 11 THEN 'expired'
                    WHEN g % 40 = 13 THEN 'cancelled'
                    ELSE 'paid' END AS status
          FROM generate_series(1, $3) AS g) AS s
"""

# One line per order, of its event's first ticket type (by id).
_LINES = """
INSERT INTO order_items (organization_id, order_id, line, ticket_type_id, name, quantity,
                         unit_price, discount, tax_rate, tax, total)
SELECT o.organization_id, o.id, 0, t.id, t.name, o.total / 2500, 2500, 0, 0, 0, o.total
  FROM orders o
  JOIN (SELECT DISTINCT ON (event_id) event_id, id, name FROM ticket_types
         WHERE organization_id = $1 ORDER BY event_id, id) AS t ON t.event_id = o.event_id
 WHERE o.organization_id = $1
"""

_ATTENDEES = """
INSERT INTO attendees (organization_id, id, order_id, event_id, ticket_type_id, line,
                       full_name, email, ticket_code, issued_at, checked_in_at, updated_at)
SELECT i.organization_id, gen_random_uuid(), i.order_id, o.event_id, i.ticket_type_id, n.n,
       'Bench Holder', 'holder@example.com', 'T-' || o.number || '-' || n.n, o.paid_at,
       CASE WHEN abs(hashtext(o.number)) % 5 < 2 THEN o.paid_at + interval '1 day' END, o.paid_at
  FROM order_items i
  JOIN orders o ON o.organization_id = i.organization_id AND o.id = i.order_id
  CROSS JOIN LATERAL generate_series(0, i.quantity - 1) AS n(n)
 WHERE i.organization_id = $1 AND o.paid_at IS NOT NULL
"""


async def seed(dsn: str, organization_id: UUID, orders: int) -> float:
    """Seed ``orders`` orders with their lines and attendees for the organization (its events
    and ticket types exist); return the seconds it took."""
    began = time.perf_counter()
    connection = await asyncpg.connect(dsn)
    try:
        async with connection.transaction():
            # Transaction-local: the tables' row level security holds for a non-superuser owner.
            await connection.execute(
                "SELECT set_config('app.organization_id', $1, true)", str(organization_id)
            )
            events = [
                r["id"]
                for r in await connection.fetch(
                    "SELECT id FROM events WHERE organization_id = $1 ORDER BY id",
                    organization_id,
                )
            ]
            # The orders are written with their ticket and check-in counts, as migration 0017's
            # triggers keep them; the triggers would count them again, so they are off meanwhile.
            for table in ("order_items", "attendees"):
                await connection.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            # Statistics before each join, or the planner takes the fresh tables for empty.
            await connection.execute(_ORDERS, organization_id, events, orders)
            await connection.execute("ANALYZE orders")
            await connection.execute(_LINES, organization_id)
            await connection.execute("ANALYZE order_items")
            await connection.execute(_ATTENDEES, organization_id)
            for table in ("order_items", "attendees"):
                await connection.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        await connection.execute("ANALYZE attendees")
        # The index-only scans need the visibility map of freshly written pages.
        await connection.execute("VACUUM orders")
        await connection.execute("VACUUM order_items")
        await connection.execute("VACUUM attendees")
    finally:
        await connection.close()
    return time.perf_counter() - began


async def explain(dsn: str, organization_id: UUID, statement: str, *args: object) -> str:
    """``EXPLAIN (ANALYZE, BUFFERS)`` of ``statement`` as the tenant would run it."""
    connection = await asyncpg.connect(dsn)
    try:
        async with connection.transaction():
            await connection.execute(
                "SELECT set_config('app.organization_id', $1, true)", str(organization_id)
            )
            # As the adapter runs it (PostgresSalesAnalytics' tuning).
            await connection.execute(
                "SELECT set_config('work_mem', '64MB', true),"
                " set_config('hash_mem_multiplier', '8', true), set_config('jit', 'off', true),"
                " set_config('random_page_cost', '1.1', true)"
            )
            rows = await connection.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", *args)
        return "\n".join(r[0] for r in rows)
    finally:
        await connection.close()


PARAMETERS = ("currency", "event", "start", "end", "org", "tz")
"""The named parameters of the adapter's statements."""
