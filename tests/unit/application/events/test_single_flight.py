"""SingleFlight: concurrent misses share one read, but never across a change."""

from __future__ import annotations

from datetime import UTC, datetime

import anyio
import pytest

from ticketbase.application.events.storefront_cache import SingleFlight, Snapshot
from ticketbase.application.ports.cache import CacheTicket, read_record

pytestmark = pytest.mark.anyio


class Loader:
    def __init__(self) -> None:
        self.calls = 0
        self.release = anyio.Event()

    async def __call__(self) -> int:
        self.calls += 1
        number = self.calls
        await self.release.wait()
        return number


async def gather(flights: SingleFlight[int], tickets: list[int], load: Loader) -> list[int]:
    results: list[int] = []

    async def one(ticket: int) -> None:
        results.append(await flights.run("k", CacheTicket(ticket), load))

    async with anyio.create_task_group() as group:
        for ticket in tickets:
            group.start_soon(one, ticket)
        await anyio.wait_all_tasks_blocked()
        load.release.set()
    return results


async def test_concurrent_misses_under_one_ticket_share_one_read() -> None:
    load = Loader()
    assert await gather(SingleFlight(), [7] * 50, load) == [1] * 50
    assert load.calls == 1


async def test_a_miss_after_a_change_does_not_join_a_read_begun_before_it() -> None:
    load = Loader()
    results = await gather(SingleFlight(), [7, 7, 8], load)
    assert load.calls == 2
    assert sorted(results) == [1, 1, 2]


async def test_without_a_ticket_nothing_is_shared() -> None:
    load = Loader()
    await gather(SingleFlight(), [-1, -1, -1], load)
    assert load.calls == 3


async def test_a_failed_read_fails_every_caller_that_shared_it() -> None:
    flights: SingleFlight[int] = SingleFlight()
    release = anyio.Event()
    failures = []

    async def failing() -> int:
        await release.wait()
        raise RuntimeError("database down")

    async def one() -> None:
        try:
            await flights.run("k", CacheTicket(1), failing)
        except RuntimeError as error:
            failures.append(str(error))

    async with anyio.create_task_group() as group:
        for _ in range(3):
            group.start_soon(one)
        await anyio.wait_all_tasks_blocked()
        release.set()
    assert failures == ["database down"] * 3


def test_serving_a_snapshot_notes_its_tags_and_deadline_in_the_request() -> None:
    read_at = datetime(2026, 5, 1, 12, tzinfo=UTC)
    snapshot = Snapshot(read_at, "value", ("event:1", "events:2"))
    with read_record() as record:
        assert snapshot.serve() == "value"
    assert record.tags == {"event:1", "events:2"}
    assert record.valid_until == snapshot.stale_at
