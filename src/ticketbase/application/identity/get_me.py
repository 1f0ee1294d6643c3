"""Who am I: the account, the membership with its effective permissions, the organization.

The Admin App asks on every start, so the answer is cached per process under the member's,
the account's and the organization's tags: a role, name or organization change drops it in
every process before the changing request answers.
"""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.application.context import Actor
from ticketbase.application.ports.cache import Cache, member_tag, organization_tag, user_tag
from ticketbase.application.ports.unit_of_work import OrganizationRef, UnitOfWork
from ticketbase.domain.identity.membership import Membership
from ticketbase.domain.identity.user import User
from ticketbase.domain.shared.errors import Unauthenticated
from ticketbase.domain.shared.ids import OrganizationId, UserId


@dataclass(frozen=True, slots=True)
class Me:
    user: User
    membership: Membership | None
    organization: OrganizationRef | None


ProfileCache = Cache[tuple[OrganizationId | None, UserId], Me]


class GetMe:
    def __init__(self, uow: UnitOfWork, cache: ProfileCache) -> None:
        self._uow, self._cache = uow, cache

    async def __call__(self, actor: Actor) -> Me:
        key = (actor.organization_id, actor.user_id)
        me = self._cache.get(key)
        if me is None:
            ticket = self._cache.ticket()
            me = await self._read(actor)
            tags = [user_tag(actor.user_id)]
            if actor.organization_id is not None:
                tags += [
                    member_tag(actor.organization_id, actor.user_id),
                    organization_tag(actor.organization_id),
                ]
            self._cache.put(ticket, key, me, tags)
        return me

    async def _read(self, actor: Actor) -> Me:
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
