"""Who am I: the account, the membership with its effective permissions, the organization."""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.application.context import Actor
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.membership import Membership
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.identity.user import User
from ticketbase.domain.shared.errors import Unauthenticated


@dataclass(frozen=True, slots=True)
class Me:
    user: User
    membership: Membership | None
    organization: Organization | None


class GetMe:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, actor: Actor) -> Me:
        membership = organization = None
        if actor.organization_id is not None:
            async with self._uow.for_tenant(actor.organization_id) as tx:
                user = await tx.users.get(actor.user_id)
                membership = await tx.memberships.of_user(actor.user_id)
                organization = await tx.organizations.get()
        else:
            async with self._uow.system() as system:
                user = await system.users.get(actor.user_id)
        if user is None:
            raise Unauthenticated("the account no longer exists")
        return Me(user, membership, organization)
