"""Pages: a tenant's storefront pages edited in Puck, each save an immutable version.

``pages`` holds what a page is now: its slug (unique in its organization, the public address),
title, status (``draft`` until first published), the version the editor last saved
(``current_version``) and the version the storefront shows (``published_version``, NULL until the
first publish). ``version`` counts changes of the row for optimistic concurrency (If-Match).

``page_versions`` keeps every save: the Puck document (``data`` jsonb, at most 2 MiB, checked by
the application), title and SEO as saved, who saved it and when. The application role may only
SELECT and INSERT them: history is immutable, a restore inserts a new version equal to an old one.
``pages.current_version`` and ``published_version`` reference a version row; the foreign keys are
DEFERRABLE INITIALLY DEFERRED because a page and its first version are written in one transaction
and each names the other.

Tenant tables like the others: keys lead with organization_id, FORCEd row level security.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TENANT = "NULLIF(current_setting('app.organization_id', true), '')::uuid"

UPGRADE = [
    """
    CREATE TABLE pages (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        id uuid NOT NULL,
        slug text NOT NULL,
        title text NOT NULL,
        status text NOT NULL CHECK (status IN ('draft', 'published')),
        current_version integer NOT NULL CHECK (current_version >= 1),
        published_version integer CHECK (published_version >= 1),
        version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (organization_id, id),
        CONSTRAINT uq_pages_slug UNIQUE (organization_id, slug),
        CONSTRAINT ck_pages_published CHECK (
            (status = 'draft') = (published_version IS NULL)
        )
    )
    """,
    """
    CREATE TABLE page_versions (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        page_id uuid NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        data jsonb NOT NULL,
        title text NOT NULL,
        seo jsonb,
        created_at timestamptz NOT NULL,
        created_by uuid,
        PRIMARY KEY (organization_id, page_id, version),
        CONSTRAINT fk_page_versions_page FOREIGN KEY (organization_id, page_id)
            REFERENCES pages (organization_id, id) ON DELETE CASCADE
    )
    """,
    "ALTER TABLE pages ADD CONSTRAINT fk_pages_current_version "
    "FOREIGN KEY (organization_id, id, current_version) "
    "REFERENCES page_versions (organization_id, page_id, version) "
    "DEFERRABLE INITIALLY DEFERRED",
    "ALTER TABLE pages ADD CONSTRAINT fk_pages_published_version "
    "FOREIGN KEY (organization_id, id, published_version) "
    "REFERENCES page_versions (organization_id, page_id, version) "
    "DEFERRABLE INITIALLY DEFERRED",
    "ALTER TABLE pages ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE pages FORCE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON pages "
    f"USING (organization_id = {TENANT}) WITH CHECK (organization_id = {TENANT})",
    "ALTER TABLE page_versions ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE page_versions FORCE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON page_versions "
    f"USING (organization_id = {TENANT}) WITH CHECK (organization_id = {TENANT})",
    "GRANT SELECT, INSERT, UPDATE ON pages TO ticketbase_app",
    "GRANT SELECT, INSERT ON page_versions TO ticketbase_app",
]

DOWNGRADE = [
    "ALTER TABLE pages DROP CONSTRAINT fk_pages_current_version",
    "ALTER TABLE pages DROP CONSTRAINT fk_pages_published_version",
    "DROP TABLE page_versions",
    "DROP TABLE pages",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
