"""Publish a page: the storefront shows its current version from the next request on, in every
process (the page's cache tag is announced at commit)."""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.pages.loading import (
    PageWithContent,
    load_page,
    load_version,
    page_audit,
)
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.pages.page import PageId


@dataclass(frozen=True, slots=True)
class PublishPageCommand:
    page_id: PageId
    expected_version: int | None = None


class PublishPage:
    def __init__(self, uow: UnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    async def __call__(self, command: PublishPageCommand, actor: Actor) -> PageWithContent:
        """Publishing what is already published changes nothing and audits nothing."""
        organization_id = require(actor, Permission.PAGES_WRITE)
        async with self._uow.for_tenant(organization_id) as tx:
            page = await load_page(tx, command.page_id)
            before = page.published_version
            if page.publish(now=self._clock.now(), expected_version=command.expected_version):
                await tx.pages.save(page)
                await tx.audit.append(
                    page_audit(
                        self._ids,
                        actor,
                        page,
                        "page.published",
                        {"publishedVersion": {"from": before, "to": page.published_version}},
                    )
                )
            current = await load_version(tx, page, page.current_version)
            await tx.commit()
        return PageWithContent(page, current)
