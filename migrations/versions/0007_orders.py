"""Orders: the order with its priced lines, the per-organization order number, idempotency keys.

Tenant tables keyed (organization_id, …) with composite foreign keys and FORCEd row level
security, like 0005. Money is bigint minor units with the order's one currency. The tickets an
order holds are not counted here: ``ticket_types.held``/``events.held``/``promo_codes.uses`` are,
by the conditional updates of the inventory adapter, in the same transaction as the insert.

``order_counters`` gives each organization its own gapless-enough sequence of order numbers
(``INSERT … ON CONFLICT DO UPDATE … RETURNING``: one row lock for the rest of the transaction, so
numbers follow commit order and a rolled-back checkout leaves no gap).

The indexes serve the hold expiry sweep ``(organization_id, status, expires_at)`` and the staff
list of an event's orders, newest first ``(organization_id, event_id, id DESC)``.

``idempotency_keys`` stores the answer given to an ``Idempotency-Key`` with a hash of the
request, so a replay gets the same answer and a reuse with another body is refused.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TENANT = "NULLIF(current_setting('app.organization_id', true), '')::uuid"
TABLES = ("orders", "order_items", "order_counters", "idempotency_keys")
STATUSES = "'pending', 'paid', 'partially_refunded', 'refunded', 'cancelled', 'expired'"

UPGRADE = [
    f"""
    CREATE TABLE orders (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        id uuid NOT NULL,
        event_id uuid NOT NULL,
        number text NOT NULL,
        status text NOT NULL CHECK (status IN ({STATUSES})),
        buyer_full_name text NOT NULL,
        buyer_email text NOT NULL,
        attendees jsonb NOT NULL DEFAULT '[]'::jsonb,
        currency text NOT NULL,
        subtotal bigint NOT NULL CHECK (subtotal >= 0),
        discount bigint NOT NULL CHECK (discount >= 0),
        fees bigint NOT NULL CHECK (fees >= 0),
        tax bigint NOT NULL CHECK (tax >= 0),
        total bigint NOT NULL CHECK (total >= 0),
        promo_code_id uuid,
        expires_at timestamptz NOT NULL,
        access_token_hash bytea NOT NULL,
        paid_at timestamptz,
        payment_reference text,
        refunded_amount bigint NOT NULL DEFAULT 0,
        refunded_at timestamptz,
        cancelled_at timestamptz,
        expired_at timestamptz,
        late_payment_refunded_at timestamptz,
        late_payment_reference text,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (organization_id, id),
        CONSTRAINT fk_orders_event FOREIGN KEY (organization_id, event_id)
            REFERENCES events (organization_id, id),
        -- A deleted code leaves its orders (their discount is in their lines) without it.
        CONSTRAINT fk_orders_promo_code FOREIGN KEY (organization_id, promo_code_id)
            REFERENCES promo_codes (organization_id, id) ON DELETE SET NULL (promo_code_id),
        CONSTRAINT uq_orders_number UNIQUE (organization_id, number),
        CONSTRAINT ck_orders_totals CHECK (total = subtotal - discount + fees AND tax <= total),
        CONSTRAINT ck_orders_refunded CHECK (refunded_amount BETWEEN 0 AND total)
    )
    """,
    "CREATE INDEX ix_orders_hold_expiry ON orders (organization_id, status, expires_at)",
    "CREATE INDEX ix_orders_event ON orders (organization_id, event_id, id DESC)",
    """
    CREATE TABLE order_items (
        organization_id uuid NOT NULL,
        order_id uuid NOT NULL,
        line integer NOT NULL CHECK (line >= 0),
        ticket_type_id uuid NOT NULL,
        name text NOT NULL,
        quantity integer NOT NULL CHECK (quantity > 0),
        unit_price bigint NOT NULL CHECK (unit_price >= 0),
        discount bigint NOT NULL CHECK (discount >= 0),
        tax_rate integer NOT NULL CHECK (tax_rate BETWEEN 0 AND 10000),
        tax bigint NOT NULL CHECK (tax >= 0),
        total bigint NOT NULL CHECK (total >= 0),
        PRIMARY KEY (organization_id, order_id, line),
        CONSTRAINT fk_order_items_order FOREIGN KEY (organization_id, order_id)
            REFERENCES orders (organization_id, id) ON DELETE CASCADE,
        CONSTRAINT fk_order_items_ticket_type FOREIGN KEY (organization_id, ticket_type_id)
            REFERENCES ticket_types (organization_id, id),
        CONSTRAINT uq_order_items_ticket_type UNIQUE (organization_id, order_id, ticket_type_id)
    )
    """,
    "CREATE INDEX ix_order_items_ticket_type ON order_items (organization_id, ticket_type_id)",
    """
    CREATE TABLE order_counters (
        organization_id uuid PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
        last_number bigint NOT NULL CHECK (last_number > 0)
    )
    """,
    """
    CREATE TABLE idempotency_keys (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        key text NOT NULL,
        request_hash bytea NOT NULL,
        status_code integer,
        response jsonb,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (organization_id, key)
    )
    """,
    "CREATE INDEX ix_idempotency_keys_expiry ON idempotency_keys (expires_at)",
    *[
        stmt
        for table in TABLES
        for stmt in (
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
            f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
            f"CREATE POLICY tenant_isolation ON {table} "
            f"USING (organization_id = {TENANT}) WITH CHECK (organization_id = {TENANT})",
        )
    ],
    "GRANT SELECT, INSERT, UPDATE ON orders, order_items, order_counters TO ticketbase_app",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys TO ticketbase_app",
]

DOWNGRADE = [
    "DROP TABLE idempotency_keys",
    "DROP TABLE order_counters",
    "DROP TABLE order_items",
    "DROP TABLE orders",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
