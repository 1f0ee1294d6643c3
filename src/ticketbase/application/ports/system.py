"""Time and identity generation: never read from the machine inside the domain."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...


class IdGenerator(Protocol):
    def new(self) -> UUID:
        """A new time-ordered (v7) UUID."""
        ...
