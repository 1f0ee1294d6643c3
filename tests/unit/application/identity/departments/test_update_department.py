"""UpdateDepartment: rename and/or move, cycles refused, own tenant only, audited."""

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
from ticketbase.application.identity.departments.update_department import (
    UpdateDepartment,
    UpdateDepartmentCommand,
)
from ticketbase.domain.identity.department import DepartmentCycle, DepartmentNameTaken
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.identity.permissions import Role
from ticketbase.domain.shared.errors import NotFound, PermissionDenied, RuleViolated
from ticketbase.domain.shared.ids import DepartmentId

pytestmark = pytest.mark.anyio


async def test_renaming_changes_the_paths_below_and_is_audited(
    update: UpdateDepartment,
    add: AddDepartment,
    uow: MemoryUnitOfWork,
    clock: FixedClock,
    acme: Organization,
    owner: Actor,
) -> None:
    sales = await add("Sales")
    europe = await add("Europe", sales)
    clock.advance(minutes=5)

    renamed = await update(UpdateDepartmentCommand(sales, name=" Revenue "), owner)

    assert renamed.path_text == "Revenue"
    kept = stored(uow, acme.id)
    assert kept[sales].name == "Revenue"
    assert kept[sales].updated_at == clock.now()
    assert kept[europe].updated_at < clock.now()
    entry = audit_of(uow, acme.id)[-1]
    assert (entry.action, entry.target_id, entry.changes) == (
        "department.updated",
        str(sales),
        {"name": {"from": "Sales", "to": "Revenue"}},
    )


async def test_moving_takes_the_subtree_along(
    update: UpdateDepartment,
    add: AddDepartment,
    uow: MemoryUnitOfWork,
    acme: Organization,
    owner: Actor,
) -> None:
    sales, support = await add("Sales"), await add("Support")
    europe = await add("Europe", sales)
    vienna = await add("Vienna", europe)

    moved = await update(UpdateDepartmentCommand(europe, move=True, parent_id=support), owner)

    assert moved.path_text == "Support / Europe"
    assert stored(uow, acme.id)[europe].parent_id == support
    assert stored(uow, acme.id)[vienna].parent_id == europe
    assert audit_of(uow, acme.id)[-1].changes == {
        "parentId": {"from": str(sales), "to": str(support)}
    }


async def test_a_null_parent_with_move_goes_to_the_root_and_without_move_stays(
    update: UpdateDepartment,
    add: AddDepartment,
    uow: MemoryUnitOfWork,
    acme: Organization,
    owner: Actor,
) -> None:
    sales = await add("Sales")
    europe = await add("Europe", sales)

    await update(UpdateDepartmentCommand(europe, name="EMEA"), owner)
    assert stored(uow, acme.id)[europe].parent_id == sales

    at_root = await update(UpdateDepartmentCommand(europe, move=True, parent_id=None), owner)
    assert at_root.path_text == "EMEA"
    assert stored(uow, acme.id)[europe].parent_id is None


@pytest.mark.parametrize("target", ["itself", "child", "grandchild"])
async def test_moving_under_itself_or_a_descendant_is_refused_and_changes_nothing(
    update: UpdateDepartment,
    add: AddDepartment,
    uow: MemoryUnitOfWork,
    acme: Organization,
    owner: Actor,
    target: str,
) -> None:
    sales = await add("Sales")
    europe = await add("Europe", sales)
    vienna = await add("Vienna", europe)
    parent = {"itself": sales, "child": europe, "grandchild": vienna}[target]
    before, audited = stored(uow, acme.id), len(audit_of(uow, acme.id))

    with pytest.raises(DepartmentCycle) as raised:
        await update(UpdateDepartmentCommand(sales, name="X", move=True, parent_id=parent), owner)

    assert raised.value.field == "parentId"
    assert stored(uow, acme.id) == before
    assert len(audit_of(uow, acme.id)) == audited


async def test_an_unknown_parent_is_a_rule_violation(
    update: UpdateDepartment, add: AddDepartment, owner: Actor, acme: Organization
) -> None:
    sales = await add("Sales")
    nowhere = DepartmentId(acme.id)
    with pytest.raises(RuleViolated) as raised:
        await update(UpdateDepartmentCommand(sales, move=True, parent_id=nowhere), owner)
    assert raised.value.field == "parentId"


async def test_a_rename_onto_a_siblings_name_is_a_conflict(
    update: UpdateDepartment, add: AddDepartment, owner: Actor
) -> None:
    await add("Sales")
    support = await add("Support")
    with pytest.raises(DepartmentNameTaken):
        await update(UpdateDepartmentCommand(support, name="sales"), owner)


async def test_an_update_that_changes_nothing_writes_nothing(
    update: UpdateDepartment,
    add: AddDepartment,
    uow: MemoryUnitOfWork,
    clock: FixedClock,
    acme: Organization,
    owner: Actor,
) -> None:
    sales = await add("Sales")
    before, audited = stored(uow, acme.id), len(audit_of(uow, acme.id))
    clock.advance(minutes=1)
    result = await update(UpdateDepartmentCommand(sales, name="Sales", move=True), owner)
    assert result.path_text == "Sales"
    assert stored(uow, acme.id) == before
    assert len(audit_of(uow, acme.id)) == audited


@pytest.mark.parametrize("role", [Role.MANAGER, Role.SUPPORT, Role.ANALYST])
async def test_only_departments_manage_updates(
    update: UpdateDepartment,
    add: AddDepartment,
    uow: MemoryUnitOfWork,
    acme: Organization,
    make_member: MakeMember,
    role: Role,
) -> None:
    sales = await add("Sales")
    with pytest.raises(PermissionDenied):
        await update(UpdateDepartmentCommand(sales, name="Nope"), make_member(acme.id, role))
    assert stored(uow, acme.id)[sales].name == "Sales"


async def test_another_tenants_department_is_not_found_and_unchanged(
    update: UpdateDepartment,
    add: AddDepartment,
    uow: MemoryUnitOfWork,
    acme: Organization,
    make_organization: MakeOrganization,
    make_member: MakeMember,
) -> None:
    sales = await add("Sales")
    rival = await make_organization("rival")
    with pytest.raises(NotFound):
        await update(
            UpdateDepartmentCommand(sales, name="Hijacked"), make_member(rival.id, Role.OWNER)
        )
    assert stored(uow, acme.id)[sales].name == "Sales"
