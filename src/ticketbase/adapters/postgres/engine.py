"""Engine construction and the URL of the role the application logs in as."""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

APP_ROLE = "ticketbase_app"


def asyncpg_url(url: str | URL) -> URL:
    """Any postgres URL (``postgresql://``, ``postgres://``, pgserver's) as an asyncpg URL."""
    parsed = make_url(str(url).replace("postgres://", "postgresql://", 1))
    return parsed.set(drivername="postgresql+asyncpg")


def app_role_url(owner_url: str | URL) -> URL:
    """The same server and database, logged in as the role that owns no table (trust or
    password-less setups: development, tests, the embedded server)."""
    return asyncpg_url(owner_url).set(username=APP_ROLE, password=None)


def create_engine(url: str | URL, *, pool_size: int, max_overflow: int) -> AsyncEngine:
    return create_async_engine(
        asyncpg_url(url),
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=False,
        pool_recycle=1800,
        connect_args={
            "server_settings": {"application_name": "ticketbase"},
            "timeout": 5,
            "command_timeout": 30,
        },
    )
