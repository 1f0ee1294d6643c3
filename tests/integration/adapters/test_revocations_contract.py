"""One contract for every ``SessionRevocations``: the in-process one and the Redis one.

The in-process marks expire by a ``FixedClock``; the Redis ones by the server's clock, so the Redis
run waits out one real 1-second mark, polling with a deadline.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from uuid import UUID

import pytest

from ticketbase.adapters.local.revocations import InProcessSessionRevocations
from ticketbase.adapters.memory.system import FixedClock
from ticketbase.adapters.redis import create_redis
from ticketbase.adapters.redis.revocations import RedisSessionRevocations
from ticketbase.application.ports.limits import SessionRevocations

pytestmark = pytest.mark.anyio


@dataclass
class Subject:
    revocations: SessionRevocations
    clock: FixedClock | None  # None: time is the Redis server's and really passes

    async def wait_until_forgotten(self, session_id: UUID, ttl_seconds: int) -> None:
        """Return once the mark is gone; fails if it outlives its ttl by more than half a second."""
        if self.clock is not None:
            self.clock.advance(seconds=ttl_seconds)
            assert not await self.revocations.is_revoked(session_id)
            return
        deadline = time.monotonic() + ttl_seconds + 0.5
        while await self.revocations.is_revoked(session_id):
            if time.monotonic() > deadline:
                raise AssertionError(f"{session_id} still revoked {ttl_seconds + 0.5} s later")
            await asyncio.sleep(0.02)


@pytest.fixture(params=["in_process", "redis"])
async def subject(request: pytest.FixtureRequest) -> AsyncIterator[Subject]:
    if request.param == "in_process":
        clock = FixedClock()
        yield Subject(InProcessSessionRevocations(clock), clock)
        return
    client = create_redis(request.getfixturevalue("redis_url"))
    prefix = f"tb:test:revoked:{uuid.uuid4().hex}:"
    try:
        yield Subject(RedisSessionRevocations(client, prefix=prefix), None)
    finally:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


async def test_a_revoked_session_is_revoked_and_no_other(subject: Subject) -> None:
    revoked, other = uuid.uuid4(), uuid.uuid4()

    await subject.revocations.revoke(revoked, ttl_seconds=900)

    assert await subject.revocations.is_revoked(revoked)
    assert not await subject.revocations.is_revoked(other)


async def test_a_mark_expires_with_its_ttl_and_a_new_revoke_replaces_the_deadline(
    subject: Subject,
) -> None:
    short, extended = uuid.uuid4(), uuid.uuid4()
    await subject.revocations.revoke(short, ttl_seconds=1)
    await subject.revocations.revoke(extended, ttl_seconds=1)
    await subject.revocations.revoke(extended, ttl_seconds=900)

    await subject.wait_until_forgotten(short, ttl_seconds=1)

    assert await subject.revocations.is_revoked(extended)


@pytest.mark.parametrize("ttl", [0, -5])
async def test_a_mark_must_last_at_least_a_second(subject: Subject, ttl: int) -> None:
    with pytest.raises(ValueError, match="at least 1 second"):
        await subject.revocations.revoke(uuid.uuid4(), ttl_seconds=ttl)


# In-process only: the exact deadline and the memory bound, with time moved by the clock.


async def test_a_mark_lasts_exactly_its_ttl() -> None:
    clock = FixedClock()
    revocations = InProcessSessionRevocations(clock)
    session_id = uuid.uuid4()
    await revocations.revoke(session_id, ttl_seconds=60)

    clock.advance(seconds=59.999999)
    assert await revocations.is_revoked(session_id)
    clock.advance(microseconds=1)
    assert not await revocations.is_revoked(session_id)
    assert len(revocations) == 0


async def test_expired_marks_nobody_asks_about_are_swept() -> None:
    clock = FixedClock()
    revocations = InProcessSessionRevocations(clock, sweep_every=10)
    for _ in range(5):
        await revocations.revoke(uuid.uuid4(), ttl_seconds=60)
    kept = uuid.uuid4()
    await revocations.revoke(kept, ttl_seconds=120)

    clock.advance(seconds=60)
    for _ in range(4):  # reaches the sweep interval of 10 calls
        await revocations.is_revoked(uuid.uuid4())

    assert len(revocations) == 1
    assert await revocations.is_revoked(kept)
