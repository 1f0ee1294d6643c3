"""List the tenant's departments with their paths, newest first, a page at a time."""

from __future__ import annotations

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.pagination import Page, PageRequest
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.department import DepartmentTree, LocatedDepartment
from ticketbase.domain.identity.permissions import Permission


class ListDepartments:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, page: PageRequest, actor: Actor) -> Page[LocatedDepartment]:
        organization_id = require(actor, Permission.ORGANIZATION_READ)
        async with self._uow.for_tenant(organization_id) as tx:
            tree = DepartmentTree(await tx.departments.all())
        # Every path needs the whole tree anyway, and the tree is small: page over it here.
        rows = tree.located()
        if page.after is not None:
            rows = [r for r in rows if r.department.id < page.after]
        return Page.from_rows(rows[: page.fetch], page, key=lambda r: r.department.id)
