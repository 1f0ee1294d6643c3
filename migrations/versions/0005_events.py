"""Events and ticketing: events, ticket types (pricing tiers inside), promo codes, the outbox.

Tenant tables keyed (organization_id, id) with composite foreign keys and FORCEd row level
security, like 0002. Inventory lives in columns that only conditional UPDATEs change
(``sold``/``held``; ``uses`` of a promo code): the CHECK constraints are the last line that
makes an oversell impossible even for a buggy statement. The event carries its own
``sold``/``held`` for the capacity bound, so a checkout never locks the event row beyond one
conditional UPDATE. ``position`` keeps an event's ticket types and promo codes in the order
they were added.

The outbox keeps side effects (``event.published``, ``event.cancelled``, emails, …) written in
the business transaction; the worker delivers them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TENANT = "NULLIF(current_setting('app.organization_id', true), '')::uuid"
TABLES = ("events", "ticket_types", "promo_codes", "outbox")

UPGRADE = [
    """
    CREATE TABLE events (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        id uuid NOT NULL,
        slug text NOT NULL,
        name text NOT NULL,
        description text NOT NULL,
        status text NOT NULL CHECK (status IN ('draft', 'published', 'cancelled', 'archived')),
        venue jsonb NOT NULL,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        timezone text NOT NULL,
        capacity integer CHECK (capacity > 0),
        sold integer NOT NULL DEFAULT 0 CHECK (sold >= 0),
        held integer NOT NULL DEFAULT 0 CHECK (held >= 0),
        sales_start_at timestamptz,
        sales_end_at timestamptz,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        published_at timestamptz,
        cancelled_at timestamptz,
        archived_at timestamptz,
        PRIMARY KEY (organization_id, id),
        CONSTRAINT uq_events_slug UNIQUE (organization_id, slug),
        CONSTRAINT ck_events_ends_after_start CHECK (ends_at > starts_at),
        CONSTRAINT ck_events_capacity CHECK (capacity IS NULL OR sold + held <= capacity)
    )
    """,
    # Staff lists (status/from/to filters, newest first by id) and the storefront's upcoming
    # published events.
    "CREATE INDEX ix_events_status ON events (organization_id, status, id DESC)",
    "CREATE INDEX ix_events_starts_at ON events (organization_id, starts_at, id)",
    """
    CREATE TABLE ticket_types (
        organization_id uuid NOT NULL,
        id uuid NOT NULL,
        event_id uuid NOT NULL,
        name text NOT NULL,
        description text NOT NULL DEFAULT '',
        price_amount bigint NOT NULL CHECK (price_amount >= 0),
        currency text NOT NULL,
        quantity integer NOT NULL CHECK (quantity >= 0),
        sold integer NOT NULL DEFAULT 0 CHECK (sold >= 0),
        held integer NOT NULL DEFAULT 0 CHECK (held >= 0),
        min_per_order integer NOT NULL,
        max_per_order integer NOT NULL,
        sales_start_at timestamptz,
        sales_end_at timestamptz,
        hidden boolean NOT NULL DEFAULT false,
        tax_rate integer NOT NULL DEFAULT 0 CHECK (tax_rate BETWEEN 0 AND 10000),
        tiers jsonb NOT NULL DEFAULT '[]'::jsonb,
        position integer NOT NULL DEFAULT 0,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (organization_id, id),
        CONSTRAINT fk_ticket_types_event FOREIGN KEY (organization_id, event_id)
            REFERENCES events (organization_id, id) ON DELETE CASCADE,
        CONSTRAINT ck_ticket_types_inventory CHECK (sold + held <= quantity),
        CONSTRAINT ck_ticket_types_per_order
            CHECK (min_per_order >= 1 AND max_per_order >= min_per_order)
    )
    """,
    "CREATE INDEX ix_ticket_types_event ON ticket_types (organization_id, event_id, position)",
    """
    CREATE TABLE promo_codes (
        organization_id uuid NOT NULL,
        id uuid NOT NULL,
        event_id uuid NOT NULL,
        code text NOT NULL,
        discount_percent integer CHECK (discount_percent BETWEEN 1 AND 100),
        discount_amount bigint CHECK (discount_amount > 0),
        currency text,
        ticket_type_ids uuid[],
        max_uses integer CHECK (max_uses > 0),
        uses integer NOT NULL DEFAULT 0 CHECK (uses >= 0),
        valid_from timestamptz,
        valid_until timestamptz,
        position integer NOT NULL DEFAULT 0,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (organization_id, id),
        CONSTRAINT fk_promo_codes_event FOREIGN KEY (organization_id, event_id)
            REFERENCES events (organization_id, id) ON DELETE CASCADE,
        CONSTRAINT uq_promo_codes_code UNIQUE (organization_id, event_id, code),
        CONSTRAINT ck_promo_codes_one_discount
            CHECK ((discount_percent IS NULL) <> (discount_amount IS NULL)),
        CONSTRAINT ck_promo_codes_amount_currency
            CHECK ((discount_amount IS NULL) = (currency IS NULL)),
        CONSTRAINT ck_promo_codes_uses CHECK (max_uses IS NULL OR uses <= max_uses)
    )
    """,
    """
    CREATE TABLE outbox (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        id uuid NOT NULL,
        topic text NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        available_at timestamptz NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        delivered_at timestamptz,
        last_error text,
        PRIMARY KEY (organization_id, id)
    )
    """,
    "CREATE INDEX ix_outbox_pending ON outbox (available_at) WHERE delivered_at IS NULL",
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
    "GRANT SELECT, INSERT, UPDATE, DELETE ON events, ticket_types, promo_codes TO ticketbase_app",
    "GRANT SELECT, INSERT, UPDATE ON outbox TO ticketbase_app",
]

DOWNGRADE = [
    "DROP TABLE outbox",
    "DROP TABLE promo_codes",
    "DROP TABLE ticket_types",
    "DROP TABLE events",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
