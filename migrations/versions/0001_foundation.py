"""Foundation: roles, organizations, custom domains, users, audit log, row level security.

Roles (cluster-wide, created once, kept on downgrade because other databases may use them):
- ticketbase_app: the role the API and worker log in as. Owns nothing, no BYPASSRLS; gets only
  the grants below (audit_log: SELECT and INSERT, never UPDATE or DELETE).
- ticketbase_system: NOLOGIN. Owns the SECURITY DEFINER functions that perform the few
  cross-tenant reads (resolve an organization by slug or domain, list organizations); a policy
  lets it, and only it, read the organization registry.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TENANT = "NULLIF(current_setting('app.organization_id', true), '')::uuid"

ROLES = """
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ticketbase_app') THEN
    CREATE ROLE ticketbase_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ticketbase_system') THEN
    CREATE ROLE ticketbase_system NOLOGIN NOSUPERUSER NOBYPASSRLS;
  END IF;
END
$$
"""

ORGANIZATION_COLUMNS = """
    id uuid, name text, slug text, status text, settings jsonb, branding jsonb,
    version integer, created_at timestamptz, updated_at timestamptz, domains jsonb
"""

FIND_ORGANIZATIONS = f"""
CREATE FUNCTION tb_find_organizations(
    p_id uuid, p_slug text, p_domain text, p_q text, p_after uuid, p_limit integer
) RETURNS TABLE ({ORGANIZATION_COLUMNS})
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT o.id, o.name, o.slug, o.status, o.settings, o.branding, o.version,
         o.created_at, o.updated_at,
         COALESCE((SELECT jsonb_agg(jsonb_build_object('name', d.domain,
                                                       'verifiedAt', d.verified_at)
                                    ORDER BY d.domain)
                   FROM organization_domains d WHERE d.organization_id = o.id), '[]'::jsonb)
  FROM organizations o
  WHERE (p_id IS NULL OR o.id = p_id)
    AND (p_slug IS NULL OR o.slug = p_slug)
    AND (p_domain IS NULL OR EXISTS (
          SELECT 1 FROM organization_domains d
          WHERE d.organization_id = o.id AND d.domain = p_domain AND d.verified_at IS NOT NULL))
    AND (p_q IS NULL OR strpos(lower(o.name), lower(p_q)) > 0 OR strpos(o.slug, lower(p_q)) > 0)
    AND (p_after IS NULL OR o.id < p_after)
  ORDER BY o.id DESC
  LIMIT LEAST(GREATEST(p_limit, 1), 201)
$$
"""

UPGRADE = [
    ROLES,
    "GRANT USAGE ON SCHEMA public TO ticketbase_app, ticketbase_system",
    """
    CREATE TABLE organizations (
        id uuid PRIMARY KEY,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        slug text NOT NULL CONSTRAINT uq_organizations_slug UNIQUE,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
        settings jsonb NOT NULL DEFAULT '{}'::jsonb,
        branding jsonb NOT NULL DEFAULT '{}'::jsonb,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
    )
    """,
    """
    CREATE TABLE organization_domains (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        domain text NOT NULL CONSTRAINT uq_organization_domains_domain UNIQUE,
        verified_at timestamptz,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (organization_id, domain)
    )
    """,
    """
    CREATE TABLE users (
        id uuid PRIMARY KEY,
        email text NOT NULL CONSTRAINT uq_users_email UNIQUE,
        full_name text NOT NULL,
        password_hash text,
        is_platform_admin boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL
    )
    """,
    """
    CREATE TABLE audit_log (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        id uuid NOT NULL,
        at timestamptz NOT NULL,
        actor_id uuid,
        action text NOT NULL,
        target_type text NOT NULL,
        target_id text,
        ip text,
        user_agent text,
        request_id text,
        changes jsonb NOT NULL DEFAULT '{}'::jsonb,
        PRIMARY KEY (organization_id, id)
    )
    """,
    "CREATE INDEX ix_audit_log_action ON audit_log (organization_id, action, id DESC)",
    # Row level security: the tenant is set per transaction with set_config(..., true).
    "ALTER TABLE organizations ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE organizations FORCE ROW LEVEL SECURITY",
    f"CREATE POLICY tenant_isolation ON organizations USING (id = {TENANT}) "
    f"WITH CHECK (id = {TENANT})",
    "CREATE POLICY system_read ON organizations FOR SELECT TO ticketbase_system USING (true)",
    *[
        stmt
        for table in ("organization_domains", "audit_log")
        for stmt in (
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
            f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
            f"CREATE POLICY tenant_isolation ON {table} "
            f"USING (organization_id = {TENANT}) WITH CHECK (organization_id = {TENANT})",
        )
    ],
    "CREATE POLICY system_read ON organization_domains FOR SELECT TO ticketbase_system "
    "USING (true)",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON organizations, organization_domains TO ticketbase_app",
    "GRANT SELECT, INSERT, UPDATE ON users TO ticketbase_app",
    "GRANT SELECT, INSERT ON audit_log TO ticketbase_app",
    "GRANT SELECT ON organizations, organization_domains TO ticketbase_system",
    FIND_ORGANIZATIONS,
    "ALTER FUNCTION tb_find_organizations(uuid, text, text, text, uuid, integer) "
    "OWNER TO ticketbase_system",
    "REVOKE ALL ON FUNCTION tb_find_organizations(uuid, text, text, text, uuid, integer) "
    "FROM PUBLIC",
    "GRANT EXECUTE ON FUNCTION tb_find_organizations(uuid, text, text, text, uuid, integer) "
    "TO ticketbase_app",
]

DOWNGRADE = [
    "DROP FUNCTION tb_find_organizations(uuid, text, text, text, uuid, integer)",
    "DROP TABLE audit_log",
    "DROP TABLE users",
    "DROP TABLE organization_domains",
    "DROP TABLE organizations",
    "REVOKE USAGE ON SCHEMA public FROM ticketbase_app, ticketbase_system",
]


def upgrade() -> None:
    # asyncpg prepares every statement, so each one is sent on its own.
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
