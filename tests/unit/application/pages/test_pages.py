"""The pages use cases on the memory adapters: who may do what, versions, publish, restore,
audit, tenancy, and the storefront's cached read kept exact by the change feed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from tests.unit.application.conftest import MakeMember

from ticketbase.adapters.local.cache import TaggedCache
from ticketbase.adapters.memory.change_feed import MemoryChangeFeed
from ticketbase.adapters.memory.system import FixedClock, SequentialIds
from ticketbase.adapters.memory.unit_of_work import (
    MemoryDatabase,
    MemoryTenantTransaction,
    MemoryUnitOfWork,
)
from ticketbase.application.context import Actor
from ticketbase.application.identity.create_organization import (
    CreateOrganization,
    CreateOrganizationCommand,
)
from ticketbase.application.pages.create_page import CreatePage, CreatePageCommand
from ticketbase.application.pages.get_page import GetPage
from ticketbase.application.pages.get_page_version import GetPageVersion
from ticketbase.application.pages.get_public_page import GetPublicPage
from ticketbase.application.pages.list_page_versions import ListPageVersions
from ticketbase.application.pages.list_pages import ListPages
from ticketbase.application.pages.publish_page import PublishPage, PublishPageCommand
from ticketbase.application.pages.restore_page_version import (
    RestorePageVersion,
    RestorePageVersionCommand,
)
from ticketbase.application.pages.update_page import UpdatePage, UpdatePageCommand
from ticketbase.application.pagination import PageRequest
from ticketbase.application.ports.cache import page_tag, read_record
from ticketbase.domain.identity.permissions import Role
from ticketbase.domain.pages.errors import PageNotFound, PageVersionNotFound
from ticketbase.domain.pages.page import PageContent, PageId
from ticketbase.domain.shared.errors import Conflict, PermissionDenied, StaleVersion
from ticketbase.domain.shared.ids import OrganizationId
from ticketbase.domain.shared.values import Slug

pytestmark = pytest.mark.anyio


def content(heading: str = "Welcome", title: str = "Home") -> PageContent:
    data: dict[str, Any] = {
        "content": [{"type": "Hero", "props": {"id": "hero-1", "title": heading}}],
        "root": {"props": {}},
    }
    return PageContent.parse(data=data, title=title)


class CountingUnitOfWork:
    """Counts the tenant transactions opened: a cached answer opens none."""

    def __init__(self, inner: MemoryUnitOfWork) -> None:
        self.inner, self.reads = inner, 0

    @asynccontextmanager
    async def for_tenant(
        self, organization_id: OrganizationId
    ) -> AsyncIterator[MemoryTenantTransaction]:
        self.reads += 1
        async with self.inner.for_tenant(organization_id) as tx:
            yield tx


@dataclass
class Kit:
    uow: MemoryUnitOfWork
    counting: CountingUnitOfWork
    owner: Actor
    analyst: Actor
    stranger: Actor
    create: CreatePage
    update: UpdatePage
    publish: PublishPage
    restore: RestorePageVersion
    get: GetPage
    list: ListPages
    versions: ListPageVersions
    version: GetPageVersion
    public: GetPublicPage

    async def audit(self) -> list[str]:
        state = self.uow.database.state
        return [entry.action for _, entry in state.audit if entry.target_type == "page"]


@pytest.fixture
async def kit(make_member: MakeMember, clock: FixedClock, ids: SequentialIds) -> Kit:
    feed = MemoryChangeFeed()
    uow = MemoryUnitOfWork(MemoryDatabase(feed))
    make = CreateOrganization(uow, clock, ids)
    acme = await make(CreateOrganizationCommand(name="Acme", slug="acme"))
    rival = await make(CreateOrganizationCommand(name="Rival", slug="rival"))
    counting = CountingUnitOfWork(uow)
    return Kit(
        uow=uow,
        counting=counting,
        owner=make_member(acme.id, Role.OWNER),
        analyst=make_member(acme.id, Role.ANALYST),
        stranger=make_member(rival.id, Role.OWNER),
        create=CreatePage(uow, clock, ids),
        update=UpdatePage(uow, clock, ids),
        publish=PublishPage(uow, clock, ids),
        restore=RestorePageVersion(uow, clock, ids),
        get=GetPage(uow),
        list=ListPages(uow),
        versions=ListPageVersions(uow),
        version=GetPageVersion(uow),
        public=GetPublicPage(counting, TaggedCache(feed.hub)),  # type: ignore[arg-type]
    )


async def a_page(kit: Kit, slug: str = "home") -> PageId:
    made = await kit.create(CreatePageCommand(Slug(slug), content()), kit.owner)
    return made.page.id


async def test_only_pages_write_may_change_pages_and_every_member_may_read(kit: Kit) -> None:
    with pytest.raises(PermissionDenied):
        await kit.create(CreatePageCommand(Slug("home"), content()), kit.analyst)
    page_id = await a_page(kit)
    for write in (
        kit.update(UpdatePageCommand(page_id, content()), kit.analyst),
        kit.publish(PublishPageCommand(page_id), kit.analyst),
        kit.restore(RestorePageVersionCommand(page_id, 1), kit.analyst),
    ):
        with pytest.raises(PermissionDenied):
            await write
    assert (await kit.get(str(page_id), kit.analyst)).page.id == page_id
    assert [p.id for p in (await kit.list(PageRequest(), kit.analyst)).items] == [page_id]
    assert [v.number for v in (await kit.versions(page_id, kit.analyst)).items] == [1]
    assert (await kit.version(page_id, 1, kit.analyst)).title == "Home"
    assert await kit.audit() == ["page.created"]


async def test_saves_publish_and_restore_keep_every_version(kit: Kit) -> None:
    page_id = await a_page(kit)
    with pytest.raises(Conflict):
        await a_page(kit)
    second = await kit.update(
        UpdatePageCommand(page_id, content("Two", "Second"), expected_version=1), kit.owner
    )
    assert (second.page.version, second.current.number, second.page.title) == (2, 2, "Second")
    with pytest.raises(StaleVersion):
        await kit.update(UpdatePageCommand(page_id, content(), expected_version=1), kit.owner)
    published = await kit.publish(PublishPageCommand(page_id, expected_version=2), kit.owner)
    assert (published.page.published_version, published.current.number) == (2, 2)
    assert (await kit.publish(PublishPageCommand(page_id), kit.owner)).page.version == 3
    restored = await kit.restore(RestorePageVersionCommand(page_id, 1), kit.owner)
    assert (restored.current.number, restored.current.content) == (3, content())
    assert restored.page.published_version == 2  # restoring does not publish
    listed = await kit.versions(page_id, kit.owner, limit=2)
    assert [v.number for v in listed.items] == [3, 2]
    rest = await kit.versions(page_id, kit.owner, limit=2, before=listed.next_before)
    assert ([v.number for v in rest.items], rest.next_before) == ([1], None)
    with pytest.raises(PageVersionNotFound):
        await kit.restore(RestorePageVersionCommand(page_id, 7), kit.owner)
    assert await kit.audit() == ["page.created", "page.updated", "page.published", "page.restored"]
    audit = [e for _, e in kit.uow.database.state.audit if e.target_type == "page"]
    assert audit[-1].changes == {"restoredFrom": 1, "version": 3}
    assert all(e.actor_id == kit.owner.user_id and e.target_id == str(page_id) for e in audit)


async def test_another_tenant_finds_nothing(kit: Kit) -> None:
    page_id = await a_page(kit)
    for call in (
        kit.get(str(page_id), kit.stranger),
        kit.get("home", kit.stranger),
        kit.update(UpdatePageCommand(page_id, content()), kit.stranger),
        kit.publish(PublishPageCommand(page_id), kit.stranger),
        kit.versions(page_id, kit.stranger),
        kit.version(page_id, 1, kit.stranger),
        kit.restore(RestorePageVersionCommand(page_id, 1), kit.stranger),
    ):
        with pytest.raises(PageNotFound):
            await call


async def test_the_storefront_reads_the_published_version_from_its_cache(kit: Kit) -> None:
    organization_id = kit.owner.organization_id
    assert organization_id is not None
    page_id = await a_page(kit)
    with pytest.raises(PageNotFound):
        await kit.public(organization_id, "home")  # a draft
    with pytest.raises(PageNotFound):
        await kit.public(organization_id, "home")
    assert kit.counting.reads == 1  # the absence is remembered
    await kit.publish(PublishPageCommand(page_id), kit.owner)  # ... until a page changes
    with read_record() as record:
        shown = await kit.public(organization_id, "home")
    assert (shown.version.number, shown.version.content) == (1, content())
    assert record.tags == {page_tag(page_id)}
    assert record.valid_until is None  # no deadline: only a change makes it stale
    await kit.update(UpdatePageCommand(page_id, content("Draft")), kit.owner)
    assert (await kit.public(organization_id, "home")).version.number == 1  # never a draft
    reads = kit.counting.reads
    assert (await kit.public(organization_id, "home")).version.number == 1
    assert kit.counting.reads == reads
    await kit.publish(PublishPageCommand(page_id), kit.owner)
    assert (await kit.public(organization_id, "home")).version.content == content("Draft")
    with pytest.raises(PageNotFound):
        await kit.public(organization_id, "Not A Slug")
