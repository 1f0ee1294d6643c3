"""The repository of the pages area: pages and their immutable versions.

Reached through ``uow.for_tenant(...)``. Every write of a page row records ``page_tag`` and
``pages_tag`` (like every repository records its tags), so the storefront's cached answers —
a published page, or the absence of one at a slug — are dropped in every process at commit.
Versions are only ever inserted, always together with the page row that names them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ticketbase.application.pagination import Page as Listing
from ticketbase.application.pagination import PageRequest
from ticketbase.domain.pages.page import Page, PageId, PageVersion, PageVersionSummary
from ticketbase.domain.shared.values import Slug


@dataclass(frozen=True, slots=True)
class PublishedPage:
    """A published page with the version the storefront shows."""

    page: Page
    version: PageVersion


class PageRepository(Protocol):
    async def get(self, page_id: PageId) -> Page | None: ...

    async def by_slug(self, slug: Slug) -> Page | None: ...

    async def add(self, page: Page, first: PageVersion) -> None:
        """The page and its first version; ``Conflict`` (field ``slug``) when the slug is
        taken in this organization."""
        ...

    async def save(self, page: Page, new_version: PageVersion | None = None) -> None:
        """Store a changed page whose ``version`` was bumped by one, with the version it just
        gained (if any); ``StaleVersion`` when the stored page is not at ``version - 1``.
        ``Conflict`` (field ``slug``) when a new slug is taken."""
        ...

    async def matching(self, page: PageRequest) -> Listing[Page]:
        """Newest first (by id)."""
        ...

    async def version(self, page_id: PageId, number: int) -> PageVersion | None: ...

    async def versions(
        self, page_id: PageId, limit: int, before: int | None = None
    ) -> list[PageVersionSummary]:
        """Newest first, up to ``limit``, those numbered below ``before`` when given."""
        ...

    async def published(self, slug: Slug) -> PublishedPage | None:
        """The page at ``slug`` with its published version, if it is published."""
        ...
