"""List the organization's members with filters and cursor pagination."""

from __future__ import annotations

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.pagination import Page, PageRequest
from ticketbase.application.ports.unit_of_work import Member, MemberFilter, UnitOfWork
from ticketbase.domain.identity.permissions import Permission


class ListUsers:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, where: MemberFilter, page: PageRequest, actor: Actor) -> Page[Member]:
        organization_id = require(actor, Permission.USERS_READ)
        async with self._uow.for_tenant(organization_id) as tx:
            return await tx.memberships.members(where, page)
