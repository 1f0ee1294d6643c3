"""Identity: departments, memberships, sessions, one-time tokens, security events.

Tenant tables (departments, memberships) follow 0001: keyed (organization_id, id), composite
foreign keys, ENABLE + FORCE row level security. Accounts, sessions, one-time tokens and security
events are global (a person, not a tenant, owns them; a session may belong to a platform admin
with no organization) and are reached only through the named methods of ``uow.system()``.
Security events are append-only for the app role, like the audit log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TENANT = "NULLIF(current_setting('app.organization_id', true), '')::uuid"
ROLES = "'owner', 'admin', 'manager', 'support', 'analyst'"

UPGRADE = [
    "ALTER TABLE users ADD COLUMN password_changed_at timestamptz",
    """
    CREATE TABLE departments (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        id uuid NOT NULL,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        parent_id uuid,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (organization_id, id),
        CONSTRAINT fk_departments_parent FOREIGN KEY (organization_id, parent_id)
            REFERENCES departments (organization_id, id),
        CONSTRAINT ck_departments_not_own_parent CHECK (parent_id IS DISTINCT FROM id)
    )
    """,
    "CREATE INDEX ix_departments_parent ON departments (organization_id, parent_id)",
    f"""
    CREATE TABLE memberships (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        id uuid NOT NULL,
        user_id uuid NOT NULL REFERENCES users (id),
        role text NOT NULL CHECK (role IN ({ROLES})),
        department_id uuid,
        grants text[] NOT NULL DEFAULT '{{}}',
        revokes text[] NOT NULL DEFAULT '{{}}',
        status text NOT NULL CHECK (status IN ('active', 'invited', 'deactivated')),
        last_login_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        version integer NOT NULL DEFAULT 1,
        PRIMARY KEY (organization_id, id),
        CONSTRAINT uq_memberships_user UNIQUE (organization_id, user_id),
        CONSTRAINT fk_memberships_department FOREIGN KEY (organization_id, department_id)
            REFERENCES departments (organization_id, id)
    )
    """,
    "CREATE INDEX ix_memberships_user ON memberships (user_id)",
    """
    CREATE TABLE sessions (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id),
        organization_id uuid REFERENCES organizations (id) ON DELETE CASCADE,
        refresh_token_hash bytea NOT NULL CONSTRAINT uq_sessions_refresh_token UNIQUE,
        user_agent text,
        ip text,
        created_at timestamptz NOT NULL,
        last_used_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoked_reason text
    )
    """,
    "CREATE INDEX ix_sessions_user ON sessions (user_id, id DESC)",
    """
    CREATE TABLE rotated_refresh_tokens (
        token_hash bytea PRIMARY KEY,
        session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        rotated_at timestamptz NOT NULL
    )
    """,
    """
    CREATE TABLE one_time_tokens (
        token_hash bytea PRIMARY KEY,
        purpose text NOT NULL CHECK (purpose IN ('password_reset', 'invitation')),
        user_id uuid NOT NULL REFERENCES users (id),
        organization_id uuid REFERENCES organizations (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz
    )
    """,
    """
    CREATE TABLE security_events (
        id uuid PRIMARY KEY,
        at timestamptz NOT NULL,
        kind text NOT NULL,
        user_id uuid,
        organization_id uuid,
        ip text,
        user_agent text,
        request_id text,
        detail jsonb NOT NULL DEFAULT '{}'::jsonb
    )
    """,
    *[
        stmt
        for table in ("departments", "memberships")
        for stmt in (
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
            f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
            f"CREATE POLICY tenant_isolation ON {table} "
            f"USING (organization_id = {TENANT}) WITH CHECK (organization_id = {TENANT})",
        )
    ],
    # The login lookup: a user's memberships across organizations, through a named function.
    """
    CREATE FUNCTION tb_memberships_of_user(p_user_id uuid)
    RETURNS TABLE (organization_id uuid, id uuid, role text, department_id uuid, grants text[],
                   revokes text[], status text, slug text, name text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
      SELECT m.organization_id, m.id, m.role, m.department_id, m.grants, m.revokes, m.status,
             o.slug, o.name
      FROM memberships m JOIN organizations o ON o.id = m.organization_id
      WHERE m.user_id = p_user_id AND o.status = 'active'
      ORDER BY m.created_at
    $$
    """,
    "CREATE POLICY system_read ON memberships FOR SELECT TO ticketbase_system USING (true)",
    "GRANT SELECT ON memberships TO ticketbase_system",
    "ALTER FUNCTION tb_memberships_of_user(uuid) OWNER TO ticketbase_system",
    "REVOKE ALL ON FUNCTION tb_memberships_of_user(uuid) FROM PUBLIC",
    "GRANT EXECUTE ON FUNCTION tb_memberships_of_user(uuid) TO ticketbase_app",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON departments, memberships TO ticketbase_app",
    "GRANT SELECT, INSERT, UPDATE ON sessions, one_time_tokens TO ticketbase_app",
    "GRANT SELECT, INSERT, DELETE ON rotated_refresh_tokens TO ticketbase_app",
    "GRANT SELECT, INSERT ON security_events TO ticketbase_app",
]

DOWNGRADE = [
    "DROP FUNCTION tb_memberships_of_user(uuid)",
    "DROP TABLE security_events",
    "DROP TABLE one_time_tokens",
    "DROP TABLE rotated_refresh_tokens",
    "DROP TABLE sessions",
    "DROP TABLE memberships",
    "DROP TABLE departments",
    "ALTER TABLE users DROP COLUMN password_changed_at",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
