"""Assets: files a tenant uploads for its storefront (images, PDFs, fonts), and the storage each
organization uses, for its quota.

``assets`` is a tenant table like the others: keyed ``(organization_id, id)``, FORCEd row level
security. The bytes live in object storage (S3 or the local folder) under ``object_key``,
``{organization_id}/{id}/{safe name}``, built by the server, never from a client path. A row is
``pending`` from the moment its size is reserved until the bytes are stored and sniffed, then
``ready``; only ready assets are listed or downloadable. ``created_by`` is the staff member who
uploaded it (kept when the user leaves: no foreign key to memberships).

``organization_storage`` holds one counter per organization: the bytes reserved by its pending
and ready assets. An upload reserves its size with one conditional ``UPDATE ... SET used_bytes =
used_bytes + n WHERE used_bytes + n <= quota`` before streaming a byte, so two uploads racing for
the last bytes of a quota cannot both win (the row lock serialises them, the second re-checks
the sum); a failed upload and a delete give the bytes back. ``CHECK (used_bytes >= 0)`` keeps a
double release from going unnoticed.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TENANT = "NULLIF(current_setting('app.organization_id', true), '')::uuid"

UPGRADE = [
    """
    CREATE TABLE assets (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        id uuid NOT NULL,
        filename text NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
        content_type text NOT NULL,
        size bigint NOT NULL CHECK (size >= 0),
        object_key text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'ready')),
        created_by uuid REFERENCES users (id),
        created_at timestamptz NOT NULL,
        completed_at timestamptz,
        PRIMARY KEY (organization_id, id),
        CONSTRAINT uq_assets_object_key UNIQUE (organization_id, object_key)
    )
    """,
    "ALTER TABLE assets ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE assets FORCE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON assets "
    f"USING (organization_id = {TENANT}) WITH CHECK (organization_id = {TENANT})",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON assets TO ticketbase_app",
    """
    CREATE TABLE organization_storage (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        used_bytes bigint NOT NULL DEFAULT 0 CHECK (used_bytes >= 0),
        PRIMARY KEY (organization_id)
    )
    """,
    "ALTER TABLE organization_storage ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE organization_storage FORCE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON organization_storage "
    f"USING (organization_id = {TENANT}) WITH CHECK (organization_id = {TENANT})",
    "GRANT SELECT, INSERT, UPDATE ON organization_storage TO ticketbase_app",
]

DOWNGRADE = ["DROP TABLE organization_storage", "DROP TABLE assets"]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
