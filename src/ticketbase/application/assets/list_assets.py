"""``GET /api/assets``: the organization's assets, newest first, for any member."""

from __future__ import annotations

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.pagination import Page, PageRequest
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.assets.asset import Asset
from ticketbase.domain.identity.permissions import Permission


class ListAssets:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, page: PageRequest, actor: Actor) -> Page[Asset]:
        async with self._uow.for_tenant(require(actor, Permission.ORGANIZATION_READ)) as tx:
            return await tx.assets.newest_first(page)
