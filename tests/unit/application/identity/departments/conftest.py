"""Fixtures for the department use cases: one tenant, its owner, and the use cases on memory."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from ticketbase.adapters.memory.system import FixedClock, SequentialIds
from ticketbase.adapters.memory.unit_of_work import MemoryUnitOfWork
from ticketbase.application.context import Actor
from ticketbase.application.identity.departments.create_department import (
    CreateDepartment,
    CreateDepartmentCommand,
)
from ticketbase.application.identity.departments.delete_department import DeleteDepartment
from ticketbase.application.identity.departments.department_tree import GetDepartmentTree
from ticketbase.application.identity.departments.get_department import GetDepartment
from ticketbase.application.identity.departments.list_departments import ListDepartments
from ticketbase.application.identity.departments.update_department import UpdateDepartment
from ticketbase.application.ports.audit import AuditEntry
from ticketbase.domain.identity.department import Department
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.identity.permissions import Role
from ticketbase.domain.shared.ids import DepartmentId, OrganizationId

MakeMember = Callable[..., Actor]
MakeOrganization = Callable[..., Awaitable[Organization]]
AddDepartment = Callable[..., Awaitable[DepartmentId]]


@pytest.fixture
async def acme(make_organization: MakeOrganization) -> Organization:
    return await make_organization("acme", "Acme")


@pytest.fixture
def owner(acme: Organization, make_member: MakeMember) -> Actor:
    return make_member(acme.id, Role.OWNER)


@pytest.fixture
def create(uow: MemoryUnitOfWork, clock: FixedClock, ids: SequentialIds) -> CreateDepartment:
    return CreateDepartment(uow, clock, ids)


@pytest.fixture
def update(uow: MemoryUnitOfWork, clock: FixedClock, ids: SequentialIds) -> UpdateDepartment:
    return UpdateDepartment(uow, clock, ids)


@pytest.fixture
def delete(uow: MemoryUnitOfWork, clock: FixedClock, ids: SequentialIds) -> DeleteDepartment:
    return DeleteDepartment(uow, clock, ids)


@pytest.fixture
def list_departments(uow: MemoryUnitOfWork) -> ListDepartments:
    return ListDepartments(uow)


@pytest.fixture
def get_department(uow: MemoryUnitOfWork) -> GetDepartment:
    return GetDepartment(uow)


@pytest.fixture
def tree(uow: MemoryUnitOfWork) -> GetDepartmentTree:
    return GetDepartmentTree(uow)


@pytest.fixture
def add(create: CreateDepartment, owner: Actor) -> AddDepartment:
    """Create a department as the owner and return its id."""

    async def make(name: str, parent: DepartmentId | None = None) -> DepartmentId:
        made = await create(CreateDepartmentCommand(name, parent), owner)
        return made.department.id

    return make


def stored(
    uow: MemoryUnitOfWork, organization_id: OrganizationId
) -> dict[DepartmentId, Department]:
    """The committed departments of a tenant."""
    return dict(uow.database.state.departments.get(organization_id, {}))


def audit_of(uow: MemoryUnitOfWork, organization_id: OrganizationId) -> list[AuditEntry]:
    """The committed audit entries about departments."""
    return [
        e
        for org, e in uow.database.state.audit
        if org == organization_id and e.target_type == "department"
    ]
