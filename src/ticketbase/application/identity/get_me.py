"""Who am I: the account, the membership with its effective permissions, the organization."""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.application.context import Actor
from ticketbase.application.ports.unit_of_work import OrganizationRef, UnitOfWork
from ticketbase.domain.identity.membership import Membership
from ticketbase.domain.identity.user import User
from ticketbase.domain.shared.errors import Unauthenticated


@dataclass(frozen=True, slots=True)
class Me:
    user: User
    membership: Membership | None
    organization: OrganizationRef | None


class GetMe:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, actor: Actor) -> Me:
        if actor.organization_id is not None:
            async with self._uow.for_tenant(actor.organization_id) as tx:
                profile = await tx.memberships.profile(actor.user_id)
            if profile is None:
                raise Unauthenticated("the membership no longer exists")
            return Me(profile.user, profile.membership, profile.organization)
        async with self._uow.system() as system:
            user = await system.users.get(actor.user_id)
        if user is None:
            raise Unauthenticated("the account no longer exists")
        return Me(user, None, None)
