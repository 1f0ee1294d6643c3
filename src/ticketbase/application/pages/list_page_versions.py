"""A page's versions, newest first, without their documents; keyset pages by version number."""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.pages.loading import load_page
from ticketbase.application.pagination import DEFAULT_LIMIT
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.pages.page import PageId, PageVersionSummary


@dataclass(frozen=True, slots=True)
class VersionListing:
    items: list[PageVersionSummary]
    next_before: int | None  # the cursor: the versions below this number come next


class ListPageVersions:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(
        self,
        page_id: PageId,
        actor: Actor,
        *,
        limit: int = DEFAULT_LIMIT,
        before: int | None = None,
    ) -> VersionListing:
        organization_id = require(actor, Permission.ORGANIZATION_READ)
        async with self._uow.for_tenant(organization_id) as tx:
            page = await load_page(tx, page_id)
            rows = await tx.pages.versions(page.id, limit + 1, before)
        if len(rows) > limit:
            kept = rows[:limit]
            return VersionListing(kept, kept[-1].number)
        return VersionListing(rows, None)
