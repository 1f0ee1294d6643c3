"""Retention: drop sessions and one-time links that can no longer be used.

A grace period keeps them a while after they end, so support can still see a recent
"session ended" and a replayed refresh token is still recognised as a replay."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ticketbase.application.ports.system import Clock
from ticketbase.application.ports.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Purged:
    sessions: int
    one_time_tokens: int


class PurgeEndedSessions:
    def __init__(self, uow: UnitOfWork, clock: Clock, grace: timedelta = timedelta(days=7)) -> None:
        self._uow, self._clock, self._grace = uow, clock, grace

    async def __call__(self) -> Purged:
        before = self._clock.now() - self._grace
        async with self._uow.system() as system:
            purged = Purged(
                sessions=await system.sessions.purge_ended(before),
                one_time_tokens=await system.one_time_tokens.purge_spent(before),
            )
            await system.commit()
        return purged
