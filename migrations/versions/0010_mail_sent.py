"""The sent-mail ledger: which outbox messages' emails a mail server has accepted.

SMTP has no idempotency key, and the outbox delivers at least once. An email handler (the order
confirmation first) inserts ``(organization_id, message_id)`` here in a short transaction of
its own right after the server's 250, and reads it before sending: a redelivery of a message
whose email was accepted (the worker died before marking it) sends nothing again. The remaining
window is between the 250 and this insert's commit.

A tenant table like the others: keyed ``(organization_id, message_id)``, FORCEd row level
security; no foreign key to the outbox row (the ledger must outlive a cleanup of delivered
messages, which would otherwise make a late redelivery send again). Rows are small (two uuids
and an instant); deleting the organization deletes them.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TENANT = "NULLIF(current_setting('app.organization_id', true), '')::uuid"

UPGRADE = [
    """
    CREATE TABLE mail_sent (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        message_id uuid NOT NULL,
        sent_at timestamptz NOT NULL,
        PRIMARY KEY (organization_id, message_id)
    )
    """,
    "ALTER TABLE mail_sent ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE mail_sent FORCE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON mail_sent "
    f"USING (organization_id = {TENANT}) WITH CHECK (organization_id = {TENANT})",
    "GRANT SELECT, INSERT ON mail_sent TO ticketbase_app",
]

DOWNGRADE = ["DROP TABLE mail_sent"]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
