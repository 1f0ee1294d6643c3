"""The Page aggregate and its immutable versions.

A page is a slug (its address on the storefront, unique in the organization) and a history of
versions, each a Puck document with the title and SEO it was saved with. ``current_version`` is
what the editor shows (the last save), ``published_version`` what the storefront shows (NULL
until the first publish). Every save, and every restore, adds a version; none is ever changed or
removed, so a rollback keeps the history it rolls back over.

``version`` is the row's optimistic-concurrency counter (``If-Match``): a save, a restore, a
publish and a slug change each bump it by one. Publishing what is already published changes
nothing and bumps nothing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import NewType
from uuid import UUID

from ticketbase.domain.pages.puck import PuckData, parse_puck_data
from ticketbase.domain.shared.errors import RuleViolated, StaleVersion
from ticketbase.domain.shared.ids import OrganizationId, UserId
from ticketbase.domain.shared.values import Slug

PageId = NewType("PageId", UUID)

MAX_TITLE_LENGTH = 200
MAX_SEO_TITLE_LENGTH = 200
MAX_SEO_DESCRIPTION_LENGTH = 500
MAX_SEO_IMAGE_LENGTH = 2048


class PageStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


def check_title(title: str, *, field: str = "title") -> str:
    cleaned = title.strip()
    if not 1 <= len(cleaned) <= MAX_TITLE_LENGTH:
        raise RuleViolated(f"a title is 1-{MAX_TITLE_LENGTH} characters", field=field)
    return cleaned


def _bounded(value: str | None, limit: int, field: str) -> str | None:
    if value is not None and len(value) > limit:
        raise RuleViolated(f"at most {limit} characters", field=field)
    return value


@dataclass(frozen=True, slots=True)
class Seo:
    """What search engines and link previews read: each part optional and bounded. ``image``
    is a URL or an asset's address, given as text; the storefront decides how to show it."""

    title: str | None = None
    description: str | None = None
    image: str | None = None

    def __post_init__(self) -> None:
        _bounded(self.title, MAX_SEO_TITLE_LENGTH, "seo.title")
        _bounded(self.description, MAX_SEO_DESCRIPTION_LENGTH, "seo.description")
        _bounded(self.image, MAX_SEO_IMAGE_LENGTH, "seo.image")


@dataclass(frozen=True, slots=True)
class PageContent:
    """What one save holds: the document, the title and the SEO. Build with :meth:`parse`."""

    data: PuckData
    title: str
    seo: Seo | None = None

    @classmethod
    def parse(cls, *, data: object, title: str, seo: Seo | None = None) -> PageContent:
        return cls(data=parse_puck_data(data), title=check_title(title), seo=seo)


@dataclass(frozen=True, slots=True)
class PageVersion:
    """One save of a page, never changed once stored."""

    page_id: PageId
    number: int
    content: PageContent
    created_at: datetime
    created_by: UserId | None

    @property
    def title(self) -> str:
        return self.content.title


@dataclass(frozen=True, slots=True)
class PageVersionSummary:
    """A version as lists show it: without its (possibly large) document."""

    page_id: PageId
    number: int
    title: str
    created_at: datetime
    created_by: UserId | None


@dataclass(slots=True)
class Page:
    id: PageId
    organization_id: OrganizationId
    slug: Slug
    title: str  # the current version's
    created_at: datetime
    updated_at: datetime
    status: PageStatus = PageStatus.DRAFT
    current_version: int = 1
    published_version: int | None = None
    version: int = 1

    @classmethod
    def create(
        cls,
        *,
        id: PageId,
        organization_id: OrganizationId,
        slug: Slug,
        content: PageContent,
        now: datetime,
        by: UserId | None,
    ) -> tuple[Page, PageVersion]:
        """A draft and its first version."""
        page = cls(
            id=id,
            organization_id=organization_id,
            slug=slug,
            title=content.title,
            created_at=now,
            updated_at=now,
        )
        return page, PageVersion(id, 1, content, now, by)

    @property
    def is_published(self) -> bool:
        return self.status is PageStatus.PUBLISHED

    def save(
        self,
        content: PageContent,
        *,
        now: datetime,
        by: UserId | None,
        slug: Slug | None = None,
        expected_version: int | None = None,
    ) -> PageVersion:
        """A new current version holding ``content`` (and a new slug when given). The
        published version stays what it was until the next publish."""
        self._check_version(expected_version)
        if slug is not None:
            self.slug = slug
        return self._add_version(content, now=now, by=by)

    def restore(
        self,
        old: PageVersion,
        *,
        now: datetime,
        by: UserId | None,
        expected_version: int | None = None,
    ) -> PageVersion:
        """A new current version equal to ``old`` (one of this page's): history is kept."""
        if old.page_id != self.id:
            raise ValueError("a page restores one of its own versions")
        self._check_version(expected_version)
        return self._add_version(old.content, now=now, by=by)

    def publish(self, *, now: datetime, expected_version: int | None = None) -> bool:
        """Show the current version on the storefront; False (nothing changed) when it already
        does."""
        self._check_version(expected_version)
        if self.is_published and self.published_version == self.current_version:
            return False
        self.status = PageStatus.PUBLISHED
        self.published_version = self.current_version
        self._touch(now)
        return True

    def _add_version(
        self, content: PageContent, *, now: datetime, by: UserId | None
    ) -> PageVersion:
        self.current_version += 1
        self.title = content.title
        self._touch(now)
        return PageVersion(self.id, self.current_version, content, now, by)

    def _check_version(self, expected: int | None) -> None:
        if expected is not None and expected != self.version:
            raise StaleVersion(f"the page is at version {self.version}, not {expected}")

    def _touch(self, now: datetime) -> None:
        self.updated_at = now
        self.version += 1
