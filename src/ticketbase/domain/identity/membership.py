"""A user's membership in one organization: role, department, granular grants and revokes,
and the escalation rules that govern who may change whom."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from ticketbase.domain.identity.permissions import Permission, Role, effective_permissions
from ticketbase.domain.shared.errors import Conflict, PermissionDenied
from ticketbase.domain.shared.ids import DepartmentId, MembershipId, OrganizationId, UserId


class MembershipStatus(enum.StrEnum):
    ACTIVE = "active"
    INVITED = "invited"
    DEACTIVATED = "deactivated"


class LastOwner(Conflict):
    code = "last_owner"


@dataclass(slots=True)
class Membership:
    id: MembershipId
    organization_id: OrganizationId
    user_id: UserId
    role: Role
    status: MembershipStatus
    created_at: datetime
    updated_at: datetime
    department_id: DepartmentId | None = None
    grants: frozenset[Permission] = field(default_factory=frozenset)
    revokes: frozenset[Permission] = field(default_factory=frozenset)
    last_login_at: datetime | None = None
    version: int = 1

    @property
    def permissions(self) -> frozenset[Permission]:
        return effective_permissions(self.role, self.grants, self.revokes)

    @property
    def can_log_in(self) -> bool:
        return self.status is not MembershipStatus.DEACTIVATED


def check_assignment(
    *,
    actor_role: Role,
    actor_permissions: frozenset[Permission],
    target: Membership | None,
    role: Role,
    grants: frozenset[Permission],
    revokes: frozenset[Permission],
) -> None:
    """May an actor give ``target`` (None: a new member) this role and these grants?

    - only owners touch owners, and only owners make owners;
    - nobody hands out a permission they do not hold themselves.
    """
    if Permission.USERS_MANAGE not in actor_permissions:
        raise PermissionDenied("this needs the users:manage permission")
    if actor_role is not Role.OWNER:
        if role is Role.OWNER:
            raise PermissionDenied("only an owner can make someone an owner")
        if target is not None and target.role is Role.OWNER:
            raise PermissionDenied("only an owner can change an owner")
    beyond = effective_permissions(role, grants, revokes) - actor_permissions
    if beyond:
        names = ", ".join(sorted(p.value for p in beyond))
        raise PermissionDenied(f"you cannot grant permissions you do not hold: {names}")


def check_owner_remains(target: Membership, *, new_role: Role | None, active_owners: int) -> None:
    """The last active owner can be neither demoted nor deactivated."""
    still_owner = new_role is Role.OWNER
    if (
        target.role is Role.OWNER
        and target.status is MembershipStatus.ACTIVE
        and not still_owner
        and active_owners <= 1
    ):
        raise LastOwner("an organization keeps at least one active owner")
