"""The staff list of orders by buyer: ``ix_orders_buyer_email (organization_id, buyer_email, id
DESC)``.

``GET /api/orders`` lists a tenant's orders newest first with optional filters. Its usual reads
already have an index: no filter walks the primary key ``(organization_id, id)`` backwards, an
event's orders ``ix_orders_event (organization_id, event_id, id DESC)`` of 0007. The email
filter is support's "find this buyer's orders": a handful of rows among all of a tenant's, which
without an index would be a scan of every order of the tenant. Emails are stored normalised
(trimmed, lower-cased), so a plain b-tree on the column serves the exact match, and the trailing
``id DESC`` gives the page its order and keyset without a sort.

Status and the ``from``/``to`` dates get no index: statuses are six values, most orders being
paid (pending ones have 0009's partial indexes), and ``created_at`` follows the time-ordered
ids, so filtering the newest-first scan reads little more than a page. Each index is one more
write per checkout; this one is the only filter that needs its own.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX ix_orders_buyer_email ON orders (organization_id, buyer_email, id DESC)"
    )


def downgrade() -> None:
    op.execute("DROP INDEX ix_orders_buyer_email")
