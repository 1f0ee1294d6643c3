"""Create a department at the root level or under a parent."""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.ports.audit import AuditEntry
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.department import DepartmentTree, LocatedDepartment
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.shared.ids import DepartmentId


@dataclass(frozen=True, slots=True)
class CreateDepartmentCommand:
    name: str
    parent_id: DepartmentId | None = None


class CreateDepartment:
    def __init__(self, uow: UnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    async def __call__(self, command: CreateDepartmentCommand, actor: Actor) -> LocatedDepartment:
        organization_id = require(actor, Permission.DEPARTMENTS_MANAGE)
        now = self._clock.now()
        async with self._uow.for_tenant(organization_id) as tx:
            # Sibling names are checked against the tree: hold it still until the commit.
            await tx.departments.lock_tree()
            tree = DepartmentTree(await tx.departments.all())
            department = tree.create(
                DepartmentId(self._ids.new()), command.name, command.parent_id, now=now
            )
            await tx.departments.add(department)
            await tx.audit.append(
                AuditEntry(
                    id=self._ids.new(),
                    at=now,
                    actor_id=actor.user_id,
                    action="department.created",
                    target_type="department",
                    target_id=str(department.id),
                    meta=actor.meta,
                    changes={
                        "name": department.name,
                        "parentId": _text(department.parent_id),
                    },
                )
            )
            await tx.commit()
        return tree.locate(department.id)


def _text(department_id: DepartmentId | None) -> str | None:
    return None if department_id is None else str(department_id)
