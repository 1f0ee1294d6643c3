"""Reading departments: the list (paged, newest first), one, and the nested tree."""

from __future__ import annotations

import pytest
from tests.unit.application.identity.departments.conftest import (
    AddDepartment,
    MakeMember,
    MakeOrganization,
)

from ticketbase.application.context import Actor
from ticketbase.application.identity.departments.department_tree import GetDepartmentTree
from ticketbase.application.identity.departments.get_department import GetDepartment
from ticketbase.application.identity.departments.list_departments import ListDepartments
from ticketbase.application.pagination import PageRequest
from ticketbase.domain.identity.department import DepartmentNode
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.identity.permissions import Permission, Role
from ticketbase.domain.shared.errors import NotFound, PermissionDenied

pytestmark = pytest.mark.anyio


async def test_the_list_pages_newest_first_with_paths(
    list_departments: ListDepartments, add: AddDepartment, owner: Actor
) -> None:
    sales = await add("Sales")
    europe = await add("Europe", sales)
    vienna = await add("Vienna", europe)
    support = await add("Support")

    first = await list_departments(PageRequest(limit=3), owner)
    assert [d.department.id for d in first.items] == [support, vienna, europe]
    assert [d.path_text for d in first.items] == [
        "Support",
        "Sales / Europe / Vienna",
        "Sales / Europe",
    ]
    assert first.next_after == europe

    second = await list_departments(PageRequest(limit=3, after=first.next_after), owner)
    assert [d.department.id for d in second.items] == [sales]
    assert second.next_after is None


async def test_one_department_reads_with_its_path(
    get_department: GetDepartment, add: AddDepartment, owner: Actor
) -> None:
    europe = await add("Europe", await add("Sales"))
    found = await get_department(europe, owner)
    assert (found.department.name, found.path_text) == ("Europe", "Sales / Europe")


async def test_the_tree_nests_children_by_name(
    tree: GetDepartmentTree, add: AddDepartment, owner: Actor
) -> None:
    sales = await add("Sales")
    await add("Europe", sales)
    await add("Americas", sales)
    await add("Support")

    def shape(nodes: tuple[DepartmentNode, ...]) -> list[object]:
        return [(n.path_text, shape(n.children)) for n in nodes]

    assert shape(await tree(owner)) == [
        ("Sales", [("Sales / Americas", []), ("Sales / Europe", [])]),
        ("Support", []),
    ]


@pytest.mark.parametrize("role", list(Role))
async def test_every_role_reads(
    list_departments: ListDepartments,
    tree: GetDepartmentTree,
    get_department: GetDepartment,
    add: AddDepartment,
    acme: Organization,
    make_member: MakeMember,
    role: Role,
) -> None:
    sales = await add("Sales")
    reader = make_member(acme.id, role)
    assert len((await list_departments(PageRequest(), reader)).items) == 1
    assert len(await tree(reader)) == 1
    assert (await get_department(sales, reader)).department.id == sales


async def test_reading_needs_organization_read(
    list_departments: ListDepartments,
    tree: GetDepartmentTree,
    get_department: GetDepartment,
    add: AddDepartment,
    acme: Organization,
    make_member: MakeMember,
    platform_admin: Actor,
) -> None:
    sales = await add("Sales")
    revoked = make_member(acme.id, Role.ANALYST, revokes=[Permission.ORGANIZATION_READ])
    for reader in (revoked, platform_admin):
        with pytest.raises(PermissionDenied):
            await list_departments(PageRequest(), reader)
        with pytest.raises(PermissionDenied):
            await tree(reader)
        with pytest.raises(PermissionDenied):
            await get_department(sales, reader)


async def test_a_tenant_sees_only_its_own_departments(
    list_departments: ListDepartments,
    tree: GetDepartmentTree,
    get_department: GetDepartment,
    add: AddDepartment,
    make_organization: MakeOrganization,
    make_member: MakeMember,
) -> None:
    sales = await add("Sales")
    rival = make_member((await make_organization("rival")).id, Role.OWNER)
    assert (await list_departments(PageRequest(), rival)).items == []
    assert await tree(rival) == ()
    with pytest.raises(NotFound):
        await get_department(sales, rival)
