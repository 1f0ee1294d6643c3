"""House rules of the schema, checked on every table the migrations create — so a new table
cannot forget them (DESIGN.md, "Tenancy, enforced twice" and "Citus-ready").

Every tenant table:
- leads its primary key with ``organization_id`` (Citus distributes by it);
- leads every foreign key to another tenant table with ``organization_id`` (a row can never
  point at another tenant's row; colocated joins); a key to ``organizations`` itself is
  ``(organization_id)``; a key to a global table (``users``: a Citus reference table) is free;
- has row level security ENABLEd and FORCEd, with a policy on the transaction's tenant setting
  (``NULLIF(current_setting('app.organization_id', true), '')::uuid``) in USING and WITH CHECK.

The global tables (the tenants themselves, and what a person rather than a tenant owns) are
listed here by name, each with its reason; a new one needs an entry.
"""

from __future__ import annotations

import asyncpg
import pytest

pytestmark = pytest.mark.anyio

GLOBAL_TABLES = {
    "alembic_version": "the migrations' own bookkeeping",
    "organizations": "the tenants themselves, keyed by id (their RLS is on id)",
    "users": "a person's account spans organizations",
    "sessions": "a person's device; platform admins have one without a tenant",
    "rotated_refresh_tokens": "belongs to a session",
    "one_time_tokens": "password links are a person's, not a tenant's",
    "security_events": "failed logins name no tenant",
}
TENANT_SETTING = "NULLIF(current_setting('app.organization_id'::text, true), ''::text))::uuid"


async def _tables(connection: asyncpg.Connection) -> set[str]:
    rows = await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return {r["tablename"] for r in rows}


async def _key_columns(
    connection: asyncpg.Connection, table: str, kind: str
) -> list[tuple[list[str], str | None]]:
    """Each constraint of ``kind`` ('p' primary, 'f' foreign): its ordered column names and the
    table it references (foreign keys)."""
    rows = await connection.fetch(
        """
        SELECT c.conname, c.confrelid::regclass::text AS target,
               array_agg(a.attname ORDER BY k.ordinality) AS columns
        FROM pg_constraint c
        CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ordinality)
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
        WHERE c.conrelid = $1::regclass AND c.contype = $2::text::"char"
        GROUP BY c.conname, c.confrelid
        """,
        f"public.{table}",
        kind,
    )
    return [(list(r["columns"]), r["target"] if kind == "f" else None) for r in rows]


async def test_every_table_is_either_a_tenant_table_or_listed_as_global(
    owner_connection: asyncpg.Connection,
) -> None:
    tables = await _tables(owner_connection)
    assert set(GLOBAL_TABLES) <= tables, "stale entries in GLOBAL_TABLES"
    assert tables - set(GLOBAL_TABLES), "no tenant table at all: the query is wrong"


async def test_tenant_tables_lead_every_key_with_the_organization(
    owner_connection: asyncpg.Connection,
) -> None:
    wrong = []
    for table in sorted(await _tables(owner_connection) - set(GLOBAL_TABLES)):
        primary = await _key_columns(owner_connection, table, "p")
        if len(primary) != 1 or primary[0][0][0] != "organization_id":
            wrong.append(f"{table}: primary key {primary}")
        for columns, target in await _key_columns(owner_connection, table, "f"):
            to_reference_table = target in GLOBAL_TABLES and target != "organizations"
            if columns[0] != "organization_id" and not to_reference_table:
                wrong.append(f"{table}: foreign key {columns} to {target}")
    assert wrong == []


async def test_tenant_tables_force_row_level_security_on_the_tenant_setting(
    owner_connection: asyncpg.Connection,
) -> None:
    wrong = []
    for table in sorted(await _tables(owner_connection) - set(GLOBAL_TABLES)):
        flags = await owner_connection.fetchrow(
            "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = $1::regclass",
            f"public.{table}",
        )
        if not (flags["relrowsecurity"] and flags["relforcerowsecurity"]):
            wrong.append(f"{table}: row level security not enabled and forced")
        policies = await owner_connection.fetch(
            "SELECT qual, with_check FROM pg_policies WHERE schemaname = 'public' "
            "AND tablename = $1",
            table,
        )
        if not any(
            TENANT_SETTING in (p["qual"] or "") and TENANT_SETTING in (p["with_check"] or "")
            for p in policies
        ):
            wrong.append(f"{table}: no policy on the tenant setting in USING and WITH CHECK")
    assert wrong == []
