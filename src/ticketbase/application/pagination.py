"""Keyset pagination: a page is asked for *after* a key, never by offset.

Every list orders by time-ordered UUID v7 ids, newest first, so the key is the last id seen and
page 10 000 costs what page 1 costs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar
from uuid import UUID

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    after: UUID | None = None

    @property
    def fetch(self) -> int:
        """How many rows to read: one more than the limit tells whether a next page exists."""
        return self.limit + 1


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_after: UUID | None

    @classmethod
    def from_rows(cls, rows: list[T], request: PageRequest, key: Callable[[T], UUID]) -> Page[T]:
        """Build a page from up to ``request.fetch`` rows read in key order."""
        if len(rows) > request.limit:
            kept = rows[: request.limit]
            return cls(kept, key(kept[-1]))
        return cls(rows, None)
