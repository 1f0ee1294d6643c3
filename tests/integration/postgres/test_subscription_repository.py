"""One contract for the subscription row on the memory adapter and on PostgreSQL (the app role,
row level security): absent until locked, created free by the lock, kept only on commit, saved
one version at a time, announced to the caches, seen by its tenant only; and on PostgreSQL the
lock holds a second transaction until the first ends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.engine import URL
from tests.integration.postgres.test_event_repositories import NOW, Subject, _subject

from ticketbase.application.ports.cache import subscription_tag
from ticketbase.domain.shared.errors import StaleVersion
from ticketbase.domain.subscriptions.plan import PlanCatalog, PlanName, Usage

pytestmark = pytest.mark.anyio

NOTHING_USED = Usage(seats=0, published_events=0, orders_this_month=0, storage_bytes=0)


@pytest.fixture(params=["memory", "postgres"])
async def subject(request: pytest.FixtureRequest, database_url: URL) -> AsyncIterator[Subject]:
    async with _subject(request.param, database_url) as made:
        yield made


async def test_the_row_is_created_by_the_lock_saved_by_version_and_kept_per_tenant(
    subject: Subject,
) -> None:
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.subscriptions.get() is None
        assert (await tx.subscriptions.lock(NOW)).plan is PlanName.FREE  # not committed
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.subscriptions.get() is None
        current = await tx.subscriptions.lock(NOW)
        changed = current.change_plan(
            PlanName.PRO,
            usage=NOTHING_USED,
            catalog=PlanCatalog.default(),
            billing_provider="manual",
            billing_reference="INV-1",
            now=NOW,
        )
        await tx.subscriptions.save(changed)
        await tx.commit()
    assert subscription_tag(subject.tenant) in subject.feed.published[-1]
    async with subject.uow.for_tenant(subject.tenant) as tx:
        stored = await tx.subscriptions.get()
        assert stored is not None
        assert (stored.plan, stored.version, stored.billing_reference) == (PlanName.PRO, 2, "INV-1")
        with pytest.raises(StaleVersion):
            await tx.subscriptions.save(changed)  # version 2 again
    async with subject.uow.for_tenant(subject.other) as tx:
        assert await tx.subscriptions.get() is None
        assert (await tx.subscriptions.lock(NOW)).plan is PlanName.FREE


async def test_the_lock_holds_a_second_transaction_until_the_first_ends(
    database_url: URL,
) -> None:
    async with _subject("postgres", database_url) as subject:
        async with subject.uow.for_tenant(subject.tenant) as tx:
            await tx.subscriptions.lock(NOW)
            await tx.commit()
        first_done = asyncio.Event()

        async def second() -> None:
            async with subject.uow.for_tenant(subject.tenant) as tx:
                await tx.subscriptions.lock(NOW)
                assert first_done.is_set()

        async with subject.uow.for_tenant(subject.tenant) as tx:
            await tx.subscriptions.lock(NOW)
            waiting = asyncio.create_task(second())
            await asyncio.sleep(0.3)
            assert not waiting.done()
            first_done.set()
            await tx.commit()
        await asyncio.wait_for(waiting, 5)
