"""Change a member's role, department, grants and revokes (and the account's name)."""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.identity.users.create_user import check_department
from ticketbase.application.ports.audit import AuditEntry, JsonValue
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import Member, UnitOfWork
from ticketbase.domain.identity.membership import check_assignment, check_owner_remains
from ticketbase.domain.identity.permissions import Permission, Role
from ticketbase.domain.identity.user import User
from ticketbase.domain.shared.errors import NotFound
from ticketbase.domain.shared.ids import DepartmentId, UserId


@dataclass(frozen=True, slots=True)
class UpdateUserCommand:
    user_id: UserId
    full_name: str | None = None
    role: Role | None = None
    change_department: bool = False
    department_id: DepartmentId | None = None
    grants: frozenset[Permission] | None = None
    revokes: frozenset[Permission] | None = None


class UpdateUser:
    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._uow = uow
        self._clock, self._ids = clock, ids

    async def __call__(self, command: UpdateUserCommand, actor: Actor) -> Member:
        organization_id = require(actor, Permission.USERS_MANAGE)
        assert actor.role is not None
        now = self._clock.now()
        async with self._uow.for_tenant(organization_id) as tx:
            membership = await tx.memberships.of_user(command.user_id)
            user = await tx.users.get(command.user_id)
            if membership is None or user is None:
                raise NotFound("no such user")
            role = command.role or membership.role
            grants = membership.grants if command.grants is None else command.grants
            revokes = membership.revokes if command.revokes is None else command.revokes
            access_changes = (role, grants, revokes) != (
                membership.role,
                membership.grants,
                membership.revokes,
            )
            changes: dict[str, JsonValue] = {}
            if access_changes:
                check_assignment(
                    actor_role=actor.role,
                    actor_permissions=actor.permissions,
                    target=membership,
                    role=role,
                    grants=grants,
                    revokes=revokes,
                )
                if role is not membership.role:
                    check_owner_remains(
                        membership,
                        new_role=role,
                        active_owners=await tx.memberships.count_active_owners(),
                    )
                changes["role"] = role.value
                changes["grants"] = [p.value for p in sorted(grants)]
                changes["revokes"] = [p.value for p in sorted(revokes)]
                membership.role, membership.grants, membership.revokes = role, grants, revokes
            elif membership.role is Role.OWNER and actor.role is not Role.OWNER:
                check_assignment(
                    actor_role=actor.role,
                    actor_permissions=actor.permissions,
                    target=membership,
                    role=role,
                    grants=grants,
                    revokes=revokes,
                )
            if command.change_department:
                await check_department(tx, command.department_id)
                membership.department_id = command.department_id
                changes["departmentId"] = str(command.department_id or "") or None
            if command.full_name is not None:
                user.full_name = User.check_full_name(command.full_name)
                await tx.users.save(user)
                changes["fullName"] = user.full_name
            membership.updated_at = now
            membership.version += 1
            await tx.memberships.save(membership)
            if access_changes:
                # Tokens carry the role and grants: end the member's sessions here so the
                # change takes effect at once, not when the access tokens expire.
                await tx.sessions.revoke_of_user(
                    user.id, now, "access_changed", organization_id=organization_id
                )
            await tx.audit.append(
                AuditEntry(
                    id=self._ids.new(),
                    at=now,
                    actor_id=actor.user_id,
                    action="user.updated",
                    target_type="user",
                    target_id=str(user.id),
                    meta=actor.meta,
                    changes=changes,
                )
            )
            await tx.commit()
        return Member(membership, user.email, user.full_name)
