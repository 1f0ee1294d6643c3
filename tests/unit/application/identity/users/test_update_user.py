"""UpdateUser: no escalation, owners protected, the last owner kept, sessions ended on access
changes (in this organization only)."""

from __future__ import annotations

import copy

import pytest
from tests.unit.application.identity.conftest import META, IdentityKit

from ticketbase.application.context import Actor
from ticketbase.application.identity.departments.create_department import (
    CreateDepartment,
    CreateDepartmentCommand,
)
from ticketbase.application.identity.refresh_session import InvalidRefreshToken
from ticketbase.application.identity.users.update_user import UpdateUserCommand
from ticketbase.domain.identity.membership import LastOwner, MembershipStatus
from ticketbase.domain.identity.permissions import Permission, Role
from ticketbase.domain.shared.errors import (
    NotFound,
    PermissionDenied,
    RuleViolated,
    SessionEnded,
)
from ticketbase.domain.shared.ids import DepartmentId, UserId

pytestmark = pytest.mark.anyio

OWNER = "olivia@acme.example"


async def acme_owner(kit: IdentityKit) -> Actor:
    return await kit.actor((await kit.register("acme", OWNER)).tokens)


async def test_a_role_change_is_stored_audited_and_ends_the_members_sessions(
    kit: IdentityKit,
) -> None:
    owner = await acme_owner(kit)
    assert owner.organization_id is not None
    signed_in, _ = await kit.member_session(owner, "mia@acme.example", Role.MANAGER)
    kit.clock.advance(minutes=3)

    member = await kit.update_user(
        UpdateUserCommand(
            signed_in.user.id, role=Role.SUPPORT, grants=frozenset({Permission.ANALYTICS_READ})
        ),
        owner,
    )

    assert member.membership.role is Role.SUPPORT
    stored = await kit.membership(owner.organization_id, signed_in.user.id)
    assert (stored.role, stored.grants, stored.updated_at) == (
        Role.SUPPORT,
        frozenset({Permission.ANALYTICS_READ}),
        kit.clock.now(),
    )
    assert kit.session(signed_in.tokens).revoked_reason == "access_changed"
    with pytest.raises(SessionEnded):
        await kit.actor(signed_in.tokens)
    with pytest.raises(InvalidRefreshToken):
        await kit.refresh(signed_in.tokens.refresh_token, META)
    relogged = await kit.actor((await kit.login("mia@acme.example")).tokens)
    assert relogged.role is Role.SUPPORT
    assert Permission.ANALYTICS_READ in relogged.permissions
    [entry] = [e for _, e in kit.uow.database.state.audit if e.action == "user.updated"]
    assert (entry.actor_id, entry.target_id) == (owner.user_id, str(signed_in.user.id))
    assert entry.changes == {"role": "support", "grants": ["analytics:read"], "revokes": []}


async def test_sessions_in_other_organizations_survive_a_role_change(kit: IdentityKit) -> None:
    owner = await acme_owner(kit)
    globex = await kit.register("globex", "gary@globex.example")
    globex_owner = await kit.actor(globex.tokens)
    await kit.add_member(owner, "gary@globex.example", Role.MANAGER)
    in_acme = await kit.login("gary@globex.example", organization="acme")

    await kit.update_user(UpdateUserCommand(globex.user.id, role=Role.ANALYST), owner)

    assert kit.session(in_acme.tokens).revoked_at is not None
    assert kit.session(globex.tokens).revoked_at is None
    assert (await kit.actor(globex.tokens)).role is Role.OWNER
    assert (await kit.refresh(globex.tokens.refresh_token, META)).session_id == (
        globex_owner.session_id
    )


async def test_a_name_or_department_change_keeps_the_sessions(kit: IdentityKit) -> None:
    owner = await acme_owner(kit)
    assert owner.organization_id is not None
    sales = await CreateDepartment(kit.uow, kit.clock, kit.ids)(
        CreateDepartmentCommand("Sales"), owner
    )
    signed_in, _ = await kit.member_session(owner, "mia@acme.example", Role.MANAGER)

    member = await kit.update_user(
        UpdateUserCommand(
            signed_in.user.id,
            full_name="  Mia   Mgr ",
            role=Role.MANAGER,
            change_department=True,
            department_id=sales.department.id,
        ),
        owner,
    )

    assert member.full_name == "Mia Mgr"
    assert member.membership.department_id == sales.department.id
    assert kit.uow.database.state.users[signed_in.user.id].full_name == "Mia Mgr"
    assert kit.session(signed_in.tokens).revoked_at is None
    assert kit.uow.database.state.audit[-1][1].changes == {
        "departmentId": str(sales.department.id),
        "fullName": "Mia Mgr",
    }

    cleared = await kit.update_user(
        UpdateUserCommand(signed_in.user.id, change_department=True, department_id=None), owner
    )
    assert cleared.membership.department_id is None


async def test_an_unknown_department_is_refused(kit: IdentityKit) -> None:
    owner = await acme_owner(kit)
    member = await kit.add_member(owner, "mia@acme.example", Role.MANAGER)
    with pytest.raises(RuleViolated) as caught:
        await kit.update_user(
            UpdateUserCommand(
                member.membership.user_id,
                change_department=True,
                department_id=DepartmentId(kit.ids.new()),
            ),
            owner,
        )
    assert caught.value.field == "departmentId"


async def test_an_admin_cannot_grant_what_it_does_not_hold(kit: IdentityKit) -> None:
    owner = await acme_owner(kit)
    _, admin = await kit.member_session(owner, "adam@acme.example", Role.ADMIN)
    member = await kit.add_member(owner, "mia@acme.example", Role.MANAGER)
    before = copy.deepcopy(kit.uow.database.state)

    for command in (
        UpdateUserCommand(member.membership.user_id, grants=frozenset({Permission.BILLING_MANAGE})),
        UpdateUserCommand(member.membership.user_id, role=Role.OWNER),
        UpdateUserCommand(admin.user_id, grants=frozenset({Permission.ORGANIZATION_UPDATE})),
        UpdateUserCommand(admin.user_id, role=Role.OWNER),
    ):
        with pytest.raises(PermissionDenied):
            await kit.update_user(command, admin)

    assert kit.uow.database.state == before


async def test_an_admin_can_grant_what_it_holds(kit: IdentityKit) -> None:
    owner = await acme_owner(kit)
    _, admin = await kit.member_session(owner, "adam@acme.example", Role.ADMIN)
    member = await kit.add_member(owner, "sue@acme.example", Role.SUPPORT)

    updated = await kit.update_user(
        UpdateUserCommand(member.membership.user_id, grants=frozenset({Permission.AUDIT_READ})),
        admin,
    )

    assert Permission.AUDIT_READ in updated.membership.permissions


async def test_an_admin_cannot_touch_an_owner_at_all(kit: IdentityKit) -> None:
    owner = await acme_owner(kit)
    await kit.add_member(owner, "o2@acme.example", Role.OWNER)
    _, admin = await kit.member_session(owner, "adam@acme.example", Role.ADMIN)
    before = copy.deepcopy(kit.uow.database.state)

    for command in (
        UpdateUserCommand(owner.user_id, role=Role.ANALYST),
        UpdateUserCommand(owner.user_id, revokes=frozenset({Permission.AUDIT_READ})),
        UpdateUserCommand(owner.user_id, full_name="Renamed"),
    ):
        with pytest.raises(PermissionDenied):
            await kit.update_user(command, admin)

    assert kit.uow.database.state == before


async def test_the_last_owner_cannot_be_demoted(kit: IdentityKit) -> None:
    owner = await acme_owner(kit)
    before = copy.deepcopy(kit.uow.database.state)

    with pytest.raises(LastOwner) as caught:
        await kit.update_user(UpdateUserCommand(owner.user_id, role=Role.ADMIN), owner)

    assert caught.value.code == "last_owner"
    assert kit.uow.database.state == before


async def test_an_invited_owner_does_not_count_as_a_remaining_owner(kit: IdentityKit) -> None:
    owner = await acme_owner(kit)
    await kit.add_member(owner, "o2@acme.example", Role.OWNER, password=None)

    with pytest.raises(LastOwner):
        await kit.update_user(UpdateUserCommand(owner.user_id, role=Role.ADMIN), owner)


async def test_an_owner_can_step_down_when_another_active_owner_exists(kit: IdentityKit) -> None:
    owner = await acme_owner(kit)
    assert owner.organization_id is not None
    second = await kit.add_member(owner, "o2@acme.example", Role.OWNER)

    await kit.update_user(UpdateUserCommand(owner.user_id, role=Role.ADMIN), owner)

    assert (await kit.membership(owner.organization_id, owner.user_id)).role is Role.ADMIN
    with pytest.raises(LastOwner):
        await kit.update_user(
            UpdateUserCommand(second.membership.user_id, role=Role.ADMIN),
            await kit.actor((await kit.login("o2@acme.example")).tokens),
        )


async def test_revoking_owner_permissions_keeps_the_owner_role(kit: IdentityKit) -> None:
    owner = await acme_owner(kit)
    second = await kit.add_member(owner, "o2@acme.example", Role.OWNER)

    updated = await kit.update_user(
        UpdateUserCommand(
            second.membership.user_id, revokes=frozenset({Permission.BILLING_MANAGE})
        ),
        owner,
    )

    assert updated.membership.role is Role.OWNER
    assert Permission.BILLING_MANAGE not in updated.membership.permissions


async def test_a_member_of_another_organization_is_not_found(kit: IdentityKit) -> None:
    owner = await acme_owner(kit)
    globex = await kit.register("globex", "gary@globex.example")
    for user_id in (globex.user.id, UserId(kit.ids.new())):
        with pytest.raises(NotFound):
            await kit.update_user(UpdateUserCommand(user_id, role=Role.ANALYST), owner)


async def test_a_manager_cannot_update_anyone(kit: IdentityKit) -> None:
    owner = await acme_owner(kit)
    _, manager = await kit.member_session(owner, "mia@acme.example", Role.MANAGER)
    with pytest.raises(PermissionDenied):
        await kit.update_user(UpdateUserCommand(manager.user_id, full_name="Me"), manager)


async def test_a_deactivated_member_stays_deactivated_when_updated(kit: IdentityKit) -> None:
    owner = await acme_owner(kit)
    member = await kit.add_member(owner, "mia@acme.example", Role.MANAGER)
    await kit.deactivate_user(member.membership.user_id, owner)

    updated = await kit.update_user(
        UpdateUserCommand(member.membership.user_id, role=Role.SUPPORT), owner
    )

    assert updated.membership.status is MembershipStatus.DEACTIVATED
