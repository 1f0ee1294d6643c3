"""A circuit breaker: stop calling a server that keeps failing, try again after a pause.

Closed (normal): calls go through; ``failure_threshold`` failures in a row open it. Open: every
call is refused at once (no socket, no waiting on timeouts) until ``open_seconds`` have passed.
Half-open: exactly one call goes through as the probe while the others are still refused; its
success closes the circuit, its failure opens it for another pause. A probe that ends with no
verdict (cancelled, or failed for a reason that says nothing of the server, such as the
client's own body being too large) frees the slot for the next caller.

Not thread-safe and need not be: one per event loop (the app's APP scope), used from
coroutines that do not yield between the checks and the updates.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class CircuitOpen(Exception):
    """Refused without trying: the server failed too often lately."""


class State(enum.StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class Verdict:
    """What the guarded call says about the server; unset means "nothing"."""

    __slots__ = ("healthy",)

    def __init__(self) -> None:
        self.healthy: bool | None = None

    def succeeded(self) -> None:
        self.healthy = True

    def failed(self) -> None:
        self.healthy = False


class CircuitBreaker:
    def __init__(
        self,
        *,
        failure_threshold: int = 5,
        open_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1 or open_seconds <= 0:
            raise ValueError("the threshold must be at least 1 and the pause positive")
        self._threshold, self._pause, self._clock = failure_threshold, open_seconds, clock
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> State:
        if self._opened_at is None:
            return State.CLOSED
        if self._probing or self._clock() - self._opened_at >= self._pause:
            return State.HALF_OPEN
        return State.OPEN

    @contextmanager
    def guard(self) -> Iterator[Verdict]:
        """Admit one call (``CircuitOpen`` otherwise); the caller marks the verdict."""
        is_probe = self._admit()
        verdict = Verdict()
        try:
            yield verdict
        finally:
            if verdict.healthy is True:
                self._close()
            elif verdict.healthy is False:
                self._fail()
            elif is_probe:
                self._probing = False

    def _admit(self) -> bool:
        """True when this call is the half-open probe."""
        state = self.state
        if state is State.CLOSED:
            return False
        if state is State.OPEN or self._probing:
            raise CircuitOpen("the circuit is open")
        self._probing = True
        return True

    def _close(self) -> None:
        self._failures, self._opened_at, self._probing = 0, None, False

    def _fail(self) -> None:
        if self._opened_at is not None:  # a probe (or a late straggler) failed: pause again
            self._opened_at, self._probing = self._clock(), False
            return
        self._failures += 1
        if self._failures >= self._threshold:
            self._opened_at = self._clock()
