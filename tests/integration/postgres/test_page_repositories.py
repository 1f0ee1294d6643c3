"""One contract for the pages repository, run against the memory adapter and against
PostgreSQL (real migrations, the app role, row level security), so the fake the use case tests
rely on cannot drift from the database."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import URL
from tests.integration.support import raw_dsn

from ticketbase.adapters.memory.change_feed import MemoryChangeFeed
from ticketbase.adapters.memory.unit_of_work import MemoryDatabase, MemoryUnitOfWork
from ticketbase.adapters.postgres.engine import app_role_url, create_engine
from ticketbase.adapters.postgres.unit_of_work import PostgresUnitOfWork
from ticketbase.adapters.system import SystemClock, Uuid7Generator
from ticketbase.application.identity.create_organization import (
    CreateOrganization,
    CreateOrganizationCommand,
)
from ticketbase.application.pagination import PageRequest
from ticketbase.application.ports.cache import page_tag, pages_tag
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.pages.page import Page, PageContent, PageId, PageStatus, PageVersion, Seo
from ticketbase.domain.shared.errors import Conflict, StaleVersion
from ticketbase.domain.shared.ids import OrganizationId, UserId
from ticketbase.domain.shared.values import Slug

pytestmark = pytest.mark.anyio
IDS = Uuid7Generator()
NOW = datetime(2026, 2, 1, 9, 30, 15, 123456, tzinfo=UTC)
EDITOR = UserId(IDS.new())


@dataclass
class Subject:
    uow: UnitOfWork
    feed: MemoryChangeFeed
    tenant: OrganizationId
    other: OrganizationId
    database_url: URL
    on_postgres: bool


async def _organization(uow: UnitOfWork) -> OrganizationId:
    create = CreateOrganization(uow, SystemClock(), IDS)
    made = await create(CreateOrganizationCommand(name="Acme", slug=f"p-{IDS.new().hex[-12:]}"))
    return made.id


@asynccontextmanager
async def _subject(kind: str, database_url: URL) -> AsyncIterator[Subject]:
    feed = MemoryChangeFeed()
    async with AsyncExitStack() as stack:
        uow: UnitOfWork
        if kind == "memory":
            uow = MemoryUnitOfWork(MemoryDatabase(feed))
        else:
            engine = create_engine(app_role_url(database_url), pool_size=2, max_overflow=2)
            stack.push_async_callback(engine.dispose)
            uow = PostgresUnitOfWork(engine, feed)
        tenant, other = await _organization(uow), await _organization(uow)
        feed.published.clear()
        yield Subject(uow, feed, tenant, other, database_url, kind == "postgres")


@pytest.fixture(params=["memory", "postgres"])
async def subject(request: pytest.FixtureRequest, database_url: URL) -> AsyncIterator[Subject]:
    async with _subject(request.param, database_url) as made:
        yield made


def document(heading: str = "Welcome") -> dict[str, Any]:
    return {
        "content": [{"type": "Hero", "props": {"id": "hero-1", "title": heading, "n": 1.5}}],
        "root": {"props": {"title": "Home", "nested": {"list": [1, None, True, "é"]}}},
        "zones": {"hero-1:cta": [{"type": "Button", "props": {"id": "b-1"}}]},
    }


def a_page(
    organization_id: OrganizationId, slug: str = "home", seo: Seo | None = None
) -> tuple[Page, PageVersion]:
    return Page.create(
        id=PageId(IDS.new()),
        organization_id=organization_id,
        slug=Slug(slug),
        content=PageContent.parse(data=document(), title="Home", seo=seo),
        now=NOW,
        by=EDITOR,
    )


async def given(subject: Subject, page: Page, first: PageVersion) -> None:
    async with subject.uow.for_tenant(page.organization_id) as tx:
        await tx.pages.add(page, first)
        await tx.commit()


async def test_a_page_and_its_versions_read_back_whole(subject: Subject) -> None:
    page, first = a_page(
        subject.tenant, seo=Seo(title="Home | Acme", image="https://i.example/x.png")
    )
    await given(subject, page, first)
    second = page.save(
        PageContent.parse(data=document("Two"), title="Two"), now=NOW + timedelta(1), by=None
    )
    async with subject.uow.for_tenant(subject.tenant) as tx:
        await tx.pages.save(page, second)
        await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.pages.get(page.id) == page
        assert await tx.pages.by_slug(Slug("home")) == page
        assert await tx.pages.version(page.id, 1) == first
        assert await tx.pages.version(page.id, 2) == second
        assert await tx.pages.version(page.id, 3) is None
        summaries = await tx.pages.versions(page.id, 10)
        assert [(v.number, v.title, v.created_by) for v in summaries] == [
            (2, "Two", None),
            (1, "Home", EDITOR),
        ]
        assert [v.number for v in await tx.pages.versions(page.id, 1, before=2)] == [1]
        assert await tx.pages.versions(page.id, 5, before=1) == []


async def test_published_reads_the_published_version_only(subject: Subject) -> None:
    page, first = a_page(subject.tenant)
    await given(subject, page, first)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.pages.published(Slug("home")) is None  # a draft
    page.publish(now=NOW)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        await tx.pages.save(page)
        await tx.commit()
    newer = page.save(PageContent.parse(data=document("Draft"), title="Draft"), now=NOW, by=EDITOR)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        await tx.pages.save(page, newer)
        await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        shown = await tx.pages.published(Slug("home"))
        assert shown is not None
        assert shown.page == page
        assert (shown.page.status, shown.page.published_version) == (PageStatus.PUBLISHED, 1)
        assert shown.version == first
        assert await tx.pages.published(Slug("nothing")) is None


async def test_a_slug_is_taken_once_per_organization(subject: Subject) -> None:
    await given(subject, *a_page(subject.tenant))
    with pytest.raises(Conflict) as caught:
        await given(subject, *a_page(subject.tenant))
    assert caught.value.field == "slug"
    await given(subject, *a_page(subject.other))  # another tenant's "home" is its own
    other, first = a_page(subject.tenant, "about")
    await given(subject, other, first)
    moved = other.save(first.content, now=NOW, by=None, slug=Slug("home"))
    with pytest.raises(Conflict):
        async with subject.uow.for_tenant(subject.tenant) as tx:
            await tx.pages.save(other, moved)


async def test_a_stale_save_is_refused_and_nothing_is_kept(subject: Subject) -> None:
    page, first = a_page(subject.tenant)
    await given(subject, page, first)
    mine, theirs = dataclasses.replace(page), dataclasses.replace(page)
    their_version = theirs.save(first.content, now=NOW, by=None)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        await tx.pages.save(theirs, their_version)
        await tx.commit()
    my_version = mine.save(PageContent.parse(data=document("Mine"), title="Mine"), now=NOW, by=None)
    with pytest.raises(StaleVersion):
        async with subject.uow.for_tenant(subject.tenant) as tx:
            await tx.pages.save(mine, my_version)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.pages.get(page.id) == theirs
        assert (await tx.pages.version(page.id, 2)) == their_version
    # Nothing without a commit.
    later = theirs.save(first.content, now=NOW, by=None)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        await tx.pages.save(theirs, later)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert (await tx.pages.get(page.id)).current_version == 2  # type: ignore[union-attr]
        assert await tx.pages.version(page.id, 3) is None


async def test_matching_pages_newest_first_by_keyset(subject: Subject) -> None:
    made = []
    for n in range(5):
        page, first = a_page(subject.tenant, f"page-{n}")
        await given(subject, page, first)
        made.append(page.id)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        one = await tx.pages.matching(PageRequest(limit=3))
        two = await tx.pages.matching(PageRequest(limit=3, after=one.next_after))
    assert [p.id for p in one.items + two.items] == made[::-1]
    assert two.next_after is None


async def test_another_tenant_sees_and_touches_nothing(subject: Subject) -> None:
    page, first = a_page(subject.tenant)
    page.publish(now=NOW)
    await given(subject, page, first)
    async with subject.uow.for_tenant(subject.other) as tx:
        assert await tx.pages.get(page.id) is None
        assert await tx.pages.by_slug(Slug("home")) is None
        assert await tx.pages.version(page.id, 1) is None
        assert await tx.pages.versions(page.id, 10) == []
        assert await tx.pages.published(Slug("home")) is None
        assert (await tx.pages.matching(PageRequest())).items == []
        with pytest.raises(StaleVersion):
            await tx.pages.save(dataclasses.replace(page, version=page.version + 1))


async def test_writes_announce_the_page_and_pages_tags_at_commit(subject: Subject) -> None:
    page, first = a_page(subject.tenant)
    await given(subject, page, first)
    expected = frozenset({page_tag(page.id), pages_tag(subject.tenant)})
    assert subject.feed.published == [expected]
    subject.feed.published.clear()
    page.publish(now=NOW)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        await tx.pages.save(page)
        await tx.commit()
    assert subject.feed.published == [expected]


async def test_versions_are_immutable_for_the_app_role(database_url: URL) -> None:
    async with _subject("postgres", database_url) as subject:
        page, first = a_page(subject.tenant)
        await given(subject, page, first)
    connection = await asyncpg.connect(raw_dsn(database_url, username="ticketbase_app"))
    try:
        async with connection.transaction():
            await connection.execute(
                "SELECT set_config('app.organization_id', $1, true)", str(subject.tenant)
            )
            for statement in (
                "UPDATE page_versions SET title = 'x'",
                "DELETE FROM page_versions",
            ):
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    async with connection.transaction():
                        await connection.execute(statement)
            assert await connection.fetchval("SELECT count(*) FROM page_versions") == 1
    finally:
        await connection.close()
