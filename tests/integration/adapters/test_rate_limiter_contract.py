"""One contract for every ``RateLimiter``: the in-process one and the Redis one behave alike.

The in-process limiter runs on a ``FixedClock``; the Redis one on the server's own clock, so the
tests that need time to pass exactly (window edges, partial refills) run on the clock only, and
the Redis run waits out one real 1-second window once, polling with a deadline.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ticketbase.adapters.local.rate_limiter import InProcessRateLimiter
from ticketbase.adapters.memory.system import FixedClock
from ticketbase.adapters.redis import create_redis
from ticketbase.adapters.redis.rate_limiter import RedisRateLimiter
from ticketbase.application.ports.limits import Rate, RateDecision, RateLimiter

pytestmark = pytest.mark.anyio


@dataclass
class Subject:
    limiter: RateLimiter
    clock: FixedClock | None  # None: time is the Redis server's and really passes

    async def hit_once_window_passed(self, key: str, rate: Rate) -> RateDecision:
        """The first hit that is allowed again after the window; fails if that takes too long."""
        if self.clock is not None:
            self.clock.advance(seconds=rate.window_seconds)
            return await self.limiter.hit(key, rate)
        deadline = time.monotonic() + rate.window_seconds + 0.5
        while time.monotonic() < deadline:
            # Hitting (not peeking) while refused also shows refused hits are not counted.
            decision = await self.limiter.hit(key, rate)
            if decision.allowed:
                return decision
            await asyncio.sleep(0.02)
        raise AssertionError(f"{key!r} still refused {rate.window_seconds + 0.5} s later")


@pytest.fixture(params=["in_process", "redis"])
async def subject(request: pytest.FixtureRequest) -> AsyncIterator[Subject]:
    if request.param == "in_process":
        clock = FixedClock()
        yield Subject(InProcessRateLimiter(clock), clock)
        return
    client = create_redis(request.getfixturevalue("redis_url"))
    prefix = f"tb:test:rl:{uuid.uuid4().hex}:"
    try:
        yield Subject(RedisRateLimiter(client, prefix=prefix), None)
    finally:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


async def test_allows_exactly_the_limit_then_refuses(subject: Subject) -> None:
    rate = Rate(3, 60)
    decisions = [await subject.limiter.hit("login:ann", rate) for _ in range(4)]

    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert all(d.limit == 3 for d in decisions)
    refused = decisions[-1]
    assert 59 <= refused.retry_after == refused.reset_after <= 60
    assert not (await subject.limiter.peek("login:ann", rate)).allowed


async def test_an_allowed_hit_reports_when_its_oldest_hit_ages_out(subject: Subject) -> None:
    rate = Rate(5, 60)
    fresh = await subject.limiter.peek("k", rate)
    first = await subject.limiter.hit("k", rate)

    assert (fresh.allowed, fresh.remaining, fresh.reset_after, fresh.retry_after) == (True, 5, 0, 0)
    assert (first.allowed, first.remaining, first.retry_after) == (True, 4, 0)
    assert 59 <= first.reset_after <= 60


async def test_peek_counts_nothing(subject: Subject) -> None:
    rate = Rate(2, 60)
    for _ in range(5):
        assert (await subject.limiter.peek("k", rate)).remaining == 2

    assert [(await subject.limiter.hit("k", rate)).allowed for _ in range(3)] == [True, True, False]
    assert (await subject.limiter.peek("k", rate)).remaining == 0


async def test_a_hit_can_cost_several_units_and_a_refused_one_costs_nothing(
    subject: Subject,
) -> None:
    rate = Rate(5, 60)
    assert (await subject.limiter.hit("k", rate, cost=3)).remaining == 2

    refused = await subject.limiter.hit("k", rate, cost=3)
    assert (refused.allowed, refused.remaining) == (False, 2)
    assert refused.retry_after >= 1

    assert (await subject.limiter.hit("k", rate, cost=2)).remaining == 0


@pytest.mark.parametrize("cost", [0, -1, 6])
async def test_a_cost_outside_one_to_the_limit_is_a_programming_error(
    subject: Subject, cost: int
) -> None:
    with pytest.raises(ValueError, match="cost"):
        await subject.limiter.hit("k", Rate(5, 60), cost=cost)


async def test_keys_are_independent(subject: Subject) -> None:
    rate = Rate(1, 60)
    assert (await subject.limiter.hit("login:ann", rate)).allowed
    assert not (await subject.limiter.hit("login:ann", rate)).allowed

    assert (await subject.limiter.hit("login:bob", rate)).allowed
    assert (await subject.limiter.peek("login:{ann}", rate)).allowed


async def test_reset_forgets_every_hit_of_that_key_only(subject: Subject) -> None:
    rate = Rate(2, 60)
    for key in ("a", "b"):
        await subject.limiter.hit(key, rate, cost=2)

    await subject.limiter.reset("a")
    await subject.limiter.reset("never-used")

    assert (await subject.limiter.hit("a", rate)).remaining == 1
    assert not (await subject.limiter.hit("b", rate)).allowed


async def test_hits_are_allowed_again_once_the_window_has_passed(subject: Subject) -> None:
    rate = Rate(2, 1)
    await subject.limiter.hit("k", rate, cost=2)
    assert not (await subject.limiter.hit("k", rate)).allowed

    again = await subject.hit_once_window_passed("k", rate)

    assert (again.allowed, again.remaining) == (True, 1)


async def test_concurrent_hits_allow_exactly_the_limit(subject: Subject) -> None:
    rate = Rate(10, 60)
    decisions = await asyncio.gather(*(subject.limiter.hit("k", rate) for _ in range(50)))

    allowed = [d for d in decisions if d.allowed]
    assert len(allowed) == 10
    assert sorted(d.remaining for d in allowed) == list(range(10))
    assert all(d.remaining == 0 and d.retry_after >= 1 for d in decisions if not d.allowed)


# In-process only: the window's edges, with time moved by the clock.


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def limiter(clock: FixedClock) -> InProcessRateLimiter:
    return InProcessRateLimiter(clock, sweep_every=10)


async def test_a_hit_counts_for_exactly_one_window(
    clock: FixedClock, limiter: InProcessRateLimiter
) -> None:
    rate = Rate(1, 10)
    await limiter.hit("k", rate)

    clock.advance(seconds=9.999999)
    refused = await limiter.hit("k", rate)
    clock.advance(microseconds=1)
    allowed = await limiter.hit("k", rate)

    assert (refused.allowed, refused.retry_after) == (False, 1)
    assert allowed.allowed


async def test_no_burst_of_twice_the_limit_across_a_window_edge(
    clock: FixedClock, limiter: InProcessRateLimiter
) -> None:
    rate = Rate(5, 10)
    await limiter.hit("k", rate, cost=3)  # t = 0
    clock.advance(seconds=5)
    await limiter.hit("k", rate, cost=2)  # t = 5

    clock.advance(seconds=4.9)  # t = 9.9: all five still count
    assert (await limiter.hit("k", rate)).retry_after == 1

    clock.advance(seconds=0.2)  # t = 10.1: only the three hits of t = 0 have aged out
    assert [(await limiter.hit("k", rate)).allowed for _ in range(4)] == [True] * 3 + [False]
    assert (await limiter.peek("k", rate)).retry_after == 5  # the hits of t = 5 age out at 15

    clock.advance(seconds=5)  # t = 15.1
    assert [(await limiter.hit("k", rate)).allowed for _ in range(3)] == [True, True, False]


async def test_hammering_while_refused_does_not_extend_the_wait(
    clock: FixedClock, limiter: InProcessRateLimiter
) -> None:
    rate = Rate(2, 10)
    await limiter.hit("k", rate, cost=2)  # t = 0
    for elapsed in range(1, 10):
        clock.advance(seconds=1)
        assert (await limiter.hit("k", rate)).retry_after == 10 - elapsed

    clock.advance(seconds=1)  # t = 10: counted from the first hits, not the refused ones
    assert (await limiter.hit("k", rate, cost=2)).allowed


async def test_a_refused_costly_hit_waits_until_enough_capacity_frees(
    clock: FixedClock, limiter: InProcessRateLimiter
) -> None:
    rate = Rate(5, 10)
    await limiter.hit("k", rate, cost=2)  # t = 0
    clock.advance(seconds=5)
    await limiter.hit("k", rate, cost=3)  # t = 5

    clock.advance(seconds=1)  # t = 6: room for 3 only once the hits of t = 5 age out too
    assert (await limiter.hit("k", rate, cost=3)).retry_after == 9
    assert (await limiter.hit("k", rate, cost=2)).retry_after == 4


async def test_keys_nobody_touches_again_are_swept(
    clock: FixedClock, limiter: InProcessRateLimiter
) -> None:
    rate = Rate(3, 10)
    for n in range(5):
        await limiter.hit(f"idle-{n}", rate, cost=3)
    assert len(limiter) == 5

    clock.advance(seconds=10)
    for _ in range(5):  # reaches the sweep interval of 10 calls
        await limiter.peek("other", rate)

    assert len(limiter) == 0


async def test_a_key_is_dropped_as_soon_as_its_hits_have_aged_out(
    clock: FixedClock, limiter: InProcessRateLimiter
) -> None:
    await limiter.hit("k", Rate(1, 10))
    clock.advance(seconds=10)

    assert (await limiter.peek("k", Rate(1, 10))).allowed
    assert len(limiter) == 0


_STEPS = st.lists(
    st.tuples(st.integers(0, 4_000), st.integers(1, 3)),  # (ms to wait, cost)
    min_size=1,
    max_size=60,
)


@given(limit=st.integers(3, 6), steps=_STEPS)
async def test_any_window_holds_at_most_the_limit_and_refusals_are_justified(
    limit: int, steps: list[tuple[int, int]]
) -> None:
    window_ms = 3_000
    clock = FixedClock()
    limiter = InProcessRateLimiter(clock, sweep_every=7)
    rate = Rate(limit, window_ms // 1000)
    allowed: list[tuple[int, int]] = []  # (ms, cost)
    now = 0
    for wait, cost in steps:
        clock.advance(milliseconds=wait)
        now += wait
        in_window = sum(c for t, c in allowed if t > now - window_ms)
        decision = await limiter.hit("k", rate, cost=cost)
        # Exactly the sliding-window rule: allowed iff the hits of the last window leave room.
        assert decision.allowed == (in_window + cost <= limit)
        if decision.allowed:
            allowed.append((now, cost))
    for start, _ in allowed:
        assert sum(c for t, c in allowed if start <= t < start + window_ms) <= limit
