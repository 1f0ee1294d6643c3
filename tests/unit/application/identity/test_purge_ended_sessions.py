"""Retention rules on the memory adapters (the same contract as the PostgreSQL test)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.unit.application.identity.conftest import META, IdentityKit

from ticketbase.application.identity.purge_ended_sessions import PurgeEndedSessions

pytestmark = pytest.mark.anyio


async def test_sessions_go_a_grace_period_after_they_end(kit: IdentityKit) -> None:
    first = await kit.register()
    second = await kit.login("olivia@acme.example")
    await kit.end_session(await kit.actor(first.tokens))
    purge = PurgeEndedSessions(kit.uow, kit.clock, grace=timedelta(days=7))

    kit.clock.advance(days=6)
    assert (await purge()).sessions == 0
    kit.clock.advance(days=2)
    assert (await purge()).sessions == 1  # the one logged out 8 days ago
    assert first.tokens.session_id not in kit.uow.database.state.sessions
    assert second.tokens.session_id in kit.uow.database.state.sessions

    kit.clock.advance(days=31)  # the other expired (30 days) and 7 more passed
    assert (await purge()).sessions == 1
    assert kit.uow.database.state.sessions == {}


async def test_spent_links_go_too(kit: IdentityKit) -> None:
    await kit.register()
    await kit.forgot_password("olivia@acme.example", META)
    purge = PurgeEndedSessions(kit.uow, kit.clock, grace=timedelta(days=7))
    assert (await purge()).one_time_tokens == 0
    kit.clock.advance(days=8)
    assert (await purge()).one_time_tokens == 1
    assert kit.uow.database.state.one_time_tokens == {}
