"""One contract for assets and the storage counter, on the memory adapter and on PostgreSQL (the
app role, row level security): rows seen by their tenant only, saved and removed, newest first
in pages; reservations within the quota only, released, and kept only on commit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.engine import URL
from tests.integration.postgres.test_event_repositories import IDS, NOW, Subject, _subject

from ticketbase.application.pagination import PageRequest
from ticketbase.domain.assets.asset import Asset, AssetStatus
from ticketbase.domain.shared.ids import AssetId, OrganizationId

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["memory", "postgres"])
async def subject(request: pytest.FixtureRequest, database_url: URL) -> AsyncIterator[Subject]:
    async with _subject(request.param, database_url) as made:
        yield made


def pending(organization_id: OrganizationId, name: str = "a.png", size: int = 100) -> Asset:
    return Asset.reserve(AssetId(IDS.new()), organization_id, name, "image/png", size, None, NOW)


async def test_assets_are_kept_per_tenant_saved_listed_and_removed(subject: Subject) -> None:
    first, second, third = (pending(subject.tenant, f"{n}.png") for n in "abc")
    async with subject.uow.for_tenant(subject.tenant) as tx:
        for asset in (first, second, third):
            await tx.assets.add(asset)
        await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.assets.get(first.id) == first
        ready = first.ready("image/png", 90, NOW)
        await tx.assets.save(ready)
        await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        locked = await tx.assets.lock(first.id)
        assert locked == ready
        assert locked is not None
        assert (locked.status, locked.size) == (AssetStatus.READY, 90)
        page = await tx.assets.newest_first(PageRequest(limit=2))
        assert [a.id for a in page.items] == [third.id, second.id]
        rest = await tx.assets.newest_first(PageRequest(limit=2, after=page.next_after))
        assert [a.id for a in rest.items] == [first.id]
        assert rest.next_after is None
        await tx.assets.remove(second.id)
        await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.assets.get(second.id) is None
    async with subject.uow.for_tenant(subject.other) as tx:
        assert await tx.assets.get(first.id) is None
        assert await tx.assets.lock(first.id) is None
        assert (await tx.assets.newest_first(PageRequest())).items == []


async def test_reservations_stay_within_the_quota_and_come_back(subject: Subject) -> None:
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.storage_usage.used() == 0
        assert await tx.storage_usage.reserve(600, 1000)
        assert not await tx.storage_usage.reserve(401, 1000)
        assert await tx.storage_usage.reserve(400, 1000)
        await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.storage_usage.used() == 1000
        await tx.storage_usage.release(600)
        assert await tx.storage_usage.reserve(0, 1000)
        await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.storage_usage.used() == 400
        assert await tx.storage_usage.reserve(100, 1000)  # not committed: forgotten
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.storage_usage.used() == 400
    async with subject.uow.for_tenant(subject.other) as tx:
        assert await tx.storage_usage.used() == 0
        assert await tx.storage_usage.reserve(1000, 1000)


async def test_concurrent_reservations_for_the_last_bytes_on_postgres(
    database_url: URL,
) -> None:
    async with _subject("postgres", database_url) as subject:

        async def reserve() -> bool:
            async with subject.uow.for_tenant(subject.tenant) as tx:
                done = await tx.storage_usage.reserve(300, 1000)
                await asyncio.sleep(0.05)  # hold the row while the others try
                await tx.commit()
                return done

        results = await asyncio.gather(*(reserve() for _ in range(6)))
        assert sorted(results) == [False, False, False, True, True, True]
        async with subject.uow.for_tenant(subject.tenant) as tx:
            assert await tx.storage_usage.used() == 900
