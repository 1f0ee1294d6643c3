"""ListSessions and EndSession: the caller's own devices, logout, multi-device logout."""

from __future__ import annotations

from uuid import UUID

import pytest
from tests.unit.application.identity.conftest import META, PASSWORD, REFRESH_TTL, IdentityKit

from ticketbase.application.identity.create_platform_admin import (
    CreatePlatformAdmin,
    CreatePlatformAdminCommand,
)
from ticketbase.application.identity.refresh_session import InvalidRefreshToken
from ticketbase.domain.identity.permissions import Role
from ticketbase.domain.shared.errors import NotFound, SessionEnded
from ticketbase.domain.shared.ids import SessionId

pytestmark = pytest.mark.anyio

OWNER = "olivia@acme.example"


async def test_logout_ends_the_current_session_at_once(kit: IdentityKit) -> None:
    registered = await kit.register()
    assert registered.organization is not None
    tokens = registered.tokens
    actor = await kit.actor(tokens)

    await kit.end_session(actor)

    session = kit.session(tokens)
    assert (session.revoked_at, session.revoked_reason) == (kit.clock.now(), "logout")
    assert await kit.session_ended(tokens.session_id)
    with pytest.raises(SessionEnded):
        await kit.actor(tokens)
    with pytest.raises(InvalidRefreshToken):
        await kit.refresh(tokens.refresh_token, META)
    _, entry = kit.uow.database.state.audit[-1]
    assert (entry.action, entry.target_id, entry.actor_id) == (
        "auth.logout",
        str(tokens.session_id),
        registered.user.id,
    )


async def test_ending_another_device_keeps_the_current_one(kit: IdentityKit) -> None:
    laptop = (await kit.register()).tokens
    phone = (await kit.login(OWNER, PASSWORD)).tokens
    actor = await kit.actor(laptop)

    await kit.end_session(actor, phone.session_id)

    assert kit.session(phone).revoked_reason == "ended_by_user"
    assert await kit.session_ended(phone.session_id)
    assert not await kit.session_ended(laptop.session_id)
    assert (await kit.actor(laptop)).session_id == laptop.session_id
    assert kit.uow.database.state.audit[-1][1].action == "auth.session_ended"


async def test_ending_another_users_session_is_not_found_and_changes_nothing(
    kit: IdentityKit,
) -> None:
    acme = await kit.register()
    owner = await kit.actor(acme.tokens)
    member, _ = await kit.member_session(owner, "sam@acme.example", Role.SUPPORT)

    with pytest.raises(NotFound):
        await kit.end_session(owner, member.tokens.session_id)

    assert kit.session(member.tokens).revoked_at is None
    assert not await kit.session_ended(member.tokens.session_id)


async def test_ending_an_unknown_session_is_not_found(kit: IdentityKit) -> None:
    owner = await kit.actor((await kit.register()).tokens)
    with pytest.raises(NotFound):
        await kit.end_session(owner, SessionId(UUID(int=12345)))


async def test_ending_a_session_twice_keeps_the_first_reason(kit: IdentityKit) -> None:
    laptop = (await kit.register()).tokens
    phone = (await kit.login(OWNER, PASSWORD)).tokens
    actor = await kit.actor(laptop)
    await kit.end_session(actor, phone.session_id)
    ended_at = kit.session(phone).revoked_at
    kit.clock.advance(minutes=1)

    await kit.end_session(actor, phone.session_id)

    assert kit.session(phone).revoked_at == ended_at


async def test_a_platform_admin_logs_out_without_an_audit_entry(kit: IdentityKit) -> None:
    await CreatePlatformAdmin(kit.uow, kit.hasher, kit.clock, kit.ids)(
        CreatePlatformAdminCommand("root@ticketbase.example", PASSWORD)
    )
    tokens = (await kit.login("root@ticketbase.example", PASSWORD)).tokens

    await kit.end_session(await kit.actor(tokens))

    assert await kit.session_ended(tokens.session_id)
    assert kit.uow.database.state.audit == []


async def test_list_shows_only_the_callers_active_sessions(kit: IdentityKit) -> None:
    acme = await kit.register()
    owner = await kit.actor(acme.tokens)
    await kit.member_session(owner, "sam@acme.example", Role.SUPPORT)
    ended = (await kit.login(OWNER, PASSWORD)).tokens
    await kit.end_session(owner, ended.session_id)
    kit.clock.advance(minutes=5)
    phone = (await kit.login(OWNER, PASSWORD, ip="192.0.2.8")).tokens

    sessions = await kit.list_sessions(owner)

    assert [s.id for s in sessions] == [phone.session_id, acme.tokens.session_id]
    assert all(s.user_id == acme.user.id for s in sessions)
    assert sessions[0].ip == "192.0.2.8"
    assert sessions[0].created_at == kit.clock.now()


async def test_list_leaves_out_expired_sessions(kit: IdentityKit) -> None:
    first = (await kit.register()).tokens
    kit.clock.advance(days=20)
    second = (await kit.login(OWNER, PASSWORD)).tokens
    actor = await kit.actor(second)
    kit.clock.advance(seconds=REFRESH_TTL - 20 * 86400)

    assert [s.id for s in await kit.list_sessions(actor)] == [second.session_id]
    assert kit.session(first).revoked_at is None
