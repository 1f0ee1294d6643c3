"""Attendees: one row per ticket of a paid order, with its signed code and its check-in; the
gateway that took an order's payment.

``attendees`` is a tenant table like the others: keyed ``(organization_id, id)``, composite
foreign keys to its order, event and ticket type, FORCEd row level security. A ticket code is
unique in its organization (the code carries the attendee's id, so it is unique anyway; the
constraint makes a scan at the door one index probe). Check-in is a column, not a history table:
the audit log keeps who admitted or un-admitted whom and when.

Indexes: the staff list of an event's attendees, newest first ``(organization_id, event_id, id
DESC)``; an order's tickets ``(organization_id, order_id)``.

``orders.payment_provider`` names the gateway (``free``, ``manual``, ``stripe``) so a refund goes
back the way the money came.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TENANT = "NULLIF(current_setting('app.organization_id', true), '')::uuid"

UPGRADE = [
    "ALTER TABLE orders ADD COLUMN payment_provider text "
    "CHECK (payment_provider IN ('free', 'manual', 'stripe'))",
    """
    CREATE TABLE attendees (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        id uuid NOT NULL,
        order_id uuid NOT NULL,
        event_id uuid NOT NULL,
        ticket_type_id uuid NOT NULL,
        line integer NOT NULL CHECK (line >= 0),
        full_name text NOT NULL,
        email text NOT NULL,
        ticket_code text NOT NULL,
        issued_at timestamptz NOT NULL,
        checked_in_at timestamptz,
        version integer NOT NULL DEFAULT 1,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (organization_id, id),
        CONSTRAINT fk_attendees_order FOREIGN KEY (organization_id, order_id)
            REFERENCES orders (organization_id, id) ON DELETE CASCADE,
        CONSTRAINT fk_attendees_event FOREIGN KEY (organization_id, event_id)
            REFERENCES events (organization_id, id),
        CONSTRAINT fk_attendees_ticket_type FOREIGN KEY (organization_id, ticket_type_id)
            REFERENCES ticket_types (organization_id, id),
        CONSTRAINT uq_attendees_ticket_code UNIQUE (organization_id, ticket_code),
        CONSTRAINT uq_attendees_line UNIQUE (organization_id, order_id, line)
    )
    """,
    "CREATE INDEX ix_attendees_event ON attendees (organization_id, event_id, id DESC)",
    "ALTER TABLE attendees ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE attendees FORCE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON attendees "
    f"USING (organization_id = {TENANT}) WITH CHECK (organization_id = {TENANT})",
    "GRANT SELECT, INSERT, UPDATE ON attendees TO ticketbase_app",
]

DOWNGRADE = [
    "DROP TABLE attendees",
    "ALTER TABLE orders DROP COLUMN payment_provider",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
