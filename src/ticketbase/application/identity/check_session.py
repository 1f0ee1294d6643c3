"""Is a bearer token's session still running? Asked on every authenticated request.

The sessions table is the truth: a session is valid while it exists, belongs to the token's
user, has not ended and has not expired. The answer is cached per process under the session's
tag, so ending a session (logout, ``DELETE /api/auth/sessions/{id}``, password change or reset,
deactivation, an access change, refresh-token theft) reaches every process through the change
feed before the ending request answers. An unknown session is refused like an ended one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from ticketbase.application.ports.cache import Cache, ChangeFeed, record_deadline, session_tag
from ticketbase.application.ports.system import Clock
from ticketbase.application.ports.unit_of_work import SessionStatus, UnitOfWork
from ticketbase.domain.shared.errors import SessionEnded
from ticketbase.domain.shared.ids import SessionId, UserId

_UNKNOWN = SessionStatus(UserId(UUID(int=0)), datetime.min.replace(tzinfo=UTC), ended=True)

SessionCache = Cache[SessionId, SessionStatus]


class CheckSession:
    def __init__(self, uow: UnitOfWork, cache: SessionCache, clock: Clock) -> None:
        self._uow, self._cache, self._clock = uow, cache, clock

    async def __call__(self, user_id: UserId, session_id: SessionId) -> None:
        status = self._cache.get(session_id)
        if status is None:
            ticket = self._cache.ticket()
            async with self._uow.lookups() as lookups:
                status = await lookups.session_status(session_id) or _UNKNOWN
            self._cache.put(ticket, session_id, status, (session_tag(session_id),))
        if status.ended or status.user_id != user_id or status.expires_at <= self._clock.now():
            raise SessionEnded("this session has ended; log in again")
        record_deadline(status.expires_at)


class WatchEndedSessions:
    """The backstop of the change feed: every few seconds, the sessions ended lately are told to
    this process's cache again, in case their writer died between its commit and its publish.

    Reads back ``overlap`` further than the last run, so a session whose ``revoked_at`` was
    stamped before a slow commit is still seen; each is forgotten once."""

    def __init__(
        self,
        uow: UnitOfWork,
        feed: ChangeFeed,
        clock: Clock,
        overlap: timedelta = timedelta(seconds=60),
    ) -> None:
        self._uow, self._feed, self._clock, self._overlap = uow, feed, clock, overlap
        self._last_run: datetime | None = None
        self._seen: dict[SessionId, datetime] = {}

    async def __call__(self) -> int:
        now = self._clock.now()
        since = (self._last_run or now) - self._overlap
        async with self._uow.lookups() as lookups:
            ended = await lookups.sessions_ended_since(since)
        new = [s for s in ended if s not in self._seen]
        self._seen = {s: t for s, t in self._seen.items() if t >= since}
        self._seen.update(dict.fromkeys(new, now))
        if new:
            self._feed.forget([session_tag(s) for s in new])
        self._last_run = now
        return len(new)
