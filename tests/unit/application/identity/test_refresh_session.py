"""RefreshSession: rotation, theft detection by replay, ended sessions and memberships."""

from __future__ import annotations

import pytest
from tests.unit.application.identity.conftest import (
    ACCESS_TTL,
    META,
    PASSWORD,
    REFRESH_TTL,
    IdentityKit,
)

from ticketbase.adapters.security.tokens import TokenExpired
from ticketbase.application.identity.create_platform_admin import (
    CreatePlatformAdmin,
    CreatePlatformAdminCommand,
)
from ticketbase.application.identity.refresh_session import InvalidRefreshToken
from ticketbase.application.identity.sessions import IssuedTokens
from ticketbase.domain.identity.membership import Membership, MembershipStatus
from ticketbase.domain.identity.permissions import Permission, Role
from ticketbase.domain.shared.errors import SessionEnded, Unauthenticated

pytestmark = pytest.mark.anyio


async def refused(kit: IdentityKit, token: str) -> InvalidRefreshToken:
    with pytest.raises(InvalidRefreshToken) as caught:
        await kit.refresh(token, META)
    assert caught.value.code == "invalid_refresh_token"
    assert isinstance(caught.value, Unauthenticated)
    return caught.value


async def test_a_refresh_rotates_the_token_within_the_same_session(kit: IdentityKit) -> None:
    registered = await kit.register()
    first = registered.tokens
    kit.clock.advance(minutes=10)

    second = await kit.refresh(first.refresh_token, META)

    assert second.session_id == first.session_id
    assert second.refresh_token != first.refresh_token
    assert second.access_token != first.access_token
    assert second.expires_in == ACCESS_TTL
    claims = kit.tokens.verify_access_token(second.access_token)
    assert (claims.user_id, claims.session_id, claims.role) == (
        registered.user.id,
        first.session_id,
        Role.OWNER,
    )
    assert kit.session(second).last_used_at == kit.clock.now()
    third = await kit.refresh(second.refresh_token, META)
    assert third.session_id == first.session_id


async def test_the_new_access_token_outlives_the_old_one(kit: IdentityKit) -> None:
    first = (await kit.register()).tokens
    kit.clock.advance(seconds=ACCESS_TTL - 60)
    second = await kit.refresh(first.refresh_token, META)
    kit.clock.advance(seconds=120)

    with pytest.raises(TokenExpired):
        await kit.actor(first)
    assert (await kit.actor(second)).session_id == first.session_id


async def test_replaying_a_rotated_token_ends_the_whole_session(kit: IdentityKit) -> None:
    registered = await kit.register()
    stolen = registered.tokens
    newest = await kit.refresh(stolen.refresh_token, META)

    await refused(kit, stolen.refresh_token)

    session = kit.session(newest)
    assert session.revoked_at == kit.clock.now()
    assert session.revoked_reason == "refresh_token_reused"
    assert await kit.session_ended(newest.session_id)
    with pytest.raises(SessionEnded):
        await kit.actor(newest)
    await refused(kit, newest.refresh_token)
    [event] = [
        e for e in kit.uow.database.state.security_events if e.kind == "refresh_token_reused"
    ]
    assert event.user_id == registered.user.id
    assert registered.organization is not None
    assert event.organization_id == registered.organization.id
    assert event.detail == {"sessionId": str(newest.session_id)}


async def test_a_replay_leaves_the_other_sessions_alone(kit: IdentityKit) -> None:
    stolen = (await kit.register()).tokens
    other_device = (await kit.login("olivia@acme.example", PASSWORD)).tokens
    await kit.refresh(stolen.refresh_token, META)

    await refused(kit, stolen.refresh_token)

    assert not await kit.session_ended(other_device.session_id)
    assert (await kit.refresh(other_device.refresh_token, META)).session_id == (
        other_device.session_id
    )


async def test_an_unknown_token_is_refused_without_touching_anything(kit: IdentityKit) -> None:
    tokens = (await kit.register()).tokens

    await refused(kit, "not-a-token-we-ever-issued")

    assert kit.session(tokens).revoked_at is None
    assert kit.uow.database.state.security_events == []


async def test_an_expired_session_cannot_be_refreshed(kit: IdentityKit) -> None:
    tokens = (await kit.register()).tokens
    kit.clock.advance(seconds=REFRESH_TTL)

    error = await refused(kit, tokens.refresh_token)

    assert "ended" in error.detail


async def test_a_session_just_before_its_expiry_can_still_be_refreshed(kit: IdentityKit) -> None:
    tokens = (await kit.register()).tokens
    kit.clock.advance(seconds=REFRESH_TTL - 1)
    assert (await kit.refresh(tokens.refresh_token, META)).session_id == tokens.session_id


async def test_a_logged_out_session_cannot_be_refreshed(kit: IdentityKit) -> None:
    tokens = (await kit.register()).tokens
    await kit.end_session(await kit.actor(tokens))
    await refused(kit, tokens.refresh_token)


async def test_a_deactivated_member_cannot_refresh(kit: IdentityKit) -> None:
    acme = await kit.register()
    owner = await kit.actor(acme.tokens)
    signed_in, _ = await kit.member_session(owner, "sam@acme.example", Role.SUPPORT)

    await kit.deactivate_user(signed_in.user.id, owner)

    await refused(kit, signed_in.tokens.refresh_token)


async def refreshable_member(kit: IdentityKit) -> tuple[IssuedTokens, Membership]:
    acme = await kit.register()
    owner = await kit.actor(acme.tokens)
    signed_in, _ = await kit.member_session(owner, "sam@acme.example", Role.SUPPORT)
    assert signed_in.membership is not None
    return signed_in.tokens, kit.uow.database.state.memberships[signed_in.membership.id]


async def test_the_membership_is_checked_even_when_its_sessions_were_not_ended(
    kit: IdentityKit,
) -> None:
    tokens, membership = await refreshable_member(kit)
    # As if a deactivation raced with this refresh and its session sweep had not run yet.
    membership.status = MembershipStatus.DEACTIVATED

    error = await refused(kit, tokens.refresh_token)

    assert "membership" in error.detail


async def test_the_new_access_token_carries_the_current_role_and_grants(kit: IdentityKit) -> None:
    tokens, membership = await refreshable_member(kit)
    membership.role = Role.MANAGER
    membership.grants = frozenset({Permission.AUDIT_READ})

    refreshed = await kit.refresh(tokens.refresh_token, META)

    actor = await kit.actor(refreshed)
    assert actor.role is Role.MANAGER
    assert Permission.AUDIT_READ in actor.permissions
    assert Permission.EVENTS_WRITE in actor.permissions


async def test_a_platform_admin_session_refreshes_without_organization(kit: IdentityKit) -> None:
    await CreatePlatformAdmin(kit.uow, kit.hasher, kit.clock, kit.ids)(
        CreatePlatformAdminCommand("root@ticketbase.example", PASSWORD)
    )
    tokens = (await kit.login("root@ticketbase.example", PASSWORD)).tokens

    actor = await kit.actor(await kit.refresh(tokens.refresh_token, META))

    assert actor.is_platform_admin
    assert (actor.organization_id, actor.role) == (None, None)
