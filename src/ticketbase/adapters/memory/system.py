"""A controllable clock and a predictable id generator for tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID


class FixedClock:
    def __init__(self, now: datetime | None = None) -> None:
        self.current = now or datetime(2026, 5, 1, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


class SequentialIds:
    """Increasing UUIDs with the v7 layout, so ordering by id is ordering by creation."""

    def __init__(self) -> None:
        self._n = 0

    def new(self) -> UUID:
        self._n += 1
        return UUID(int=(0x0190_0000_0000 + self._n) << 80 | 0x7 << 76 | 0b10 << 62 | self._n)
