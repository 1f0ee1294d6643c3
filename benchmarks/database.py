"""A throwaway database for one run: created, migrated, and dropped at the end.

It lives on the server of ``TICKETBASE_DATABASE_URL`` (taken as the owner, as ``ticketbase serve``
does; ``TICKETBASE_MIGRATION_DATABASE_URL`` is the owner when set too) or, with neither set, on an
embedded PostgreSQL started in a temporary directory and stopped afterwards. Either way no existing
database is touched. The cluster-wide roles the migrations create (``ticketbase_app``…) remain.
"""

from __future__ import annotations

import asyncio
import secrets
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from ticketbase.adapters.postgres import migrations
from ticketbase.adapters.postgres.embedded import EmbeddedPostgres
from ticketbase.adapters.postgres.engine import asyncpg_url
from ticketbase.entrypoints.settings import Settings


@dataclass(frozen=True, slots=True)
class BenchDatabase:
    name: str
    owner_url: str
    app_url: str | None
    """Set only when the API has a URL of its own (``TICKETBASE_MIGRATION_DATABASE_URL``)."""
    where: str

    def env(self) -> dict[str, str]:
        """The ``TICKETBASE_*`` variables that point the API at this database."""
        if self.app_url is None:
            return {"TICKETBASE_DATABASE_URL": self.owner_url}
        return {
            "TICKETBASE_DATABASE_URL": self.app_url,
            "TICKETBASE_MIGRATION_DATABASE_URL": self.owner_url,
        }


@contextmanager
def throwaway_database(configured: Settings, workdir: Path) -> Iterator[BenchDatabase]:
    with ExitStack() as stack:
        if configured.database_url is None:
            # pgserver warns (via platformdirs) when XDG_RUNTIME_DIR is unset: noise here.
            warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR")
            embedded = EmbeddedPostgres(workdir)
            stack.callback(embedded.stop)
            server_url, kind = embedded.start(), "embedded PostgreSQL (temporary data directory)"
        else:
            server_url = configured.migration_database_url or configured.database_url
            kind = make_url(_plain(server_url)).render_as_string(hide_password=True)
        name = f"ticketbase_bench_{secrets.token_hex(4)}"
        version = asyncio.run(_create(server_url, name))
        stack.callback(lambda: asyncio.run(_drop(server_url, name)))
        owner_url = _on(server_url, name)
        migrations.upgrade(asyncpg_url(owner_url))
        app_url = (
            _on(configured.database_url, name)
            if configured.migration_database_url and configured.database_url
            else None
        )
        yield BenchDatabase(name, owner_url, app_url, f"{kind}, PostgreSQL {version}")


def _plain(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def _on(url: str, database: str) -> str:
    """``url`` with its database replaced."""
    return make_url(_plain(url)).set(database=database).render_as_string(hide_password=False)


def _dsn(url: str) -> str:
    return make_url(_plain(url)).set(drivername="postgresql").render_as_string(hide_password=False)


async def _create(server_url: str, name: str) -> str:
    connection = await asyncpg.connect(_dsn(server_url))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
        return str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()


async def _drop(server_url: str, name: str) -> None:
    connection = await asyncpg.connect(_dsn(server_url))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()
