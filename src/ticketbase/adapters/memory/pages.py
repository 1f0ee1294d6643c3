"""In-memory pages with the PostgreSQL adapter's rules: tenant scoping, slug uniqueness
(``Conflict`` on ``slug``), optimistic versions, versions only ever added.

Pages go in and come out as copies, as rows would; versions are frozen and shared."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from ticketbase.application.pagination import Page as Listing
from ticketbase.application.pagination import PageRequest
from ticketbase.application.ports.pages import PublishedPage
from ticketbase.domain.pages.page import (
    Page,
    PageId,
    PageStatus,
    PageVersion,
    PageVersionSummary,
)
from ticketbase.domain.shared.errors import Conflict, StaleVersion
from ticketbase.domain.shared.ids import OrganizationId
from ticketbase.domain.shared.values import Slug

if TYPE_CHECKING:
    from ticketbase.adapters.memory.unit_of_work import MemoryState


class MemoryPageRepository:
    def __init__(self, state: MemoryState, organization_id: OrganizationId) -> None:
        self._s, self._org = state, organization_id

    def _mine(self) -> dict[PageId, Page]:
        return self._s.pages.setdefault(self._org, {})

    def _versions(self) -> dict[tuple[PageId, int], PageVersion]:
        return self._s.page_versions.setdefault(self._org, {})

    async def get(self, page_id: PageId) -> Page | None:
        found = self._mine().get(page_id)
        return None if found is None else copy.deepcopy(found)

    async def by_slug(self, slug: Slug) -> Page | None:
        found = next((p for p in self._mine().values() if p.slug == slug), None)
        return None if found is None else copy.deepcopy(found)

    async def add(self, page: Page, first: PageVersion) -> None:
        assert page.organization_id == self._org, "rejected by row level security"
        assert page.id not in self._mine(), "duplicate primary key"
        self._check_slug(page)
        self._add_version(page, first)
        self._mine()[page.id] = copy.deepcopy(page)

    async def save(self, page: Page, new_version: PageVersion | None = None) -> None:
        stored = self._mine().get(page.id)
        if stored is None or stored.version != page.version - 1:
            raise StaleVersion("the page was changed meanwhile; reload and retry")
        self._check_slug(page)
        if new_version is not None:
            self._add_version(page, new_version)
        self._mine()[page.id] = copy.deepcopy(page)

    async def matching(self, page: PageRequest) -> Listing[Page]:
        found = [
            copy.deepcopy(p)
            for p in sorted(self._mine().values(), key=lambda p: p.id, reverse=True)
            if page.after is None or p.id < page.after
        ]
        return Listing.from_rows(found[: page.fetch], page, key=lambda p: p.id)

    async def version(self, page_id: PageId, number: int) -> PageVersion | None:
        return self._versions().get((page_id, number))

    async def versions(
        self, page_id: PageId, limit: int, before: int | None = None
    ) -> list[PageVersionSummary]:
        found = sorted(
            (
                v
                for (owner, number), v in self._versions().items()
                if owner == page_id and (before is None or number < before)
            ),
            key=lambda v: v.number,
            reverse=True,
        )
        return [
            PageVersionSummary(v.page_id, v.number, v.title, v.created_at, v.created_by)
            for v in found[:limit]
        ]

    async def published(self, slug: Slug) -> PublishedPage | None:
        page = await self.by_slug(slug)
        if page is None or page.status is not PageStatus.PUBLISHED:
            return None
        assert page.published_version is not None
        return PublishedPage(page, self._versions()[(page.id, page.published_version)])

    def _add_version(self, page: Page, version: PageVersion) -> None:
        assert version.page_id == page.id, "fk_page_versions_page"
        assert version.number == page.current_version, "fk_pages_current_version"
        key = (page.id, version.number)
        assert key not in self._versions(), "duplicate primary key"
        self._versions()[key] = version

    def _check_slug(self, page: Page) -> None:
        if any(p.slug == page.slug and p.id != page.id for p in self._mine().values()):
            raise Conflict("another page of this organization has this slug", field="slug")
