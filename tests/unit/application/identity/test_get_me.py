"""GetMe: the account, the membership with its effective permissions, the organization."""

from __future__ import annotations

import pytest
from tests.unit.application.identity.conftest import PASSWORD, IdentityKit

from ticketbase.application.identity.create_platform_admin import (
    CreatePlatformAdmin,
    CreatePlatformAdminCommand,
)
from ticketbase.application.identity.users.update_user import UpdateUserCommand
from ticketbase.domain.identity.permissions import ROLE_PERMISSIONS, Permission, Role
from ticketbase.domain.shared.errors import Unauthenticated

pytestmark = pytest.mark.anyio


async def test_an_owner_sees_the_account_the_membership_and_the_organization(
    kit: IdentityKit,
) -> None:
    registered = await kit.register()

    me = await kit.get_me(await kit.actor(registered.tokens))

    assert me.user.id == registered.user.id
    assert me.user.email.value == "olivia@acme.example"
    assert me.membership is not None
    assert me.membership.role is Role.OWNER
    assert me.membership.permissions == frozenset(Permission)
    assert me.organization is not None
    assert me.organization.slug.value == "acme"


async def test_the_permissions_are_the_effective_set_after_grants_and_revokes(
    kit: IdentityKit,
) -> None:
    acme = await kit.register()
    owner = await kit.actor(acme.tokens)
    member = await kit.add_member(owner, "mia@acme.example", Role.MANAGER)
    await kit.update_user(
        UpdateUserCommand(
            member.membership.user_id,
            grants=frozenset({Permission.AUDIT_READ}),
            revokes=frozenset({Permission.PAGES_WRITE}),
        ),
        owner,
    )
    signed_in = await kit.login("mia@acme.example", PASSWORD)

    me = await kit.get_me(await kit.actor(signed_in.tokens))

    assert me.membership is not None
    assert me.membership.permissions == (
        ROLE_PERMISSIONS[Role.MANAGER] | {Permission.AUDIT_READ}
    ) - {Permission.PAGES_WRITE}


async def test_a_platform_admin_outside_any_organization_sees_only_the_account(
    kit: IdentityKit,
) -> None:
    await CreatePlatformAdmin(kit.uow, kit.hasher, kit.clock, kit.ids)(
        CreatePlatformAdminCommand("root@ticketbase.example", PASSWORD)
    )
    signed_in = await kit.login("root@ticketbase.example", PASSWORD)

    me = await kit.get_me(await kit.actor(signed_in.tokens))

    assert me.user.is_platform_admin
    assert (me.membership, me.organization) == (None, None)


async def test_a_vanished_account_is_unauthenticated(kit: IdentityKit) -> None:
    registered = await kit.register()
    actor = await kit.actor(registered.tokens)
    del kit.uow.database.state.users[registered.user.id]

    with pytest.raises(Unauthenticated):
        await kit.get_me(actor)
