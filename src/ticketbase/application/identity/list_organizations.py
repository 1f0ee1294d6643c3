"""Platform administrators browse every organization."""

from __future__ import annotations

from ticketbase.application.authorization import require_platform_admin
from ticketbase.application.context import Actor
from ticketbase.application.pagination import Page, PageRequest
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.organization import Organization


class ListOrganizations:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, q: str | None, page: PageRequest, actor: Actor) -> Page[Organization]:
        require_platform_admin(actor)
        async with self._uow.lookups() as lookups:
            return await lookups.list_organizations(q.strip() if q else None, page)
