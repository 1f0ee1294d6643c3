"""Helpers for integration tests: DSNs, organizations and tokens made through the app's layers."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg
from sqlalchemy.engine import URL, make_url

from ticketbase.adapters.postgres.engine import APP_ROLE


def raw_dsn(url: URL, *, username: str | None = None) -> str:
    """A libpq-style DSN for asyncpg.connect (SQLAlchemy's driver name stripped)."""
    plain = url.set(drivername="postgresql")
    if username is not None:
        plain = plain.set(username=username, password=None)
    return plain.render_as_string(hide_password=False)


def app_dsn(url: URL) -> str:
    return raw_dsn(url, username=APP_ROLE)


async def deliver_own_outbox(app: Any, organization_id: UUID, *, rounds: int = 20) -> list[Any]:
    """What the worker's outbox loop does, for one tenant's messages: the outcomes of its own.

    The test database is shared by the whole run, so earlier tests leave undelivered messages
    behind (announcements whose handlers they never ran); a batch claimed now would be theirs,
    delivered with this test's handlers and mailbox. They are parked first (``available_at =
    'infinity'``, as the outbox parks a message), then batches are delivered until none is due."""
    from ticketbase.application.outbox.deliver_outbox import DeliverOutbox
    from ticketbase.entrypoints.settings import Settings

    async with app.state.dishka_container() as request:
        settings = await request.get(Settings)
        connection = await asyncpg.connect(raw_dsn(make_url(settings.database_url)))
        try:
            await connection.execute(
                "UPDATE outbox SET available_at = 'infinity' WHERE organization_id <> $1"
                " AND delivered_at IS NULL AND available_at <> 'infinity'",
                organization_id,
            )
        finally:
            await connection.close()
    outcomes: list[Any] = []
    for _ in range(rounds):
        async with app.state.dishka_container() as request:
            report = await (await request.get(DeliverOutbox))()
        outcomes += [d.outcome for d in report.deliveries if d.organization_id == organization_id]
        if not report.full:
            break
    return outcomes
