"""Rename a department and/or move it under another parent (or to the root level)."""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.ports.audit import AuditEntry, JsonValue
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.department import DepartmentTree, LocatedDepartment
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.shared.ids import DepartmentId


@dataclass(frozen=True, slots=True)
class UpdateDepartmentCommand:
    """``name=None`` keeps the name. ``parent_id`` is applied only when ``move`` is set, so
    "leave the parent alone" and "move to the root level" (``move=True, parent_id=None``)
    stay different."""

    department_id: DepartmentId
    name: str | None = None
    move: bool = False
    parent_id: DepartmentId | None = None


class UpdateDepartment:
    def __init__(self, uow: UnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    async def __call__(self, command: UpdateDepartmentCommand, actor: Actor) -> LocatedDepartment:
        organization_id = require(actor, Permission.DEPARTMENTS_MANAGE)
        now = self._clock.now()
        async with self._uow.for_tenant(organization_id) as tx:
            # Two moves checked at once could each pass and together close a loop: the lock
            # makes the second one read the tree the first one left.
            await tx.departments.lock_tree()
            tree = DepartmentTree(await tx.departments.all())
            before = tree.get(command.department_id)
            old_name, old_parent = before.name, before.parent_id
            department = tree.update(
                command.department_id,
                now=now,
                name=command.name,
                move=command.move,
                parent_id=command.parent_id,
            )
            changes: dict[str, JsonValue] = {}
            if department.name != old_name:
                changes["name"] = {"from": old_name, "to": department.name}
            if department.parent_id != old_parent:
                changes["parentId"] = {
                    "from": _text(old_parent),
                    "to": _text(department.parent_id),
                }
            if changes:
                await tx.departments.save(department)
                await tx.audit.append(
                    AuditEntry(
                        id=self._ids.new(),
                        at=now,
                        actor_id=actor.user_id,
                        action="department.updated",
                        target_type="department",
                        target_id=str(department.id),
                        meta=actor.meta,
                        changes=changes,
                    )
                )
                await tx.commit()
        return tree.locate(department.id)


def _text(department_id: DepartmentId | None) -> str | None:
    return None if department_id is None else str(department_id)
