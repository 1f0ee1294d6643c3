"""Deactivate a member: history stays, access ends (its sessions in this organization too)."""

from __future__ import annotations

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.ports.audit import AuditEntry
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.membership import (
    MembershipStatus,
    check_assignment,
    check_owner_remains,
)
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.shared.errors import NotFound
from ticketbase.domain.shared.ids import UserId


class DeactivateUser:
    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._uow = uow
        self._clock, self._ids = clock, ids

    async def __call__(self, user_id: UserId, actor: Actor) -> None:
        organization_id = require(actor, Permission.USERS_MANAGE)
        assert actor.role is not None
        now = self._clock.now()
        async with self._uow.for_tenant(organization_id) as tx:
            membership = await tx.memberships.of_user(user_id)
            if membership is None:
                raise NotFound("no such user")
            check_assignment(
                actor_role=actor.role,
                actor_permissions=actor.permissions,
                target=membership,
                role=membership.role,
                grants=frozenset(),
                revokes=frozenset(),
            )
            check_owner_remains(
                membership, new_role=None, active_owners=await tx.memberships.count_active_owners()
            )
            if membership.status is MembershipStatus.DEACTIVATED:
                return
            membership.status = MembershipStatus.DEACTIVATED
            membership.updated_at = now
            membership.version += 1
            await tx.memberships.save(membership)
            ended = await tx.sessions.revoke_of_user(
                user_id, now, "deactivated", organization_id=organization_id
            )
            await tx.audit.append(
                AuditEntry(
                    id=self._ids.new(),
                    at=now,
                    actor_id=actor.user_id,
                    action="user.deactivated",
                    target_type="user",
                    target_id=str(user_id),
                    meta=actor.meta,
                    changes={"sessionsEnded": len(ended)},
                )
            )
            await tx.commit()
