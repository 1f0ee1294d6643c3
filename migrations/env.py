"""Alembic environment: runs migrations over asyncpg as the schema owner.

The URL is set by ``ticketbase migrate`` (``config.attributes["url"]``) or, when alembic is run by
hand, taken from the TICKETBASE_* settings.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

config = context.config


def _url() -> str:
    url = config.attributes.get("url")
    if url is None:
        from ticketbase.entrypoints.settings import Settings

        settings = Settings.from_env()
        url = settings.migration_database_url or settings.database_url
        if url is None:
            raise SystemExit("set TICKETBASE_DATABASE_URL, or run `ticketbase migrate`")
    return str(url)


def _run(connection: Connection) -> None:
    context.configure(connection=connection, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()


async def _main() -> None:
    engine = create_async_engine(_url(), poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported: run against a database")
asyncio.run(_main())
