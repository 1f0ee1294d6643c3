"""The caller's own sessions: list them, end one (another device), end the current one."""

from __future__ import annotations

from ticketbase.application.context import Actor
from ticketbase.application.ports.audit import AuditEntry
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.session import Session
from ticketbase.domain.shared.errors import NotFound
from ticketbase.domain.shared.ids import SessionId


class ListSessions:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, actor: Actor) -> list[Session]:
        async with self._uow.system() as system:
            return await system.sessions.active_of_user(actor.user_id, self._clock.now())


class EndSession:
    """``DELETE /api/auth/sessions/{id}`` and logout (the current session)."""

    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._uow = uow
        self._clock, self._ids = clock, ids

    async def __call__(self, actor: Actor, session_id: SessionId | None = None) -> None:
        target = session_id or actor.session_id
        now = self._clock.now()
        async with self._uow.system() as system:
            session = await system.sessions.get(target)
            if session is None or session.user_id != actor.user_id:
                raise NotFound("no such session")
            session.revoke(now, "logout" if target == actor.session_id else "ended_by_user")
            await system.sessions.save(session)
            await system.commit()
        if actor.organization_id is not None:
            async with self._uow.for_tenant(actor.organization_id) as tx:
                await tx.audit.append(
                    AuditEntry(
                        id=self._ids.new(),
                        at=now,
                        actor_id=actor.user_id,
                        action="auth.logout"
                        if target == actor.session_id
                        else "auth.session_ended",
                        target_type="session",
                        target_id=str(target),
                        meta=actor.meta,
                    )
                )
                await tx.commit()
