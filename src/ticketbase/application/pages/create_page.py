"""Create a page as a draft with its first version."""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.pages.loading import PageWithContent, page_audit
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.pages.page import Page, PageContent, PageId
from ticketbase.domain.shared.values import Slug


@dataclass(frozen=True, slots=True)
class CreatePageCommand:
    slug: Slug
    content: PageContent


class CreatePage:
    def __init__(self, uow: UnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    async def __call__(self, command: CreatePageCommand, actor: Actor) -> PageWithContent:
        """``Conflict`` (field ``slug``) when the slug is taken."""
        organization_id = require(actor, Permission.PAGES_WRITE)
        page, first = Page.create(
            id=PageId(self._ids.new()),
            organization_id=organization_id,
            slug=command.slug,
            content=command.content,
            now=self._clock.now(),
            by=actor.user_id,
        )
        async with self._uow.for_tenant(organization_id) as tx:
            await tx.pages.add(page, first)
            await tx.audit.append(
                page_audit(
                    self._ids,
                    actor,
                    page,
                    "page.created",
                    {"slug": page.slug.value, "title": page.title, "version": first.number},
                )
            )
            await tx.commit()
        return PageWithContent(page, first)
