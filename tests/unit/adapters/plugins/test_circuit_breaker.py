"""The circuit breaker: closed → open after N failures in a row → half-open after the pause,
one probe at a time → closed on success, open again on failure."""

from __future__ import annotations

import pytest

from ticketbase.adapters.plugins.circuit_breaker import CircuitBreaker, CircuitOpen, State


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def breaker(clock: Clock, threshold: int = 3, pause: float = 30.0) -> CircuitBreaker:
    return CircuitBreaker(failure_threshold=threshold, open_seconds=pause, clock=clock)


def fail(b: CircuitBreaker) -> None:
    with b.guard() as verdict:
        verdict.failed()


def succeed(b: CircuitBreaker) -> None:
    with b.guard() as verdict:
        verdict.succeeded()


def test_opens_after_the_threshold_of_failures_in_a_row_and_refuses_at_once() -> None:
    clock = Clock()
    b = breaker(clock)
    fail(b)
    fail(b)
    assert b.state is State.CLOSED
    fail(b)
    assert b.state is State.OPEN
    with pytest.raises(CircuitOpen), b.guard():
        pass


def test_a_success_resets_the_count() -> None:
    b = breaker(Clock())
    fail(b)
    fail(b)
    succeed(b)
    fail(b)
    fail(b)
    assert b.state is State.CLOSED


def test_after_the_pause_one_probe_passes_and_its_success_closes() -> None:
    clock = Clock()
    b = breaker(clock)
    for _ in range(3):
        fail(b)
    clock.now += 29.9
    assert b.state is State.OPEN
    clock.now += 0.2
    assert b.state is State.HALF_OPEN
    with b.guard() as verdict:
        with pytest.raises(CircuitOpen), b.guard():  # a second caller meanwhile
            pass
        verdict.succeeded()
    assert b.state is State.CLOSED
    succeed(b)


def test_a_failed_probe_opens_it_for_another_pause() -> None:
    clock = Clock()
    b = breaker(clock)
    for _ in range(3):
        fail(b)
    clock.now += 30
    fail(b)
    assert b.state is State.OPEN
    clock.now += 29
    with pytest.raises(CircuitOpen), b.guard():
        pass
    clock.now += 1
    assert b.state is State.HALF_OPEN


def test_a_probe_without_verdict_frees_the_slot() -> None:
    clock = Clock()
    b = breaker(clock)
    for _ in range(3):
        fail(b)
    clock.now += 30
    with pytest.raises(RuntimeError), b.guard():
        raise RuntimeError("cancelled, or the client's own fault")
    assert b.state is State.HALF_OPEN
    succeed(b)  # the next caller may probe
    assert b.state is State.CLOSED


def test_a_call_without_verdict_while_closed_does_not_free_a_running_probe() -> None:
    clock = Clock()
    b = breaker(clock, threshold=1)
    with b.guard():  # admitted while closed, ends without verdict later
        fail(b)  # opens
        clock.now += 30
        with b.guard() as probe:  # the probe
            pass_through = True
            probe.succeeded()
    assert pass_through
    assert b.state is State.CLOSED


@pytest.mark.parametrize(("threshold", "pause"), [(0, 1.0), (1, 0.0)])
def test_refuses_nonsense_settings(threshold: int, pause: float) -> None:
    with pytest.raises(ValueError, match="threshold"):
        CircuitBreaker(failure_threshold=threshold, open_seconds=pause)
