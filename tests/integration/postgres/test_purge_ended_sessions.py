"""Retention on the real database: ended sessions and spent links go, live ones stay."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import URL

from ticketbase.adapters.memory.system import FixedClock
from ticketbase.adapters.postgres.engine import app_role_url, create_engine
from ticketbase.adapters.postgres.unit_of_work import PostgresUnitOfWork
from ticketbase.application.identity.purge_ended_sessions import PurgeEndedSessions
from ticketbase.application.ports.unit_of_work import OneTimeToken, TokenPurpose
from ticketbase.domain.identity.session import Session
from ticketbase.domain.identity.user import User
from ticketbase.domain.shared.ids import SessionId, UserId
from ticketbase.domain.shared.values import EmailAddress

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
async def uow(database_url: URL) -> AsyncIterator[PostgresUnitOfWork]:
    engine = create_engine(app_role_url(database_url), pool_size=2, max_overflow=0)
    try:
        yield PostgresUnitOfWork(engine)
    finally:
        await engine.dispose()


def _session(user: UserId, *, expires: datetime, revoked: datetime | None = None) -> Session:
    return Session(
        id=SessionId(uuid.uuid4()),
        user_id=user,
        organization_id=None,
        created_at=expires - timedelta(days=30),
        last_used_at=expires - timedelta(days=1),
        expires_at=expires,
        revoked_at=revoked,
    )


async def test_ended_sessions_and_spent_links_are_purged_after_the_grace_period(
    uow: PostgresUnitOfWork,
) -> None:
    user = User(
        id=UserId(uuid.uuid4()),
        email=EmailAddress(f"p-{uuid.uuid4().hex[:8]}@example.com"),
        full_name="Purge Me",
        password_hash=None,
        created_at=NOW - timedelta(days=90),
    )
    long_expired = _session(user.id, expires=NOW - timedelta(days=8))
    revoked_long_ago = _session(
        user.id, expires=NOW + timedelta(days=9), revoked=NOW - timedelta(days=10)
    )
    recently_ended = _session(user.id, expires=NOW - timedelta(days=2))
    live = _session(user.id, expires=NOW + timedelta(days=20))
    old_link = OneTimeToken(
        uuid.uuid4().bytes,
        TokenPurpose.PASSWORD_RESET,
        user.id,
        None,
        NOW - timedelta(days=9),
        NOW - timedelta(days=8),
    )
    live_link = OneTimeToken(
        uuid.uuid4().bytes,
        TokenPurpose.PASSWORD_RESET,
        user.id,
        None,
        NOW,
        NOW + timedelta(hours=1),
    )
    async with uow.system() as system:
        await system.users.add(user)
        await system.sessions.add(long_expired, b"first refresh token hash")
        for session in (revoked_long_ago, recently_ended, live):
            await system.sessions.add(session, uuid.uuid4().bytes)
        rotated = await system.sessions.rotate(
            long_expired.id, b"first refresh token hash", uuid.uuid4().bytes, NOW
        )
        assert rotated
        for link in (old_link, live_link):
            await system.one_time_tokens.add(link)
        await system.commit()

    purged = await PurgeEndedSessions(uow, FixedClock(NOW))()

    assert purged.sessions >= 2
    assert purged.one_time_tokens >= 1
    async with uow.system() as system:
        assert await system.sessions.get(long_expired.id) is None
        # Its rotated refresh tokens went with it (ON DELETE CASCADE).
        assert await system.sessions.session_of_rotated_token(b"first refresh token hash") is None
        assert await system.sessions.get(revoked_long_ago.id) is None
        assert await system.sessions.get(recently_ended.id) is not None
        assert await system.sessions.get(live.id) is not None
        assert (
            await system.one_time_tokens.consume(
                live_link.token_hash, TokenPurpose.PASSWORD_RESET, NOW
            )
            is not None
        )
