"""The tenant's departments as a nested tree, roots and children ordered by name."""

from __future__ import annotations

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.department import DepartmentNode, DepartmentTree
from ticketbase.domain.identity.permissions import Permission


class GetDepartmentTree:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, actor: Actor) -> tuple[DepartmentNode, ...]:
        organization_id = require(actor, Permission.ORGANIZATION_READ)
        async with self._uow.for_tenant(organization_id) as tx:
            departments = await tx.departments.all()
        return DepartmentTree(departments).nested()
