"""Starting a session: the refresh-token chain and the first access token, shared by
registration, login and accepting an invitation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ticketbase.application.context import RequestMeta
from ticketbase.application.identity.opaque_tokens import new_opaque_token
from ticketbase.application.ports.security import TokenService
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import AccountStores
from ticketbase.domain.identity.membership import Membership
from ticketbase.domain.identity.session import Session
from ticketbase.domain.identity.user import User
from ticketbase.domain.shared.ids import SessionId


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int
    session_id: SessionId


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    refresh_token_ttl_seconds: int


class SessionIssuer:
    def __init__(
        self, tokens: TokenService, clock: Clock, ids: IdGenerator, policy: SessionPolicy
    ) -> None:
        self._tokens, self._clock, self._ids, self._policy = tokens, clock, ids, policy

    async def start(
        self,
        stores: AccountStores,
        user: User,
        membership: Membership | None,
        meta: RequestMeta,
    ) -> IssuedTokens:
        now = self._clock.now()
        session = Session(
            id=SessionId(self._ids.new()),
            user_id=user.id,
            organization_id=membership.organization_id if membership else None,
            created_at=now,
            last_used_at=now,
            expires_at=now + timedelta(seconds=self._policy.refresh_token_ttl_seconds),
            user_agent=meta.user_agent,
            ip=meta.ip,
        )
        refresh_token, refresh_hash = new_opaque_token()
        await stores.sessions.add(session, refresh_hash)
        return self.access(user, membership, session.id, refresh_token)

    def access(
        self, user: User, membership: Membership | None, session_id: SessionId, refresh_token: str
    ) -> IssuedTokens:
        access_token, expires_in = self._tokens.issue_access_token(
            user_id=user.id,
            session_id=session_id,
            organization_id=membership.organization_id if membership else None,
            role=membership.role if membership else None,
            grants=membership.grants if membership else frozenset(),
            revokes=membership.revokes if membership else frozenset(),
            is_platform_admin=user.is_platform_admin,
        )
        return IssuedTokens(access_token, refresh_token, expires_in, session_id)
