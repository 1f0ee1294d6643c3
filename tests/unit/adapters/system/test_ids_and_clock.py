"""The real id generator (RFC 9562 UUID v7) and clock, and the memory fakes that mimic them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from types import SimpleNamespace
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ticketbase.adapters.system as system
from ticketbase.adapters.memory.system import FixedClock, SequentialIds
from ticketbase.adapters.system import SystemClock, Uuid7Generator

MS = 1_000_000  # nanoseconds per millisecond


def is_v7(value: UUID) -> bool:
    return value.version == 7 and (value.int >> 62) & 0b11 == 0b10


def millis(value: UUID) -> int:
    return value.int >> 80


def run_with_clock(milliseconds: list[int]) -> list[UUID]:
    """Ids made while ``time.time_ns`` returns each of ``milliseconds`` in turn."""
    ticks: Iterator[int] = iter(milliseconds)
    generator = Uuid7Generator()
    with pytest.MonkeyPatch.context() as patch:
        # Replace only this module's view of ``time``; the rest of the process keeps the real one.
        patch.setattr(system, "time", SimpleNamespace(time_ns=lambda: next(ticks) * MS + 123))
        return [generator.new() for _ in milliseconds]


def test_ids_have_version_7_and_the_current_time() -> None:
    before = datetime.now(UTC)
    value = Uuid7Generator().new()
    after = datetime.now(UTC)
    assert is_v7(value)
    assert int(before.timestamp() * 1000) - 1 <= millis(value) <= int(after.timestamp() * 1000) + 1


def test_ids_in_a_burst_are_strictly_increasing_and_unique() -> None:
    generator = Uuid7Generator()
    values = [generator.new() for _ in range(5000)]
    assert values == sorted(values)
    assert len(set(values)) == len(values)
    assert all(is_v7(v) for v in values)


@given(
    start=st.integers(1_600_000_000_000, 2_000_000_000_000),
    steps=st.lists(st.integers(-50, 50), min_size=1, max_size=200),
)
def test_ids_stay_ordered_whatever_the_clock_does(start: int, steps: list[int]) -> None:
    # Steps may repeat a millisecond or go backwards (an NTP correction).
    clock = [start]
    for step in steps:
        clock.append(clock[-1] + step)
    values = run_with_clock(clock)
    assert all(a < b for a, b in pairwise(values))
    assert all(is_v7(v) for v in values)


def test_more_ids_than_the_counter_holds_in_one_millisecond_stay_ordered() -> None:
    values = run_with_clock([1_700_000_000_000] * 5000)
    assert all(a < b for a, b in pairwise(values))
    # Overflowing the 12-bit counter borrows from the next millisecond rather than wrapping.
    assert millis(values[-1]) > 1_700_000_000_000


def test_the_timestamp_never_runs_backwards_with_the_clock() -> None:
    values = run_with_clock([1_700_000_000_500, 1_700_000_000_000])
    assert millis(values[1]) == millis(values[0]) == 1_700_000_000_500


def test_the_system_clock_is_utc_and_aware() -> None:
    value = SystemClock().now()
    assert value.tzinfo is not None
    assert value.utcoffset() == timedelta(0)


def test_sequential_ids_look_like_v7_and_increase() -> None:
    ids = SequentialIds()
    values = [ids.new() for _ in range(100)]
    assert all(is_v7(v) for v in values)
    assert values == sorted(values)
    assert len(set(values)) == 100


def test_fixed_clock_moves_only_when_told() -> None:
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    assert clock.now() == clock.now() == datetime(2026, 1, 1, tzinfo=UTC)
    clock.advance(minutes=90)
    assert clock.now() == datetime(2026, 1, 1, 1, 30, tzinfo=UTC)
