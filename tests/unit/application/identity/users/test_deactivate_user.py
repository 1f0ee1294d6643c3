"""DeactivateUser: access ends at once, history stays, the last owner stays, idempotent."""

from __future__ import annotations

import copy

import pytest
from tests.unit.application.identity.conftest import META, IdentityKit

from ticketbase.application.context import Actor
from ticketbase.application.identity.refresh_session import InvalidRefreshToken
from ticketbase.domain.identity.membership import LastOwner, MembershipStatus
from ticketbase.domain.identity.permissions import Role
from ticketbase.domain.shared.errors import NotFound, PermissionDenied, SessionEnded
from ticketbase.domain.shared.ids import UserId

pytestmark = pytest.mark.anyio


async def acme_owner(kit: IdentityKit) -> Actor:
    return await kit.actor((await kit.register("acme", "olivia@acme.example")).tokens)


async def test_deactivating_ends_the_members_sessions_and_keeps_the_records(
    kit: IdentityKit,
) -> None:
    owner = await acme_owner(kit)
    assert owner.organization_id is not None
    laptop, _ = await kit.member_session(owner, "sam@acme.example", Role.SUPPORT)
    phone = await kit.login("sam@acme.example")
    kit.clock.advance(minutes=1)

    await kit.deactivate_user(laptop.user.id, owner)

    membership = await kit.membership(owner.organization_id, laptop.user.id)
    assert membership.status is MembershipStatus.DEACTIVATED
    assert membership.updated_at == kit.clock.now()
    assert laptop.user.id in kit.uow.database.state.users
    for tokens in (laptop.tokens, phone.tokens):
        assert kit.session(tokens).revoked_reason == "deactivated"
        with pytest.raises(SessionEnded):
            await kit.actor(tokens)
        with pytest.raises(InvalidRefreshToken):
            await kit.refresh(tokens.refresh_token, META)
    _, entry = kit.uow.database.state.audit[-1]
    assert (entry.action, entry.target_id, entry.changes) == (
        "user.deactivated",
        str(laptop.user.id),
        {"sessionsEnded": 2},
    )


async def test_the_members_sessions_elsewhere_continue(kit: IdentityKit) -> None:
    owner = await acme_owner(kit)
    globex = await kit.register("globex", "gary@globex.example")
    await kit.add_member(owner, "gary@globex.example", Role.SUPPORT)

    await kit.deactivate_user(globex.user.id, owner)

    assert (await kit.actor(globex.tokens)).role is Role.OWNER
    assert kit.session(globex.tokens).revoked_at is None


async def test_deactivating_twice_is_harmless(kit: IdentityKit) -> None:
    owner = await acme_owner(kit)
    member = await kit.add_member(owner, "sam@acme.example", Role.SUPPORT)
    await kit.deactivate_user(member.membership.user_id, owner)
    before = copy.deepcopy(kit.uow.database.state)

    await kit.deactivate_user(member.membership.user_id, owner)

    assert kit.uow.database.state == before


async def test_the_last_owner_cannot_be_deactivated(kit: IdentityKit) -> None:
    owner = await acme_owner(kit)
    before = copy.deepcopy(kit.uow.database.state)

    with pytest.raises(LastOwner) as caught:
        await kit.deactivate_user(owner.user_id, owner)

    assert caught.value.code == "last_owner"
    assert kit.uow.database.state == before


async def test_an_owner_can_go_when_another_active_owner_remains(kit: IdentityKit) -> None:
    owner = await acme_owner(kit)
    assert owner.organization_id is not None
    second = await kit.add_member(owner, "o2@acme.example", Role.OWNER)

    await kit.deactivate_user(owner.user_id, owner)

    membership = await kit.membership(owner.organization_id, owner.user_id)
    assert membership.status is MembershipStatus.DEACTIVATED
    assert await kit.session_ended(owner.session_id)
    second_owner = await kit.actor((await kit.login("o2@acme.example")).tokens)
    with pytest.raises(LastOwner):
        await kit.deactivate_user(second.membership.user_id, second_owner)


async def test_an_admin_cannot_deactivate_an_owner(kit: IdentityKit) -> None:
    owner = await acme_owner(kit)
    await kit.add_member(owner, "o2@acme.example", Role.OWNER)
    _, admin = await kit.member_session(owner, "adam@acme.example", Role.ADMIN)
    before = copy.deepcopy(kit.uow.database.state)

    with pytest.raises(PermissionDenied):
        await kit.deactivate_user(owner.user_id, admin)

    assert kit.uow.database.state == before


async def test_an_admin_deactivates_a_manager(kit: IdentityKit) -> None:
    owner = await acme_owner(kit)
    assert owner.organization_id is not None
    _, admin = await kit.member_session(owner, "adam@acme.example", Role.ADMIN)
    member = await kit.add_member(owner, "mia@acme.example", Role.MANAGER)

    await kit.deactivate_user(member.membership.user_id, admin)

    stored = await kit.membership(owner.organization_id, member.membership.user_id)
    assert stored.status is MembershipStatus.DEACTIVATED


@pytest.mark.parametrize("role", [Role.MANAGER, Role.SUPPORT, Role.ANALYST])
async def test_roles_without_users_manage_are_denied(kit: IdentityKit, role: Role) -> None:
    owner = await acme_owner(kit)
    _, caller = await kit.member_session(owner, "caller@acme.example", role)
    member = await kit.add_member(owner, "sam@acme.example", Role.SUPPORT)

    with pytest.raises(PermissionDenied):
        await kit.deactivate_user(member.membership.user_id, caller)


async def test_a_user_of_another_organization_is_not_found(kit: IdentityKit) -> None:
    owner = await acme_owner(kit)
    globex = await kit.register("globex", "gary@globex.example")

    for user_id in (globex.user.id, UserId(kit.ids.new())):
        with pytest.raises(NotFound):
            await kit.deactivate_user(user_id, owner)
    assert kit.session(globex.tokens).revoked_at is None
