"""Read one department with its path."""

from __future__ import annotations

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.department import DepartmentTree, LocatedDepartment
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.shared.ids import DepartmentId


class GetDepartment:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, department_id: DepartmentId, actor: Actor) -> LocatedDepartment:
        organization_id = require(actor, Permission.ORGANIZATION_READ)
        async with self._uow.for_tenant(organization_id) as tx:
            tree = DepartmentTree(await tx.departments.all())
        # Another tenant's id is simply not in this tenant's tree: the same 404 as a missing one.
        return tree.locate(department_id)
