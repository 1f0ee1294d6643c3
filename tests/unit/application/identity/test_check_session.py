"""CheckSession: a token's session must exist, be the token user's, and not have ended or
expired — and a cached answer never outlives the change that ends it."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from tests.unit.application.identity.conftest import REFRESH_TTL, IdentityKit

from ticketbase.adapters.memory.change_feed import MemoryChangeFeed
from ticketbase.application.identity.check_session import WatchEndedSessions
from ticketbase.domain.identity.permissions import Role
from ticketbase.domain.shared.errors import SessionEnded
from ticketbase.domain.shared.ids import SessionId, UserId

pytestmark = pytest.mark.anyio


async def test_a_running_session_passes_and_is_then_served_from_the_cache(
    kit: IdentityKit,
) -> None:
    tokens = (await kit.register()).tokens
    await kit.actor(tokens)
    # Gone from the database without a change being told: the cached answer still stands
    # (which is why every real change is told; see the next tests).
    del kit.uow.database.state.sessions[tokens.session_id]
    await kit.actor(tokens)


async def test_an_unknown_session_is_refused(kit: IdentityKit) -> None:
    user_id = (await kit.register()).user.id
    with pytest.raises(SessionEnded):
        await kit.check_session(user_id, SessionId(uuid.uuid4()))


async def test_a_session_of_another_user_is_refused(kit: IdentityKit) -> None:
    tokens = (await kit.register()).tokens
    with pytest.raises(SessionEnded):
        await kit.check_session(UserId(uuid.uuid4()), tokens.session_id)


async def test_an_expired_session_is_refused_even_from_the_cache(kit: IdentityKit) -> None:
    registered = await kit.register()
    await kit.check_session(registered.user.id, registered.tokens.session_id)  # now cached
    kit.clock.advance(seconds=REFRESH_TTL)
    with pytest.raises(SessionEnded):
        await kit.check_session(registered.user.id, registered.tokens.session_id)


async def test_ending_a_cached_session_refuses_it_at_the_next_request(kit: IdentityKit) -> None:
    tokens = (await kit.register()).tokens
    actor = await kit.actor(tokens)  # cached as running
    await kit.end_session(actor)
    with pytest.raises(SessionEnded):
        await kit.actor(tokens)


async def test_deactivating_a_member_refuses_their_cached_sessions(kit: IdentityKit) -> None:
    owner = await kit.actor((await kit.register()).tokens)
    signed_in, member = await kit.member_session(owner, "sam@acme.example", Role.SUPPORT)
    await kit.actor(signed_in.tokens)
    await kit.deactivate_user(member.user_id, owner)
    with pytest.raises(SessionEnded):
        await kit.actor(signed_in.tokens)


async def test_the_sweep_tells_the_cache_about_sessions_ended_without_a_message(
    kit: IdentityKit,
) -> None:
    """A writer that died between its commit and its publish: the sweep is the backstop."""
    tokens = (await kit.register()).tokens
    await kit.actor(tokens)
    feed = kit.uow.database.feed
    assert isinstance(feed, MemoryChangeFeed)
    kit.uow.database.feed = None  # the write below is committed but never published
    watch = WatchEndedSessions(kit.uow, feed, kit.clock)
    assert await watch() == 0
    kit.clock.advance(seconds=1)
    kit.uow.database.state.sessions[tokens.session_id].revoke(kit.clock.now(), "logout")
    await kit.actor(tokens)  # still the cached answer
    kit.clock.advance(seconds=5)
    assert await watch() == 1
    with pytest.raises(SessionEnded):
        await kit.actor(tokens)
    assert await watch() == 0  # each ended session is told once


async def test_the_sweep_looks_back_past_its_last_run(kit: IdentityKit) -> None:
    """``revoked_at`` is stamped before the commit: a slow commit lands after the next sweep
    started, with a time before it."""
    tokens = (await kit.register()).tokens
    feed = kit.uow.database.feed
    assert isinstance(feed, MemoryChangeFeed)
    watch = WatchEndedSessions(kit.uow, feed, kit.clock, overlap=timedelta(seconds=30))
    await watch()
    stamped = kit.clock.now() - timedelta(seconds=20)
    kit.uow.database.state.sessions[tokens.session_id].revoke(stamped, "logout")
    kit.clock.advance(seconds=5)
    assert await watch() == 1
