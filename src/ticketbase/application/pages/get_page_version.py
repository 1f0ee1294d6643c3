"""One version of a page, with its document."""

from __future__ import annotations

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.pages.loading import load_page, load_version
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.pages.page import PageId, PageVersion


class GetPageVersion:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, page_id: PageId, number: int, actor: Actor) -> PageVersion:
        organization_id = require(actor, Permission.ORGANIZATION_READ)
        async with self._uow.for_tenant(organization_id) as tx:
            return await load_version(tx, await load_page(tx, page_id), number)
