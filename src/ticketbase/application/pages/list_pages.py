"""List the tenant's pages for staff, drafts included, newest first."""

from __future__ import annotations

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.pagination import Page as Listing
from ticketbase.application.pagination import PageRequest
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.pages.page import Page


class ListPages:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, page: PageRequest, actor: Actor) -> Listing[Page]:
        organization_id = require(actor, Permission.ORGANIZATION_READ)
        async with self._uow.for_tenant(organization_id) as tx:
            return await tx.pages.matching(page)
