"""One contract for the worker's side of the outbox (claim, mark delivered, mark failed), run
against the memory adapter and against PostgreSQL (the SECURITY DEFINER functions of migration
0006, called as the app role).

Each test works at its own instant far in the past and a step earlier than the test before,
so messages that other tests left in the shared database are never due for it (theirs are
either later, or leased past it); assertions look at the test's own tenants only.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import asyncpg
import pytest
from sqlalchemy.engine import URL
from tests.integration.support import raw_dsn

from ticketbase.adapters.memory.outbox import PARKED
from ticketbase.adapters.memory.unit_of_work import MemoryDatabase, MemoryUnitOfWork
from ticketbase.adapters.postgres.engine import app_role_url, create_engine
from ticketbase.adapters.postgres.unit_of_work import PostgresUnitOfWork
from ticketbase.adapters.system import SystemClock, Uuid7Generator
from ticketbase.application.identity.create_organization import (
    CreateOrganization,
    CreateOrganizationCommand,
)
from ticketbase.application.ports.outbox import ClaimedMessage, OutboxMessage
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.shared.ids import OrganizationId

pytestmark = pytest.mark.anyio
IDS = Uuid7Generator()
LEASE = timedelta(seconds=30)
_epochs = itertools.count()


@dataclass(frozen=True)
class Status:
    attempts: int
    available_at: datetime | None  # None: parked
    delivered_at: datetime | None
    last_error: str | None


@dataclass
class Subject:
    uow: UnitOfWork
    memory: MemoryDatabase | None  # None: PostgreSQL
    database_url: URL
    acme: OrganizationId
    rival: OrganizationId
    start: datetime  # this test's "now"

    @property
    def tenants(self) -> set[OrganizationId]:
        return {self.acme, self.rival}

    async def add(
        self, tenant: OrganizationId, *, after: timedelta = timedelta(0), topic: str = "t.x"
    ) -> UUID:
        message = OutboxMessage(IDS.new(), topic, {"n": 1}, self.start + after)
        async with self.uow.for_tenant(tenant) as tx:
            await tx.outbox.add(message)
            await tx.commit()
        return message.id

    async def claim(
        self, at: timedelta = timedelta(0), *, limit: int = 500, lease: timedelta = LEASE
    ) -> list[ClaimedMessage]:
        """Claim in a committed transaction; only this test's tenants' messages."""
        async with self.uow.system() as system:
            claimed = await system.outbox_delivery.claim(self.start + at, lease, limit)
            await system.commit()
        return self.own(claimed)

    def own(self, claimed: list[ClaimedMessage]) -> list[ClaimedMessage]:
        return [c for c in claimed if c.organization_id in self.tenants]

    async def delivered(self, message: ClaimedMessage, at: timedelta = timedelta(0)) -> bool:
        async with self.uow.system() as system:
            marked = await system.outbox_delivery.mark_delivered(message, self.start + at)
            await system.commit()
        return marked

    async def failed(self, message: ClaimedMessage, error: str, retry_at: datetime | None) -> bool:
        async with self.uow.system() as system:
            marked = await system.outbox_delivery.mark_failed(message, error, retry_at)
            await system.commit()
        return marked

    async def status(self, tenant: OrganizationId, message_id: UUID) -> Status:
        if self.memory is not None:
            [message] = [
                m for o, m in self.memory.state.outbox if (o, m.id) == (tenant, message_id)
            ]
            found = self.memory.outbox_table.status.get((tenant, message_id))
            if found is None:
                return Status(0, message.created_at, None, None)
            parked = found.available_at == PARKED
            return Status(
                found.attempts,
                None if parked else found.available_at,
                found.delivered_at,
                found.last_error,
            )
        connection = await asyncpg.connect(raw_dsn(self.database_url))
        try:
            row = await connection.fetchrow(
                "SELECT attempts, delivered_at, last_error, "
                "CASE WHEN isfinite(available_at) THEN available_at END AS available_at "
                "FROM outbox WHERE organization_id = $1 AND id = $2",
                tenant,
                message_id,
            )
        finally:
            await connection.close()
        assert row is not None
        return Status(row["attempts"], row["available_at"], row["delivered_at"], row["last_error"])


async def _organization(uow: UnitOfWork, name: str) -> OrganizationId:
    create = CreateOrganization(uow, SystemClock(), IDS)
    made = await create(CreateOrganizationCommand(name=name, slug=f"o-{IDS.new().hex[-12:]}"))
    return made.id


@asynccontextmanager
async def _subject(kind: str, database_url: URL) -> AsyncIterator[Subject]:
    async with AsyncExitStack() as stack:
        memory: MemoryDatabase | None = None
        uow: UnitOfWork
        if kind == "memory":
            memory = MemoryDatabase()
            uow = MemoryUnitOfWork(memory)
        else:
            engine = create_engine(app_role_url(database_url), pool_size=2, max_overflow=4)
            stack.push_async_callback(engine.dispose)
            uow = PostgresUnitOfWork(engine)
        acme, rival = await _organization(uow, "Acme"), await _organization(uow, "Rival")
        start = datetime(2000, 1, 1, tzinfo=UTC) - timedelta(days=10 * next(_epochs))
        yield Subject(uow, memory, database_url, acme, rival, start)


@pytest.fixture(params=["memory", "postgres"])
async def subject(request: pytest.FixtureRequest, database_url: URL) -> AsyncIterator[Subject]:
    async with _subject(request.param, database_url) as made:
        yield made


def ids(claimed: list[ClaimedMessage]) -> set[UUID]:
    return {c.id for c in claimed}


async def test_due_messages_of_every_tenant_are_claimed_once(subject: Subject) -> None:
    first = await subject.add(subject.acme, topic="event.published")
    second = await subject.add(subject.acme, after=timedelta(seconds=1))
    theirs = await subject.add(subject.rival)

    claimed = await subject.claim(timedelta(seconds=1))

    assert ids(claimed) == {first, second, theirs}
    by_id = {c.id: c for c in claimed}
    assert by_id[first].organization_id == subject.acme
    assert by_id[theirs].organization_id == subject.rival
    assert by_id[first].topic == "event.published"
    assert by_id[first].payload == {"n": 1}
    assert by_id[first].created_at == subject.start
    assert {c.attempt for c in claimed} == {1}
    assert await subject.claim(timedelta(seconds=2)) == []
    leased = await subject.status(subject.acme, first)
    assert leased == Status(1, subject.start + timedelta(seconds=1) + LEASE, None, None)


async def test_messages_not_yet_due_are_not_claimed_and_the_oldest_due_go_first(
    subject: Subject,
) -> None:
    later = await subject.add(subject.acme, after=timedelta(minutes=10))
    newer = await subject.add(subject.rival, after=timedelta(seconds=2))
    older = await subject.add(subject.acme, after=timedelta(seconds=1))

    hour = timedelta(hours=1)
    assert ids(await subject.claim(timedelta(seconds=5), limit=1, lease=hour)) == {older}
    assert ids(await subject.claim(timedelta(seconds=5), lease=hour)) == {newer}
    assert await subject.claim(timedelta(minutes=10) - timedelta(microseconds=1)) == []
    assert ids(await subject.claim(timedelta(minutes=10))) == {later}


async def test_concurrent_claimers_never_get_the_same_message(subject: Subject) -> None:
    added = {await subject.add(subject.acme, after=timedelta(seconds=i)) for i in range(6)}
    now = subject.start + timedelta(minutes=1)

    # One claim still holds its rows while another claims: the second skips them.
    async with subject.uow.system() as first:
        held = subject.own(await first.outbox_delivery.claim(now, LEASE, 2))
        async with subject.uow.system() as second:
            rest = subject.own(await second.outbox_delivery.claim(now, LEASE, 500))
            await second.commit()
        await first.commit()
    assert len(held) == 2
    assert ids(held).isdisjoint(ids(rest))
    assert ids(held) | ids(rest) == added

    # And claims racing for fresh messages split them.
    fresh = {await subject.add(subject.rival, after=timedelta(seconds=i)) for i in range(6)}
    batches = await asyncio.gather(
        *(subject.claim(timedelta(minutes=1), limit=2) for _ in range(4))
    )
    every = [c.id for batch in batches for c in batch]
    assert len(every) == len(set(every))
    assert set(every) == fresh


async def test_an_unmarked_message_is_claimed_again_when_its_lease_runs_out(
    subject: Subject,
) -> None:
    message = await subject.add(subject.acme)
    [first] = await subject.claim()

    assert await subject.claim(LEASE - timedelta(microseconds=1)) == []
    [again] = await subject.claim(LEASE)
    assert (again.id, again.attempt) == (message, 2)

    # The first worker's failure comes too late to count; its success still does.
    assert not await subject.failed(first, "late", subject.start + timedelta(hours=1))
    assert (await subject.status(subject.acme, message)).last_error is None
    assert await subject.delivered(first, LEASE)
    assert not await subject.delivered(again, LEASE)
    assert (await subject.status(subject.acme, message)).delivered_at == subject.start + LEASE


async def test_a_failure_records_the_error_and_the_next_try(subject: Subject) -> None:
    message = await subject.add(subject.rival)
    [claimed] = await subject.claim()
    retry_at = subject.start + timedelta(minutes=1)

    assert await subject.failed(claimed, "ConnectionError: refused", retry_at)

    assert await subject.status(subject.rival, message) == Status(
        1, retry_at, None, "ConnectionError: refused"
    )
    assert await subject.claim(timedelta(seconds=59)) == []
    [retried] = await subject.claim(timedelta(minutes=1))
    assert retried.attempt == 2

    assert await subject.failed(retried, "x" * 5000, None)  # parked
    parked = await subject.status(subject.rival, message)
    assert (parked.attempts, parked.available_at, parked.delivered_at) == (2, None, None)
    assert parked.last_error == "x" * 2000
    assert await subject.claim(timedelta(days=365 * 100)) == []


async def test_delivered_messages_are_never_claimed_again(subject: Subject) -> None:
    message = await subject.add(subject.acme)
    [claimed] = await subject.claim()

    assert await subject.delivered(claimed, timedelta(seconds=1))
    assert not await subject.delivered(claimed, timedelta(seconds=2))
    assert not await subject.failed(claimed, "after the fact", subject.start)

    assert await subject.claim(timedelta(days=365 * 100)) == []
    status = await subject.status(subject.acme, message)
    assert status.delivered_at == subject.start + timedelta(seconds=1)
    assert status.last_error is None


async def test_a_claim_that_is_not_committed_leaves_the_message_as_it_was(
    subject: Subject,
) -> None:
    message = await subject.add(subject.acme)
    async with subject.uow.system() as system:
        assert ids(subject.own(await system.outbox_delivery.claim(subject.start, LEASE, 500))) == {
            message
        }
    [claimed] = await subject.claim()
    assert claimed.attempt == 1


async def test_the_app_role_reads_no_outbox_without_a_tenant(database_url: URL) -> None:
    """The delivery functions are the only way across tenants: the table itself stays closed."""
    async with _subject("postgres", database_url) as subject:
        await subject.add(subject.acme)
        connection = await asyncpg.connect(raw_dsn(database_url, username="ticketbase_app"))
        try:
            assert await connection.fetchval("SELECT count(*) FROM outbox") == 0
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await connection.execute("DELETE FROM outbox")
        finally:
            await connection.close()
