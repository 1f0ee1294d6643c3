"""In-process revoked-session marks: the development default, for one worker only.

Memory stays bounded by the sessions revoked within the last token lifetime: an expired mark is
dropped when it is looked up, and every ``sweep_every`` calls a sweep drops all expired marks.
Asyncio-safe because no method awaits. With more than one worker, use ``adapters/redis``: a
session revoked in one process must be refused by all of them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from ticketbase.application.ports.limits import check_ttl
from ticketbase.application.ports.system import Clock


class InProcessSessionRevocations:
    def __init__(self, clock: Clock, *, sweep_every: int = 1024) -> None:
        self._clock = clock
        self._deadlines: dict[UUID, datetime] = {}
        self._sweep_every = sweep_every
        self._calls = 0

    async def revoke(self, session_id: UUID, ttl_seconds: int) -> None:
        check_ttl(ttl_seconds)
        self._deadlines[session_id] = self._now() + timedelta(seconds=ttl_seconds)

    async def is_revoked(self, session_id: UUID) -> bool:
        now = self._now()
        deadline = self._deadlines.get(session_id)
        if deadline is None:
            return False
        if deadline <= now:
            del self._deadlines[session_id]
            return False
        return True

    def __len__(self) -> int:
        """Marks currently held (for tests of the memory bound)."""
        return len(self._deadlines)

    def _now(self) -> datetime:
        now = self._clock.now()
        self._calls += 1
        if self._calls >= self._sweep_every:
            self._calls = 0
            expired = [s for s, deadline in self._deadlines.items() if deadline <= now]
            for session_id in expired:
                del self._deadlines[session_id]
        return now
