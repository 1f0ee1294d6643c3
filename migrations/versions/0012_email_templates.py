"""Email templates: a tenant's overrides of the default emails, one row per kind.

``email_templates`` holds what an organization wrote for one kind of email (``order_confirmation``,
``user_invitation``, ...): a subject, an HTML and a text Jinja2 template. A kind without a row is
sent with the default shipped in the code, so the table holds only overrides and deleting a row
is "back to the default". ``version`` counts saves for optimistic concurrency; ``updated_by`` is
the staff user who saved it (no foreign key: keys of tenant tables lead with organization_id and
users are not tenant rows; audit rows keep the history).

A tenant table like the others: keyed ``(organization_id, kind)``, FORCEd row level security.
Templates are bounded by the application (a few hundred KiB at most), so no TOAST tuning.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TENANT = "NULLIF(current_setting('app.organization_id', true), '')::uuid"

UPGRADE = [
    """
    CREATE TABLE email_templates (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        kind text NOT NULL,
        subject text NOT NULL,
        html text NOT NULL,
        text text NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        updated_at timestamptz NOT NULL,
        updated_by uuid,
        PRIMARY KEY (organization_id, kind)
    )
    """,
    "ALTER TABLE email_templates ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE email_templates FORCE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON email_templates "
    f"USING (organization_id = {TENANT}) WITH CHECK (organization_id = {TENANT})",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON email_templates TO ticketbase_app",
]

DOWNGRADE = ["DROP TABLE email_templates"]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
