"""Subscriptions: each organization's plan, and what counting the plan's limits needs.

``subscriptions`` is one row per organization (created lazily on the free plan): the plan, its
status, the billing provider's reference and a version for optimistic updates. The row is also
the organization's *limit lock*: a use case that adds something a plan counts (a seat, a
published event) takes ``SELECT ... FOR UPDATE`` on it in the business transaction, counts, then
inserts; two transactions racing for the last seat queue on the row, and the second one counts
the first one's seat. Only seat and event creation (rare, staff actions) lock it, never checkout.

``ix_orders_created`` lets checkout count an organization's orders of the month with an index
range (only when it may be near the limit, see application/subscriptions/limits.py) instead of
keeping a monthly counter row, which would be one more hot row every checkout of an on-sale
updates.

Tenant table: keys led by organization_id, FORCEd row level security.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TENANT = "NULLIF(current_setting('app.organization_id', true), '')::uuid"

UPGRADE = [
    """
    CREATE TABLE subscriptions (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        plan text NOT NULL CHECK (plan IN ('free', 'pro', 'enterprise')),
        status text NOT NULL CHECK (status IN ('active', 'past_due', 'cancelled')),
        billing_provider text NOT NULL DEFAULT 'manual',
        billing_reference text,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (organization_id)
    )
    """,
    "ALTER TABLE subscriptions ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE subscriptions FORCE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON subscriptions "
    f"USING (organization_id = {TENANT}) WITH CHECK (organization_id = {TENANT})",
    "GRANT SELECT, INSERT, UPDATE ON subscriptions TO ticketbase_app",
    "CREATE INDEX ix_orders_created ON orders (organization_id, created_at)",
]

DOWNGRADE = ["DROP INDEX ix_orders_created", "DROP TABLE subscriptions"]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
