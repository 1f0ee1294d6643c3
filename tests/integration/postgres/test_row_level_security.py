"""Tenancy enforced by PostgreSQL itself, seen from the role the API logs in as."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest
from sqlalchemy.engine import URL
from tests.integration.support import app_dsn

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 5, 1, tzinfo=UTC)


async def _seed_organization(owner: asyncpg.Connection) -> uuid.UUID:
    org_id = uuid.uuid4()
    slug = f"org-{org_id.hex[:10]}"
    await owner.execute(
        "INSERT INTO organizations (id, name, slug, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, $4)",
        org_id,
        slug,
        slug,
        NOW,
    )
    await owner.execute(
        "INSERT INTO organization_domains (organization_id, domain, created_at) "
        "VALUES ($1, $2, $3)",
        org_id,
        f"{slug}.example.com",
        NOW,
    )
    await owner.execute(
        "INSERT INTO audit_log (organization_id, id, at, action, target_type, changes) "
        "VALUES ($1, $2, $3, 'seeded', 'organization', $4)",
        org_id,
        uuid.uuid4(),
        NOW,
        json.dumps({}),
    )
    await owner.execute(
        "INSERT INTO departments (organization_id, id, name, created_at, updated_at) "
        "VALUES ($1, $2, 'Sales', $3, $3)",
        org_id,
        uuid.uuid4(),
        NOW,
    )
    return org_id


@pytest.fixture
async def tenants(owner_connection: asyncpg.Connection) -> tuple[uuid.UUID, uuid.UUID]:
    return await _seed_organization(owner_connection), await _seed_organization(owner_connection)


@pytest.fixture
async def app(database_url: URL) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(app_dsn(database_url))
    try:
        yield connection
    finally:
        await connection.close()


async def _set_tenant(connection: asyncpg.Connection, org_id: uuid.UUID) -> None:
    await connection.execute("SELECT set_config('app.organization_id', $1, true)", str(org_id))


TENANT_TABLES = ["organizations", "organization_domains", "audit_log", "departments"]


@pytest.mark.parametrize("table", TENANT_TABLES)
async def test_without_a_tenant_every_tenant_table_looks_empty(
    app: asyncpg.Connection, tenants: tuple[uuid.UUID, uuid.UUID], table: str
) -> None:
    assert await app.fetchval(f"SELECT count(*) FROM {table}") == 0


@pytest.mark.parametrize("table", TENANT_TABLES)
async def test_a_tenant_sees_only_its_own_rows(
    app: asyncpg.Connection, tenants: tuple[uuid.UUID, uuid.UUID], table: str
) -> None:
    a, b = tenants
    column = "id" if table == "organizations" else "organization_id"
    async with app.transaction():
        await _set_tenant(app, a)
        seen = {r[0] for r in await app.fetch(f"SELECT {column} FROM {table}")}
    assert seen == {a}
    assert b not in seen


async def test_inserting_a_row_for_another_tenant_is_rejected(
    app: asyncpg.Connection, tenants: tuple[uuid.UUID, uuid.UUID]
) -> None:
    a, b = tenants
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
        async with app.transaction():
            await _set_tenant(app, a)
            await app.execute(
                "INSERT INTO organization_domains (organization_id, domain, created_at) "
                "VALUES ($1, $2, now())",
                b,
                f"stolen-{uuid.uuid4().hex[:8]}.example.com",
            )


async def test_updating_or_deleting_another_tenants_rows_touches_nothing(
    app: asyncpg.Connection,
    owner_connection: asyncpg.Connection,
    tenants: tuple[uuid.UUID, uuid.UUID],
) -> None:
    a, b = tenants
    async with app.transaction():
        await _set_tenant(app, a)
        updated = await app.execute("UPDATE organizations SET name = 'hijacked' WHERE id = $1", b)
        deleted = await app.execute(
            "DELETE FROM organization_domains WHERE organization_id = $1", b
        )
    assert (updated, deleted) == ("UPDATE 0", "DELETE 0")
    assert await owner_connection.fetchval("SELECT name FROM organizations WHERE id = $1", b) != (
        "hijacked"
    )


async def test_moving_a_row_into_another_tenant_is_rejected(
    app: asyncpg.Connection, tenants: tuple[uuid.UUID, uuid.UUID]
) -> None:
    a, b = tenants
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with app.transaction():
            await _set_tenant(app, a)
            await app.execute(
                "UPDATE organization_domains SET organization_id = $1 WHERE organization_id = $2",
                b,
                a,
            )


async def test_the_tenant_setting_does_not_outlive_its_transaction(
    app: asyncpg.Connection, tenants: tuple[uuid.UUID, uuid.UUID]
) -> None:
    a, _ = tenants
    async with app.transaction():
        await _set_tenant(app, a)
        assert await app.fetchval("SELECT count(*) FROM organizations") == 1
    # The same (pooled) connection afterwards: an empty setting, zero rows, and no error.
    assert await app.fetchval("SELECT current_setting('app.organization_id', true)") == ""
    assert await app.fetchval("SELECT count(*) FROM organizations") == 0


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_log SET action = 'forged'", "DELETE FROM audit_log", "TRUNCATE audit_log"],
)
async def test_the_audit_log_is_append_only_for_the_app(
    app: asyncpg.Connection, tenants: tuple[uuid.UUID, uuid.UUID], statement: str
) -> None:
    a, _ = tenants
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied"):
        async with app.transaction():
            await _set_tenant(app, a)
            await app.execute(statement)


async def test_the_app_role_cannot_bypass_row_level_security(app: asyncpg.Connection) -> None:
    row = await app.fetchrow(
        "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles "
        "WHERE rolname = current_user"
    )
    assert row is not None
    assert not any(row.values())
    owned = await app.fetchval(
        "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user"
    )
    assert owned == 0
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await app.execute("ALTER TABLE organizations DISABLE ROW LEVEL SECURITY")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await app.execute("SET ROLE ticketbase_system")


async def test_only_the_named_function_reads_across_tenants(
    app: asyncpg.Connection, tenants: tuple[uuid.UUID, uuid.UUID]
) -> None:
    a, b = tenants
    # By id: a page of the first 201 would miss them once the suite has made more tenants whose
    # random ids sort after theirs (it did, in a clean clone).
    for organization in (a, b):
        found = await app.fetch(
            "SELECT id FROM tb_find_organizations($1, NULL, NULL, NULL, NULL, 1)", organization
        )
        assert [r["id"] for r in found] == [organization]
    # The function serves reads only; the registry itself stays closed to direct queries.
    assert await app.fetchval("SELECT count(*) FROM organizations WHERE id = $1", b) == 0
