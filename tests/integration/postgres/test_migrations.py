"""The migrations are reversible: upgrade → downgrade → upgrade on a real, empty database."""

from __future__ import annotations

import asyncio

import asyncpg
from sqlalchemy.engine import URL
from tests.integration.conftest import create_database, drop_database
from tests.integration.support import raw_dsn

from ticketbase.adapters.postgres import migrations


async def _tables(url: URL) -> set[str]:
    connection = await asyncpg.connect(raw_dsn(url))
    try:
        rows = await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'"
        )
    finally:
        await connection.close()
    return {r["tablename"] for r in rows}


def test_upgrade_downgrade_upgrade(postgres_server: URL) -> None:
    url = create_database(postgres_server)
    try:
        migrations.upgrade(url)
        created = asyncio.run(_tables(url))
        assert {"organizations", "organization_domains", "users", "audit_log"} <= created
        migrations.downgrade(url, "base")
        assert asyncio.run(_tables(url)) == set()
        migrations.upgrade(url)
        assert asyncio.run(_tables(url)) == created
    finally:
        drop_database(url)
