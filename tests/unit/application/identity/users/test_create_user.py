"""CreateUser: users:manage, no escalation, new or existing accounts, departments, the email."""

from __future__ import annotations

import copy

import pytest
from tests.unit.application.identity.conftest import PASSWORD, IdentityKit

from ticketbase.application.context import Actor
from ticketbase.application.identity.departments.create_department import (
    CreateDepartment,
    CreateDepartmentCommand,
)
from ticketbase.application.identity.users.update_user import UpdateUserCommand
from ticketbase.application.ports.mailer import MailDeliveryError
from ticketbase.domain.identity.membership import MembershipStatus
from ticketbase.domain.identity.permissions import Permission, Role
from ticketbase.domain.shared.errors import Conflict, PermissionDenied, RuleViolated
from ticketbase.domain.shared.ids import DepartmentId
from ticketbase.domain.shared.values import EmailAddress

pytestmark = pytest.mark.anyio


async def acme_owner(kit: IdentityKit) -> Actor:
    return await kit.actor((await kit.register("acme", "olivia@acme.example")).tokens)


async def test_an_owner_adds_a_member_with_a_password(kit: IdentityKit) -> None:
    owner = await acme_owner(kit)
    assert owner.organization_id is not None

    member = await kit.add_member(
        owner, " Mia@Acme.example ", Role.MANAGER, full_name=" Mia  Manager "
    )

    assert member.email == EmailAddress("mia@acme.example")
    assert member.full_name == "Mia Manager"
    assert (member.membership.role, member.membership.status) == (
        Role.MANAGER,
        MembershipStatus.ACTIVE,
    )
    user = await kit.user("mia@acme.example")
    assert user is not None
    assert user.password_hash == f"hashed:{PASSWORD}"
    stored = await kit.membership(owner.organization_id, user.id)
    assert stored == member.membership
    [email] = kit.mailer.to("mia@acme.example")
    assert "Acme" in email.subject
    _, entry = kit.uow.database.state.audit[-1]
    assert (entry.action, entry.actor_id, entry.target_id) == (
        "user.created",
        owner.user_id,
        str(user.id),
    )
    assert entry.changes == {
        "email": "mia@acme.example",
        "role": "manager",
        "existingAccount": False,
    }
    signed_in = await kit.login("mia@acme.example")
    assert signed_in.membership is not None
    assert signed_in.membership.id == stored.id


@pytest.mark.parametrize("role", [Role.MANAGER, Role.SUPPORT, Role.ANALYST])
async def test_roles_without_users_manage_are_denied(kit: IdentityKit, role: Role) -> None:
    owner = await acme_owner(kit)
    _, caller = await kit.member_session(owner, f"{role.value}@acme.example", role)
    before = copy.deepcopy(kit.uow.database.state)
    sent = len(kit.mailer.sent)

    with pytest.raises(PermissionDenied) as caught:
        await kit.add_member(caller, "new@acme.example", Role.ANALYST)

    assert caught.value.code == "permission_denied"
    assert kit.uow.database.state == before
    assert len(kit.mailer.sent) == sent


async def test_an_admin_adds_members_up_to_admin_but_no_owner(kit: IdentityKit) -> None:
    owner = await acme_owner(kit)
    _, admin = await kit.member_session(owner, "adam@acme.example", Role.ADMIN)

    assert (
        await kit.add_member(admin, "a2@acme.example", Role.ADMIN)
    ).membership.role is Role.ADMIN
    with pytest.raises(PermissionDenied):
        await kit.add_member(admin, "o2@acme.example", Role.OWNER)
    assert await kit.user("o2@acme.example") is None


async def test_an_owner_can_make_another_owner(kit: IdentityKit) -> None:
    owner = await acme_owner(kit)
    member = await kit.add_member(owner, "o2@acme.example", Role.OWNER)
    assert member.membership.role is Role.OWNER


async def test_nobody_creates_a_role_holding_what_they_lack(kit: IdentityKit) -> None:
    owner = await acme_owner(kit)
    admin = await kit.add_member(owner, "adam@acme.example", Role.ADMIN)
    await kit.update_user(
        UpdateUserCommand(admin.membership.user_id, revokes=frozenset({Permission.EVENTS_WRITE})),
        owner,
    )
    limited = await kit.actor((await kit.login("adam@acme.example")).tokens)

    with pytest.raises(PermissionDenied) as caught:
        await kit.add_member(limited, "mia@acme.example", Role.MANAGER)

    assert "events:write" in caught.value.detail
    assert (await kit.add_member(limited, "sue@acme.example", Role.SUPPORT)).membership


async def test_an_account_of_another_organization_becomes_a_member(kit: IdentityKit) -> None:
    globex = await kit.register("globex", "gary@globex.example", full_name="Gary Globex")
    owner = await acme_owner(kit)
    assert owner.organization_id is not None
    users_before = dict(kit.uow.database.state.users)

    member = await kit.add_member(
        owner, "GARY@globex.example", Role.SUPPORT, password="ignored password 1", full_name="X"
    )

    assert kit.uow.database.state.users.keys() == users_before.keys()
    assert member.membership.user_id == globex.user.id
    assert member.membership.status is MembershipStatus.ACTIVE
    assert member.full_name == "Gary Globex"
    user = kit.uow.database.state.users[globex.user.id]
    assert user.password_hash == f"hashed:{PASSWORD}", "the account's password is its own"
    [email] = kit.mailer.to("gary@globex.example")
    assert "access to Acme" in email.subject
    assert "token=" not in email.text
    assert kit.uow.database.state.audit[-1][1].changes["existingAccount"] is True
    assert (await kit.login("gary@globex.example", organization="acme")).organization


async def test_an_existing_member_cannot_be_added_twice(kit: IdentityKit) -> None:
    owner = await acme_owner(kit)
    await kit.add_member(owner, "mia@acme.example", Role.MANAGER)
    before = copy.deepcopy(kit.uow.database.state)

    with pytest.raises(Conflict) as caught:
        await kit.add_member(owner, "MIA@acme.example", Role.SUPPORT)

    assert caught.value.field == "email"
    assert kit.uow.database.state == before


async def test_a_member_gets_an_existing_department(kit: IdentityKit) -> None:
    owner = await acme_owner(kit)
    sales = await CreateDepartment(kit.uow, kit.clock, kit.ids)(
        CreateDepartmentCommand("Sales"), owner
    )

    member = await kit.add_member(
        owner, "mia@acme.example", Role.MANAGER, department_id=sales.department.id
    )

    assert member.membership.department_id == sales.department.id


async def test_an_unknown_department_is_refused(kit: IdentityKit) -> None:
    owner = await acme_owner(kit)
    globex_owner = await kit.actor((await kit.register("globex", "gary@globex.example")).tokens)
    theirs = await CreateDepartment(kit.uow, kit.clock, kit.ids)(
        CreateDepartmentCommand("Sales"), globex_owner
    )
    before = copy.deepcopy(kit.uow.database.state)

    for department_id in (DepartmentId(kit.ids.new()), theirs.department.id):
        with pytest.raises(RuleViolated) as caught:
            await kit.add_member(
                owner, "mia@acme.example", Role.MANAGER, department_id=department_id
            )
        assert caught.value.field == "departmentId"
    assert kit.uow.database.state == before


async def test_a_weak_password_is_refused(kit: IdentityKit) -> None:
    owner = await acme_owner(kit)
    with pytest.raises(RuleViolated) as caught:
        await kit.add_member(owner, "mia@acme.example", Role.MANAGER, password="mia@acme.example")
    assert caught.value.field == "password"
    assert await kit.user("mia@acme.example") is None


async def test_a_failed_delivery_leaves_nobody_half_invited(kit: IdentityKit) -> None:
    owner = await acme_owner(kit)
    before = copy.deepcopy(kit.uow.database.state)
    kit.mailer.fail = True

    with pytest.raises(MailDeliveryError):
        await kit.add_member(owner, "ivy@acme.example", Role.MANAGER, password=None)

    assert kit.uow.database.state == before
