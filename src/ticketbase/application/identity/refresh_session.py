"""Trade a refresh token for new tokens, rotating it; a replayed old token ends the session."""

from __future__ import annotations

from ticketbase.application.context import RequestMeta
from ticketbase.application.identity.opaque_tokens import hash_opaque_token, new_opaque_token
from ticketbase.application.identity.sessions import IssuedTokens, SessionIssuer
from ticketbase.application.ports.audit import SecurityEvent
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.membership import Membership
from ticketbase.domain.shared.errors import Unauthenticated
from ticketbase.domain.shared.ids import SessionId


class InvalidRefreshToken(Unauthenticated):
    code = "invalid_refresh_token"


class RefreshSession:
    def __init__(
        self,
        uow: UnitOfWork,
        issuer: SessionIssuer,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._uow, self._issuer = uow, issuer
        self._clock, self._ids = clock, ids

    async def __call__(self, refresh_token: str, meta: RequestMeta) -> IssuedTokens:
        now = self._clock.now()
        old_hash = hash_opaque_token(refresh_token)
        new_token, new_hash = new_opaque_token()
        async with self._uow.system() as system:
            session = await system.sessions.by_refresh_token(old_hash)
            if session is None:
                reused = await system.sessions.session_of_rotated_token(old_hash)
                if reused is not None:
                    await self._end_stolen(reused, meta)
                raise InvalidRefreshToken("the refresh token is not valid")
            if not session.is_active(now):
                raise InvalidRefreshToken("the session has ended; log in again")
            user = await system.users.get(session.user_id)
        if user is None:
            raise InvalidRefreshToken("the account no longer exists")
        # The membership is checked before the token is spent: a refused refresh leaves it
        # as it was, so a retry is not mistaken for a stolen token.
        membership: Membership | None = None
        if session.organization_id is not None:
            async with self._uow.for_tenant(session.organization_id) as tx:
                membership = await tx.memberships.of_user(session.user_id)
            if membership is None or not membership.can_log_in:
                raise InvalidRefreshToken("the membership has ended; log in again")
        async with self._uow.system() as system:
            rotated = await system.sessions.rotate(session.id, old_hash, new_hash, now)
            if rotated:
                await system.commit()
        if not rotated:  # lost a race with a concurrent refresh of this token: a replay
            await self._end_stolen(session.id, meta)
            raise InvalidRefreshToken("the refresh token is not valid")
        return self._issuer.access(user, membership, session.id, new_token)

    async def _end_stolen(self, session_id: SessionId, meta: RequestMeta) -> None:
        """A rotated token came back: someone holds a copy. End the whole session."""
        now = self._clock.now()
        async with self._uow.system() as system:
            session = await system.sessions.get(session_id)
            if session is None:
                return
            session.revoke(now, "refresh_token_reused")
            await system.sessions.save(session)
            await system.security_events.record(
                SecurityEvent(
                    id=self._ids.new(),
                    at=now,
                    kind="refresh_token_reused",
                    user_id=session.user_id,
                    organization_id=session.organization_id,
                    meta=meta,
                    detail={"sessionId": str(session_id)},
                )
            )
            await system.commit()
