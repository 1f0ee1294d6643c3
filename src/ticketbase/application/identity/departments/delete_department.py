"""Delete an empty department: one with neither sub-departments nor members."""

from __future__ import annotations

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.ports.audit import AuditEntry
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.department import DepartmentNotFound, check_removable
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.shared.ids import DepartmentId


class DeleteDepartment:
    def __init__(self, uow: UnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    async def __call__(self, department_id: DepartmentId, actor: Actor) -> None:
        organization_id = require(actor, Permission.DEPARTMENTS_MANAGE)
        now = self._clock.now()
        async with self._uow.for_tenant(organization_id) as tx:
            # No sub-department can be created under it between the count and the delete.
            # A member assigned meanwhile is caught by the foreign key (a Conflict as well).
            await tx.departments.lock_tree()
            department = await tx.departments.get(department_id)
            if department is None:
                raise DepartmentNotFound("no such department")
            check_removable(
                children=await tx.departments.count_children(department_id),
                members=await tx.memberships.count_in_department(department_id),
            )
            await tx.departments.delete(department_id)
            await tx.audit.append(
                AuditEntry(
                    id=self._ids.new(),
                    at=now,
                    actor_id=actor.user_id,
                    action="department.deleted",
                    target_type="department",
                    target_id=str(department_id),
                    meta=actor.meta,
                    changes={
                        "name": department.name,
                        "parentId": None
                        if department.parent_id is None
                        else str(department.parent_id),
                    },
                )
            )
            await tx.commit()
