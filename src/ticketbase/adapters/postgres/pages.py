"""Pages and their versions in PostgreSQL.

Tenant rows: row level security scopes every statement, and each one also names the tenant so a
distributed (Citus) table routes on it. A version is inserted with the page row that names it
(the foreign keys from ``pages`` to ``page_versions`` are checked at commit) and never updated:
the application role has no UPDATE grant on ``page_versions``. The Puck document and SEO are
JSONB; a taken slug fails ``uq_pages_slug``, which ``constraint_errors`` turns into a
``Conflict`` on ``slug``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ticketbase.adapters.postgres.tables import page_versions, pages
from ticketbase.application.pagination import Page as Listing
from ticketbase.application.pagination import PageRequest
from ticketbase.application.ports.cache import page_tag, pages_tag
from ticketbase.application.ports.pages import PublishedPage
from ticketbase.domain.pages.page import (
    Page,
    PageContent,
    PageId,
    PageStatus,
    PageVersion,
    PageVersionSummary,
    Seo,
)
from ticketbase.domain.pages.puck import PuckData
from ticketbase.domain.shared.errors import StaleVersion
from ticketbase.domain.shared.ids import OrganizationId, UserId
from ticketbase.domain.shared.values import Slug

_PAGE_BY_ID = select(pages).where(
    pages.c.organization_id == bindparam("organization_id"), pages.c.id == bindparam("id")
)
_PAGE_BY_SLUG = select(pages).where(
    pages.c.organization_id == bindparam("organization_id"), pages.c.slug == bindparam("slug")
)
_VERSION = select(page_versions).where(
    page_versions.c.organization_id == bindparam("organization_id"),
    page_versions.c.page_id == bindparam("page_id"),
    page_versions.c.version == bindparam("version"),
)
_VERSION_COLUMNS = (
    page_versions.c.page_id,
    page_versions.c.version,
    page_versions.c.title,
    page_versions.c.created_at,
    page_versions.c.created_by,
)
_VERSIONS = (
    select(*_VERSION_COLUMNS)
    .where(
        page_versions.c.organization_id == bindparam("organization_id"),
        page_versions.c.page_id == bindparam("page_id"),
    )
    .order_by(page_versions.c.version.desc())
    .limit(bindparam("limit"))
)
_VERSIONS_BEFORE = _VERSIONS.where(page_versions.c.version < bindparam("before"))
# The storefront's read: the published page and the version it shows, in one statement.
_PUBLISHED = select(
    pages,
    page_versions.c.data.label("v_data"),
    page_versions.c.title.label("v_title"),
    page_versions.c.seo.label("v_seo"),
    page_versions.c.created_at.label("v_created_at"),
    page_versions.c.created_by.label("v_created_by"),
).where(
    pages.c.organization_id == bindparam("organization_id"),
    pages.c.slug == bindparam("slug"),
    pages.c.status == PageStatus.PUBLISHED.value,
    page_versions.c.organization_id == pages.c.organization_id,
    page_versions.c.page_id == pages.c.id,
    page_versions.c.version == pages.c.published_version,
)


class PostgresPageRepository:
    def __init__(
        self, connection: AsyncConnection, organization_id: OrganizationId, changes: set[str]
    ) -> None:
        self._c = connection
        self._organization_id = organization_id
        self._changes = changes

    async def get(self, page_id: PageId) -> Page | None:
        return await self._one(_PAGE_BY_ID, id=page_id)

    async def by_slug(self, slug: Slug) -> Page | None:
        return await self._one(_PAGE_BY_SLUG, slug=slug.value)

    async def add(self, page: Page, first: PageVersion) -> None:
        await self._c.execute(insert(pages).values(**_page_columns(page)))
        await self._insert_version(first)
        self._record(page)

    async def save(self, page: Page, new_version: PageVersion | None = None) -> None:
        columns = _page_columns(page)
        for fixed in ("organization_id", "id", "created_at"):
            del columns[fixed]
        result = await self._c.execute(
            update(pages)
            .where(pages.c.organization_id == self._organization_id)
            .where(pages.c.id == page.id)
            .where(pages.c.version == page.version - 1)
            .values(**columns)
        )
        if result.rowcount != 1:
            raise StaleVersion("the page was changed meanwhile; reload and retry")
        if new_version is not None:
            await self._insert_version(new_version)
        self._record(page)

    async def matching(self, page: PageRequest) -> Listing[Page]:
        statement = (
            select(pages)
            .where(pages.c.organization_id == self._organization_id)
            .order_by(pages.c.id.desc())
            .limit(page.fetch)
        )
        if page.after is not None:
            statement = statement.where(pages.c.id < page.after)
        rows = (await self._c.execute(statement)).mappings()
        return Listing.from_rows([page_from_row(r) for r in rows], page, key=lambda p: p.id)

    async def version(self, page_id: PageId, number: int) -> PageVersion | None:
        arguments = {"organization_id": self._organization_id, "page_id": page_id}
        row = (await self._c.execute(_VERSION, arguments | {"version": number})).mappings().first()
        if row is None:
            return None
        return _version(
            row["page_id"],
            row["version"],
            row["data"],
            row["title"],
            row["seo"],
            row["created_at"],
            row["created_by"],
        )

    async def versions(
        self, page_id: PageId, limit: int, before: int | None = None
    ) -> list[PageVersionSummary]:
        arguments: dict[str, Any] = {
            "organization_id": self._organization_id,
            "page_id": page_id,
            "limit": limit,
        }
        statement = _VERSIONS
        if before is not None:
            statement, arguments["before"] = _VERSIONS_BEFORE, before
        rows = (await self._c.execute(statement, arguments)).mappings()
        return [
            PageVersionSummary(
                page_id=PageId(r["page_id"]),
                number=r["version"],
                title=r["title"],
                created_at=r["created_at"],
                created_by=None if r["created_by"] is None else UserId(r["created_by"]),
            )
            for r in rows
        ]

    async def published(self, slug: Slug) -> PublishedPage | None:
        arguments = {"organization_id": self._organization_id, "slug": slug.value}
        row = (await self._c.execute(_PUBLISHED, arguments)).mappings().first()
        if row is None:
            return None
        page = page_from_row(row)
        version = _version(
            row["id"],
            row["published_version"],
            row["v_data"],
            row["v_title"],
            row["v_seo"],
            row["v_created_at"],
            row["v_created_by"],
        )
        return PublishedPage(page, version)

    async def _insert_version(self, version: PageVersion) -> None:
        content = version.content
        await self._c.execute(
            insert(page_versions).values(
                organization_id=self._organization_id,
                page_id=version.page_id,
                version=version.number,
                data=content.data,
                title=content.title,
                seo=None if content.seo is None else _seo_json(content.seo),
                created_at=version.created_at,
                created_by=version.created_by,
            )
        )

    def _record(self, page: Page) -> None:
        self._changes.update((page_tag(page.id), pages_tag(page.organization_id)))

    async def _one(self, statement: Any, **arguments: object) -> Page | None:
        arguments["organization_id"] = self._organization_id
        row = (await self._c.execute(statement, arguments)).mappings().first()
        return None if row is None else page_from_row(row)


# --- rows <-> entities ----------------------------------------------------------------------------


def _page_columns(page: Page) -> dict[str, Any]:
    return {
        "organization_id": page.organization_id,
        "id": page.id,
        "slug": page.slug.value,
        "title": page.title,
        "status": page.status.value,
        "current_version": page.current_version,
        "published_version": page.published_version,
        "version": page.version,
        "created_at": page.created_at,
        "updated_at": page.updated_at,
    }


def page_from_row(row: Mapping[Any, Any]) -> Page:
    return Page(
        id=PageId(row["id"]),
        organization_id=OrganizationId(row["organization_id"]),
        slug=Slug(row["slug"]),
        title=row["title"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        status=PageStatus(row["status"]),
        current_version=row["current_version"],
        published_version=row["published_version"],
        version=row["version"],
    )


def _seo_json(seo: Seo) -> dict[str, str]:
    parts = {"title": seo.title, "description": seo.description, "image": seo.image}
    return {k: v for k, v in parts.items() if v is not None}


def _version(
    page_id: Any,
    number: int,
    data: Any,
    title: str,
    seo: Mapping[str, str] | None,
    created_at: Any,
    created_by: Any,
) -> PageVersion:
    # Read back as stored: the document was checked on the way in, so it is not parsed again.
    content = PageContent(
        data=cast(PuckData, data),
        title=title,
        seo=None if seo is None else Seo(**seo),
    )
    return PageVersion(
        page_id=PageId(page_id),
        number=number,
        content=content,
        created_at=created_at,
        created_by=None if created_by is None else UserId(created_by),
    )
