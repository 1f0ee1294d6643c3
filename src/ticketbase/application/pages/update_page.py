"""Save a page: a new immutable version becomes the current one (the storefront keeps showing
the published version until the next publish). Optimistic: ``If-Match`` or ``version``."""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.pages.loading import PageWithContent, load_page, page_audit
from ticketbase.application.ports.audit import JsonValue
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.pages.page import PageContent, PageId
from ticketbase.domain.shared.values import Slug


@dataclass(frozen=True, slots=True)
class UpdatePageCommand:
    page_id: PageId
    content: PageContent
    slug: Slug | None = None  # None: keep
    expected_version: int | None = None


class UpdatePage:
    def __init__(self, uow: UnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    async def __call__(self, command: UpdatePageCommand, actor: Actor) -> PageWithContent:
        """``StaleVersion`` when the page moved on since ``expected_version``; ``Conflict``
        (field ``slug``) when a new slug is taken."""
        organization_id = require(actor, Permission.PAGES_WRITE)
        async with self._uow.for_tenant(organization_id) as tx:
            page = await load_page(tx, command.page_id)
            old_slug = page.slug
            saved = page.save(
                command.content,
                now=self._clock.now(),
                by=actor.user_id,
                slug=command.slug,
                expected_version=command.expected_version,
            )
            await tx.pages.save(page, saved)
            changes: dict[str, JsonValue] = {"version": saved.number, "title": page.title}
            if page.slug != old_slug:
                changes["slug"] = {"from": old_slug.value, "to": page.slug.value}
            await tx.audit.append(page_audit(self._ids, actor, page, "page.updated", changes))
            await tx.commit()
        return PageWithContent(page, saved)
