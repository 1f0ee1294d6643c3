"""The real clock and id generator."""

from __future__ import annotations

import secrets
import threading
import time
from datetime import UTC, datetime
from uuid import UUID


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class Uuid7Generator:
    """RFC 9562 UUID v7: 48-bit milliseconds, then a per-process counter so ids made in the same
    millisecond still sort in creation order, then random bits."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_ms = 0
        self._counter = 0

    def new(self) -> UUID:
        with self._lock:
            ms = time.time_ns() // 1_000_000
            if ms > self._last_ms:
                self._last_ms, self._counter = ms, secrets.randbits(11)
            else:  # same millisecond (or the clock stepped back): keep order
                self._counter += 1
                if self._counter >= 1 << 12:
                    self._last_ms, self._counter = self._last_ms + 1, 0
                ms = self._last_ms
            counter = self._counter
        value = (ms & ((1 << 48) - 1)) << 80
        value |= 0x7 << 76 | counter << 64
        value |= 0b10 << 62 | secrets.randbits(62)
        return UUID(int=value)
