"""Installed plugins: which plugins of the plugin server each tenant has, and the status webhook's
replay guard.

``installed_plugins`` is one row per (organization, plugin): the version installed, whether it is
active, the tenant's configuration (validated against the manifest's JSON Schema by the
application before it is stored) and the lifecycle ``status``. ``installing`` and
``uninstalling`` are written in the same transaction as the outbox command that asks the plugin
server to do it, so a crash between the two sides leaves a row the worker completes; the worker
marks ``installed`` (or deletes the row) once the plugin server answered. The plugin server's
own statuses (``ready``, ``error``...) arrive through the status webhook.

``plugin_webhook_receipts`` remembers the digest of every status webhook body accepted within
the signature's tolerance, keyed ``(organization_id, digest)``: a replayed body hits the unique
key in whatever process receives it. Rows are useless once ``expires_at`` has passed (the
timestamp check refuses the body anyway) and are deleted by the receiver as it goes.

Both are tenant tables: keys led by organization_id, FORCEd row level security.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TENANT = "NULLIF(current_setting('app.organization_id', true), '')::uuid"

UPGRADE = [
    """
    CREATE TABLE installed_plugins (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        plugin_id text NOT NULL CHECK (length(plugin_id) BETWEEN 1 AND 200),
        version text NOT NULL,
        active boolean NOT NULL DEFAULT false,
        config jsonb NOT NULL DEFAULT '{}'::jsonb,
        status text NOT NULL,
        status_detail text,
        requires jsonb NOT NULL DEFAULT '[]'::jsonb,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (organization_id, plugin_id)
    )
    """,
    "ALTER TABLE installed_plugins ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE installed_plugins FORCE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON installed_plugins "
    f"USING (organization_id = {TENANT}) WITH CHECK (organization_id = {TENANT})",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON installed_plugins TO ticketbase_app",
    """
    CREATE TABLE plugin_webhook_receipts (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        digest bytea NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (organization_id, digest)
    )
    """,
    "CREATE INDEX ix_plugin_webhook_receipts_expiry "
    "ON plugin_webhook_receipts (organization_id, expires_at)",
    "ALTER TABLE plugin_webhook_receipts ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE plugin_webhook_receipts FORCE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON plugin_webhook_receipts "
    f"USING (organization_id = {TENANT}) WITH CHECK (organization_id = {TENANT})",
    "GRANT SELECT, INSERT, DELETE ON plugin_webhook_receipts TO ticketbase_app",
]

DOWNGRADE = ["DROP TABLE plugin_webhook_receipts", "DROP TABLE installed_plugins"]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
