"""Analytics: covering indexes so a period's sales are summed without reading an order's row.

``GET /api/analytics/summary`` sums a tenant's orders by their payment instant (see
application/ports/analytics.py). Without these indexes every request reads the heap rows of
every order of the tenant (the only index with ``paid_at`` is none; 0016's ``created_at`` is the
checkout time, not the payment's). With them:

- ``ix_orders_paid (organization_id, paid_at) INCLUDE (...)``: the period is one range of the
  index and every summed column is in it, so the money statement is an index-only scan;
- ``ix_orders_event_paid (organization_id, event_id, paid_at) INCLUDE (...)``: the same for one
  event's page;
- ``ix_order_items_sold (organization_id, order_id) INCLUDE (ticket_type_id, quantity, total)``:
  tickets join the period's orders to their lines without visiting the lines' heap;
- ``ix_attendees_checked_in (organization_id, order_id) INCLUDE (...) WHERE checked_in_at IS
  NOT NULL``: only admitted tickets are in it, joined to the period's orders.

The orders' indexes are partial (``paid_at IS NOT NULL``): a checkout inserts a pending order
without touching them; the payment (an UPDATE already not HOT, ``status`` being indexed by 0007)
adds one entry to each. The lines' index is one more entry per line at checkout, and an admitted
attendee one entry at check-in (that UPDATE is no longer HOT). Measured with the benchmark
``analytics`` scenario (1,000,000 orders in one tenant); a rollup table kept by payment and
refund would make the read cheaper still, but one row per organization and day is a hot row every
checkout of an on-sale would queue on, so it is left out while these indexes meet the goal.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

UPGRADE = [
    "CREATE INDEX ix_orders_paid ON orders (organization_id, paid_at) "
    "INCLUDE (id, event_id, status, currency, total, refunded_amount) "
    "WHERE paid_at IS NOT NULL",
    "CREATE INDEX ix_orders_event_paid ON orders (organization_id, event_id, paid_at) "
    "INCLUDE (id, status, currency, total, refunded_amount) "
    "WHERE paid_at IS NOT NULL",
    "CREATE INDEX ix_order_items_sold ON order_items (organization_id, order_id) "
    "INCLUDE (ticket_type_id, quantity, total)",
    "CREATE INDEX ix_attendees_checked_in ON attendees (organization_id, order_id) "
    "INCLUDE (event_id, ticket_type_id) WHERE checked_in_at IS NOT NULL",
]

DOWNGRADE = [
    "DROP INDEX ix_attendees_checked_in",
    "DROP INDEX ix_order_items_sold",
    "DROP INDEX ix_orders_event_paid",
    "DROP INDEX ix_orders_paid",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
