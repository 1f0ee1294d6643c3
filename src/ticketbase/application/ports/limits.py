"""Rate limits: counters shared by every worker and host.

Algorithm: a **sliding window log**. Each allowed hit is recorded with its time; a hit at ``t``
counts against its key while ``now < t + window``. A new hit is allowed iff the hits still counted
plus its cost fit in the limit, so **no span of ``window`` seconds ever holds more than ``limit``
allowed hits** — a fixed window would let twice the limit through across a window edge, and GCRA
(one stored timestamp) lets ``limit`` through at once and then keeps refilling during the same
window, so it too admits up to about twice the limit within one window length. The price is memory
proportional to the limit per active key (refused hits are not recorded, so a key never holds
more than ``limit`` entries), which is fine for the limits an API uses (tens to a few thousand).

Refused hits are not recorded: a client that keeps hammering is let back in as soon as its old
hits age out, instead of locking itself out forever.

A key should always be used with the same ``Rate``; each call trims and expires the key by the
rate it is given.

Adapters: ``adapters/local`` (in-process, one worker only) and ``adapters/redis`` (shared, atomic,
timed by the Redis server's clock). Redis adapters let connection errors and timeouts raise:
whether to fail open (serve without a limit) or closed (answer 503) is the caller's decision.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"([0-9]+)/([0-9]*)([smhd])")


@dataclass(frozen=True, slots=True)
class Rate:
    """At most ``limit`` hits in any span of ``window_seconds`` seconds."""

    limit: int
    window_seconds: int

    def __post_init__(self) -> None:
        if self.limit < 1:
            raise ValueError(f"a rate limit must allow at least 1 hit, got {self.limit}")
        if self.window_seconds < 1:
            raise ValueError(
                f"a rate window must last at least 1 second, got {self.window_seconds}"
            )

    @classmethod
    def parse(cls, text: str) -> Rate:
        """``"5/15m"`` → 5 per 900 s; ``"100/h"`` → 100 per 3600 s (units s, m, h, d)."""
        match = _RATE.fullmatch(text.strip())
        if match is None:
            raise ValueError(
                f"invalid rate {text!r}: expected <hits>/<number><unit> or <hits>/<unit>, "
                "unit one of s, m, h, d (e.g. '5/15m', '100/h')"
            )
        hits, count, unit = match.groups()
        return cls(limit=int(hits), window_seconds=int(count or "1") * _UNIT_SECONDS[unit])


@dataclass(frozen=True, slots=True)
class RateDecision:
    """The outcome of a hit or a peek.

    ``remaining``: hits still allowed in the current window after this one (0 when refused for
    lack of room). ``reset_after``: whole seconds (rounded up) until the window frees the
    capacity this request needed when refused (at least 1), or until the oldest counted hit ages
    out when allowed (0 when nothing is counted).
    """

    allowed: bool
    limit: int
    remaining: int
    reset_after: int

    @property
    def retry_after(self) -> int:
        """Seconds to wait before trying again (for a ``Retry-After`` header); 0 when allowed."""
        return 0 if self.allowed else self.reset_after


class RateLimiter(Protocol):
    async def hit(self, key: str, rate: Rate, cost: int = 1) -> RateDecision:
        """Count a hit of ``cost`` (1 ≤ cost ≤ rate.limit, else ``ValueError``) against ``key``.

        Allowed iff the count after the hit is at most ``rate.limit``; a refused hit counts nothing.
        """
        ...

    async def peek(self, key: str, rate: Rate) -> RateDecision:
        """Whether one more hit would be allowed now (count < limit), counting nothing."""
        ...

    async def reset(self, key: str) -> None:
        """Forget every hit counted against ``key``."""
        ...


def check_cost(rate: Rate, cost: int) -> None:
    """Adapters call this first: a cost outside 1..limit could never be (or is always) allowed."""
    if not 1 <= cost <= rate.limit:
        raise ValueError(f"a hit must cost between 1 and the limit ({rate.limit}), got {cost}")
