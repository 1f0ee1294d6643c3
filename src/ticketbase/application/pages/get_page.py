"""Read one of the tenant's pages for staff, draft or published, by id or by slug, with its
current version (what the editor opens)."""

from __future__ import annotations

from uuid import UUID

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.pages.loading import PageWithContent, load_version
from ticketbase.application.ports.unit_of_work import TenantTransaction, UnitOfWork
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.pages.errors import PageNotFound
from ticketbase.domain.pages.page import Page, PageId
from ticketbase.domain.shared.errors import RuleViolated
from ticketbase.domain.shared.values import Slug


class GetPage:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, reference: PageId | str, actor: Actor) -> PageWithContent:
        """``reference``: an id, or the path's text, which may be an id or a slug (a UUID's
        text is also a well-formed slug: it is tried as an id first)."""
        organization_id = require(actor, Permission.ORGANIZATION_READ)
        async with self._uow.for_tenant(organization_id) as tx:
            page = await _find(tx, reference)
            if page is None:
                raise PageNotFound("no such page")
            return PageWithContent(page, await load_version(tx, page, page.current_version))


async def _find(tx: TenantTransaction, reference: PageId | str) -> Page | None:
    if isinstance(reference, UUID):
        return await tx.pages.get(reference)
    try:
        page_id: PageId | None = PageId(UUID(reference))
    except ValueError:
        page_id = None
    if page_id is not None and (page := await tx.pages.get(page_id)) is not None:
        return page
    try:
        slug = Slug(reference)
    except RuleViolated:
        return None
    return await tx.pages.by_slug(slug)
