"""DeleteDepartment: only an empty department goes (no children, no members), audited."""

from __future__ import annotations

import pytest
from tests.unit.application.identity.departments.conftest import (
    AddDepartment,
    MakeMember,
    MakeOrganization,
    audit_of,
    stored,
)

from ticketbase.adapters.memory.system import FixedClock, SequentialIds
from ticketbase.adapters.memory.unit_of_work import MemoryUnitOfWork
from ticketbase.application.context import Actor
from ticketbase.application.identity.departments.delete_department import DeleteDepartment
from ticketbase.domain.identity.department import DepartmentNotEmpty
from ticketbase.domain.identity.membership import Membership, MembershipStatus
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.identity.permissions import Role
from ticketbase.domain.shared.errors import Conflict, NotFound, PermissionDenied
from ticketbase.domain.shared.ids import DepartmentId, MembershipId, OrganizationId, UserId

pytestmark = pytest.mark.anyio


async def add_member(
    uow: MemoryUnitOfWork,
    ids: SequentialIds,
    clock: FixedClock,
    organization_id: OrganizationId,
    department_id: DepartmentId,
    status: MembershipStatus = MembershipStatus.ACTIVE,
) -> None:
    async with uow.for_tenant(organization_id) as tx:
        await tx.memberships.add(
            Membership(
                id=MembershipId(ids.new()),
                organization_id=organization_id,
                user_id=UserId(ids.new()),
                role=Role.SUPPORT,
                status=status,
                created_at=clock.now(),
                updated_at=clock.now(),
                department_id=department_id,
            )
        )
        await tx.commit()


async def test_an_empty_department_is_deleted_and_audited(
    delete: DeleteDepartment,
    add: AddDepartment,
    uow: MemoryUnitOfWork,
    acme: Organization,
    owner: Actor,
) -> None:
    sales = await add("Sales")
    europe = await add("Europe", sales)

    await delete(europe, owner)

    assert list(stored(uow, acme.id)) == [sales]
    entry = audit_of(uow, acme.id)[-1]
    assert (entry.action, entry.target_id, entry.changes, entry.actor_id) == (
        "department.deleted",
        str(europe),
        {"name": "Europe", "parentId": str(sales)},
        owner.user_id,
    )


async def test_a_department_with_children_is_a_conflict(
    delete: DeleteDepartment,
    add: AddDepartment,
    uow: MemoryUnitOfWork,
    acme: Organization,
    owner: Actor,
) -> None:
    sales = await add("Sales")
    await add("Europe", sales)
    audited = len(audit_of(uow, acme.id))
    with pytest.raises(DepartmentNotEmpty, match="sub-departments"):
        await delete(sales, owner)
    assert sales in stored(uow, acme.id)
    assert len(audit_of(uow, acme.id)) == audited


async def test_a_department_with_members_is_a_conflict(
    delete: DeleteDepartment,
    add: AddDepartment,
    uow: MemoryUnitOfWork,
    ids: SequentialIds,
    clock: FixedClock,
    acme: Organization,
    owner: Actor,
) -> None:
    sales = await add("Sales")
    await add_member(uow, ids, clock, acme.id, sales)
    with pytest.raises(DepartmentNotEmpty, match="members"):
        await delete(sales, owner)
    assert sales in stored(uow, acme.id)


async def test_a_deactivated_member_still_holds_the_department(
    delete: DeleteDepartment,
    add: AddDepartment,
    uow: MemoryUnitOfWork,
    ids: SequentialIds,
    clock: FixedClock,
    acme: Organization,
    owner: Actor,
) -> None:
    """Deactivated memberships keep their history, department included: the foreign key (and
    its in-memory twin) refuses the delete even though no active member is counted."""
    sales = await add("Sales")
    await add_member(uow, ids, clock, acme.id, sales, MembershipStatus.DEACTIVATED)
    with pytest.raises(Conflict):
        await delete(sales, owner)
    assert sales in stored(uow, acme.id)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.SUPPORT, Role.ANALYST])
async def test_only_departments_manage_deletes(
    delete: DeleteDepartment,
    add: AddDepartment,
    uow: MemoryUnitOfWork,
    acme: Organization,
    make_member: MakeMember,
    role: Role,
) -> None:
    sales = await add("Sales")
    with pytest.raises(PermissionDenied):
        await delete(sales, make_member(acme.id, role))
    assert sales in stored(uow, acme.id)


async def test_an_unknown_or_foreign_department_is_not_found(
    delete: DeleteDepartment,
    add: AddDepartment,
    uow: MemoryUnitOfWork,
    acme: Organization,
    owner: Actor,
    make_organization: MakeOrganization,
    make_member: MakeMember,
) -> None:
    sales = await add("Sales")
    with pytest.raises(NotFound):
        await delete(DepartmentId(acme.id), owner)
    rival = await make_organization("rival")
    with pytest.raises(NotFound):
        await delete(sales, make_member(rival.id, Role.OWNER))
    assert sales in stored(uow, acme.id)
