"""Helpers for integration tests: DSNs, organizations and tokens made through the app's layers."""

from __future__ import annotations

from sqlalchemy.engine import URL

from ticketbase.adapters.postgres.engine import APP_ROLE


def raw_dsn(url: URL, *, username: str | None = None) -> str:
    """A libpq-style DSN for asyncpg.connect (SQLAlchemy's driver name stripped)."""
    plain = url.set(drivername="postgresql")
    if username is not None:
        plain = plain.set(username=username, password=None)
    return plain.render_as_string(hide_password=False)


def app_dsn(url: URL) -> str:
    return raw_dsn(url, username=APP_ROLE)
