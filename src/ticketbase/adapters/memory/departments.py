"""In-memory departments with the PostgreSQL adapter's rules: tenant scoping, and the foreign
keys (a parent must exist; a department still referenced by a sub-department or a membership,
of any status, cannot be deleted)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from ticketbase.domain.identity.department import Department, DepartmentNotFound
from ticketbase.domain.shared.errors import Conflict
from ticketbase.domain.shared.ids import DepartmentId, OrganizationId

if TYPE_CHECKING:
    from ticketbase.adapters.memory.unit_of_work import MemoryState


class MemoryDepartmentRepository:
    def __init__(self, state: MemoryState, organization_id: OrganizationId) -> None:
        self._s, self._org = state, organization_id

    def _mine(self) -> dict[DepartmentId, Department]:
        return self._s.departments.setdefault(self._org, {})

    async def get(self, department_id: DepartmentId) -> Department | None:
        found = self._mine().get(department_id)
        # A copy, as a database row would be: changing it changes nothing until ``save``.
        return None if found is None else dataclasses.replace(found)

    async def all(self) -> list[Department]:
        return [dataclasses.replace(d) for d in self._mine().values()]

    async def add(self, department: Department) -> None:
        if department.id in self._mine():
            raise Conflict("a department with this id already exists", field="id")
        self._check_parent(department)
        self._mine()[department.id] = dataclasses.replace(department)

    async def save(self, department: Department) -> None:
        if department.id not in self._mine():
            raise DepartmentNotFound("no such department")
        self._check_parent(department)
        self._mine()[department.id] = dataclasses.replace(department)

    async def delete(self, department_id: DepartmentId) -> None:
        referenced = await self.count_children(department_id) or any(
            m.organization_id == self._org and m.department_id == department_id
            for m in self._s.memberships.values()
        )
        if referenced:
            raise Conflict(
                "the department is still referenced by sub-departments or members",
                field="departmentId",
            )
        self._mine().pop(department_id, None)

    async def count_children(self, department_id: DepartmentId) -> int:
        return sum(1 for d in self._mine().values() if d.parent_id == department_id)

    async def lock_tree(self) -> None:
        """Nothing to do: in-memory transactions never interleave within one event loop step,
        and each works on its own copy of the state."""

    def _check_parent(self, department: Department) -> None:
        if department.parent_id is not None and department.parent_id not in self._mine():
            raise Conflict("the parent department does not exist", field="parentId")
