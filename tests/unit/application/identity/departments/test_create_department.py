"""CreateDepartment: departments:manage only, parent checked, sibling names unique, audited."""

from __future__ import annotations

import pytest
from tests.unit.application.identity.departments.conftest import (
    AddDepartment,
    MakeMember,
    MakeOrganization,
    audit_of,
    stored,
)

from ticketbase.adapters.memory.system import FixedClock
from ticketbase.adapters.memory.unit_of_work import MemoryUnitOfWork
from ticketbase.application.context import Actor
from ticketbase.application.identity.departments.create_department import (
    CreateDepartment,
    CreateDepartmentCommand,
)
from ticketbase.domain.identity.department import Department, DepartmentNameTaken
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.identity.permissions import Permission, Role
from ticketbase.domain.shared.errors import PermissionDenied, RuleViolated
from ticketbase.domain.shared.ids import DepartmentId

pytestmark = pytest.mark.anyio


async def test_an_owner_creates_a_root_and_a_child_with_their_paths(
    create: CreateDepartment,
    uow: MemoryUnitOfWork,
    clock: FixedClock,
    acme: Organization,
    owner: Actor,
) -> None:
    sales = await create(CreateDepartmentCommand("  Sales "), owner)
    europe = await create(CreateDepartmentCommand("Europe", sales.department.id), owner)

    assert sales.path_text == "Sales"
    assert europe.path_text == "Sales / Europe"
    assert stored(uow, acme.id)[europe.department.id] == Department(
        europe.department.id, "Europe", sales.department.id, clock.now(), clock.now()
    )


async def test_the_creation_is_audited_with_the_callers_request(
    add: AddDepartment, uow: MemoryUnitOfWork, acme: Organization, owner: Actor
) -> None:
    sales = await add("Sales")
    europe = await add("Europe", sales)

    entries = audit_of(uow, acme.id)
    assert [(e.action, e.target_id, e.changes) for e in entries] == [
        ("department.created", str(sales), {"name": "Sales", "parentId": None}),
        ("department.created", str(europe), {"name": "Europe", "parentId": str(sales)}),
    ]
    assert entries[0].actor_id == owner.user_id
    assert entries[0].meta == owner.meta


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.OWNER, True),
        (Role.ADMIN, True),
        (Role.MANAGER, False),
        (Role.SUPPORT, False),
        (Role.ANALYST, False),
    ],
)
async def test_only_departments_manage_creates(
    create: CreateDepartment,
    uow: MemoryUnitOfWork,
    acme: Organization,
    make_member: MakeMember,
    role: Role,
    allowed: bool,
) -> None:
    command = CreateDepartmentCommand("Sales")
    if allowed:
        await create(command, make_member(acme.id, role))
        assert len(stored(uow, acme.id)) == 1
    else:
        with pytest.raises(PermissionDenied):
            await create(command, make_member(acme.id, role))
        assert stored(uow, acme.id) == {}


async def test_a_granted_permission_is_enough_and_a_revoked_one_is_not(
    create: CreateDepartment, acme: Organization, make_member: MakeMember
) -> None:
    manager = make_member(acme.id, Role.MANAGER, grants=[Permission.DEPARTMENTS_MANAGE])
    await create(CreateDepartmentCommand("Sales"), manager)
    admin = make_member(acme.id, Role.ADMIN, revokes=[Permission.DEPARTMENTS_MANAGE])
    with pytest.raises(PermissionDenied):
        await create(CreateDepartmentCommand("Support"), admin)


async def test_an_unknown_parent_is_refused_on_parent_id_and_nothing_is_kept(
    create: CreateDepartment, uow: MemoryUnitOfWork, acme: Organization, owner: Actor
) -> None:
    with pytest.raises(RuleViolated) as raised:
        await create(CreateDepartmentCommand("Europe", DepartmentId(acme.id)), owner)
    assert raised.value.field == "parentId"
    assert stored(uow, acme.id) == {}
    assert audit_of(uow, acme.id) == []


async def test_another_tenants_department_is_no_parent(
    create: CreateDepartment,
    add: AddDepartment,
    make_organization: MakeOrganization,
    make_member: MakeMember,
) -> None:
    theirs = await add("Sales")  # in acme
    rival = await make_organization("rival")
    with pytest.raises(RuleViolated) as raised:
        await create(CreateDepartmentCommand("Europe", theirs), make_member(rival.id, Role.OWNER))
    assert raised.value.field == "parentId"


async def test_sibling_names_are_unique_but_cousins_may_share_one(
    create: CreateDepartment, add: AddDepartment, owner: Actor
) -> None:
    sales = await add("Sales")
    support = await add("Support")
    await add("Europe", sales)
    with pytest.raises(DepartmentNameTaken) as raised:
        await create(CreateDepartmentCommand("EUROPE", sales), owner)
    assert raised.value.field == "name"
    cousin = await create(CreateDepartmentCommand("Europe", support), owner)
    assert cousin.path_text == "Support / Europe"


async def test_a_bad_name_is_a_rule_violation(create: CreateDepartment, owner: Actor) -> None:
    with pytest.raises(RuleViolated) as raised:
        await create(CreateDepartmentCommand("   "), owner)
    assert raised.value.field == "name"
