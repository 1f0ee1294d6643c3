"""In-process sliding-window rate limiter: the development default, exact for one worker only.

Each key keeps the sorted times (µs since the epoch, from the ``Clock`` port) of its allowed hits
still inside the window. Memory stays bounded: a key holds at most ``limit`` times, expired times
are trimmed whenever the key is touched, and every ``sweep_every`` calls a sweep drops the keys
whose newest hit has aged out (keys nobody touches again).

Asyncio-safe without a lock: no method awaits anything, so each call runs to completion on the
event loop before another starts. Not for use from several threads or processes — with more than
one worker, use ``adapters/redis``.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ticketbase.application.ports.limits import Rate, RateDecision, check_cost
from ticketbase.application.ports.system import Clock

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_SECOND = 1_000_000  # in microseconds


@dataclass(slots=True)
class _Log:
    window: int  # microseconds, from the rate last used with the key
    times: list[int] = field(
        default_factory=list
    )  # sorted; insort keeps it so if the clock steps back


class InProcessRateLimiter:
    def __init__(self, clock: Clock, *, sweep_every: int = 1024) -> None:
        self._clock = clock
        self._logs: dict[str, _Log] = {}
        self._sweep_every = sweep_every
        self._calls = 0

    async def hit(self, key: str, rate: Rate, cost: int = 1) -> RateDecision:
        check_cost(rate, cost)
        now = self._now()
        log = self._trimmed(key, rate, now)
        allowed = len(log.times) + cost <= rate.limit
        if allowed:
            for _ in range(cost):
                insort(log.times, now)
            self._logs[key] = log
        return _decision(allowed, rate, log, now, needed=cost)

    async def peek(self, key: str, rate: Rate) -> RateDecision:
        now = self._now()
        log = self._trimmed(key, rate, now)
        return _decision(len(log.times) < rate.limit, rate, log, now, needed=1)

    async def reset(self, key: str) -> None:
        self._now()  # counts as a call, so the sweep also runs for reset-heavy callers
        self._logs.pop(key, None)

    def __len__(self) -> int:
        """Keys currently held (for tests of the memory bound)."""
        return len(self._logs)

    def _now(self) -> int:
        now = (self._clock.now() - _EPOCH) // _MICROSECOND
        self._calls += 1
        if self._calls >= self._sweep_every:
            self._calls = 0
            expired = [k for k, log in self._logs.items() if log.times[-1] + log.window <= now]
            for k in expired:
                del self._logs[k]
        return now

    def _trimmed(self, key: str, rate: Rate, now: int) -> _Log:
        """The key's log without the hits that have aged out (a new, unstored log if none)."""
        window = rate.window_seconds * _SECOND
        log = self._logs.get(key)
        if log is None:
            return _Log(window)
        log.window = window
        # A hit at t counts while now < t + window: drop every t <= now - window.
        del log.times[: bisect_right(log.times, now - window)]
        if not log.times:
            del self._logs[key]
        return log


def _decision(allowed: bool, rate: Rate, log: _Log, now: int, *, needed: int) -> RateDecision:
    times, count = log.times, len(log.times)
    if allowed:
        # Until the oldest counted hit ages out and one more unit of capacity frees.
        waiting = times[0] + log.window - now if times else 0
    else:
        # Until enough of the oldest hits have aged out for ``needed`` to fit.
        waiting = times[count + needed - rate.limit - 1] + log.window - now
    waiting = min(waiting, log.window)  # a clock stepping back must not promise a longer wait
    reset_after = -(-waiting // _SECOND)
    return RateDecision(
        allowed=allowed,
        limit=rate.limit,
        remaining=max(rate.limit - count, 0),
        reset_after=reset_after if allowed else max(reset_after, 1),
    )
