"""In-memory global account stores and memberships, with the Postgres adapters' rules."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import TYPE_CHECKING

from ticketbase.application.pagination import Page, PageRequest
from ticketbase.application.ports.audit import SecurityEvent
from ticketbase.application.ports.unit_of_work import (
    Member,
    MemberFilter,
    OneTimeToken,
    OrganizationRef,
    Profile,
    TokenPurpose,
)
from ticketbase.domain.identity.membership import Membership, MembershipStatus
from ticketbase.domain.identity.permissions import Role
from ticketbase.domain.identity.session import Session
from ticketbase.domain.identity.user import User
from ticketbase.domain.shared.errors import Conflict, StaleVersion
from ticketbase.domain.shared.ids import (
    DepartmentId,
    MembershipId,
    OrganizationId,
    SessionId,
    UserId,
)
from ticketbase.domain.shared.values import EmailAddress

if TYPE_CHECKING:
    from ticketbase.adapters.memory.unit_of_work import MemoryState


class MemoryUserRepository:
    def __init__(self, state: MemoryState) -> None:
        self._s = state

    async def get(self, user_id: UserId) -> User | None:
        return self._s.users.get(user_id)

    async def by_email(self, email: EmailAddress) -> User | None:
        return next((u for u in self._s.users.values() if u.email == email), None)

    async def add(self, user: User) -> None:
        if await self.by_email(user.email):
            raise Conflict("an account with this email already exists", field="email")
        self._s.users[user.id] = user

    async def save(self, user: User) -> None:
        self._s.users[user.id] = user


class MemorySessionRepository:
    def __init__(self, state: MemoryState) -> None:
        self._s = state

    async def add(self, session: Session, refresh_token_hash: bytes) -> None:
        self._s.sessions[session.id] = session
        self._s.refresh_hashes[session.id] = refresh_token_hash

    async def get(self, session_id: SessionId) -> Session | None:
        return self._s.sessions.get(session_id)

    async def by_refresh_token(self, token_hash: bytes) -> Session | None:
        found = next((k for k, v in self._s.refresh_hashes.items() if v == token_hash), None)
        return None if found is None else self._s.sessions[found]

    async def session_of_rotated_token(self, token_hash: bytes) -> SessionId | None:
        return self._s.rotated.get(token_hash)

    async def rotate(
        self, session_id: SessionId, old_hash: bytes, new_hash: bytes, now: datetime
    ) -> bool:
        session = self._s.sessions.get(session_id)
        if session is None or session.revoked_at or self._s.refresh_hashes[session_id] != old_hash:
            return False
        self._s.refresh_hashes[session_id] = new_hash
        self._s.rotated[old_hash] = session_id
        session.last_used_at = now
        return True

    async def save(self, session: Session) -> None:
        self._s.sessions[session.id] = session

    async def active_of_user(self, user_id: UserId, now: datetime) -> list[Session]:
        found = [s for s in self._s.sessions.values() if s.user_id == user_id and s.is_active(now)]
        return sorted(found, key=lambda s: s.id, reverse=True)

    async def purge_ended(self, before: datetime) -> int:
        ended = [
            s.id
            for s in self._s.sessions.values()
            if s.expires_at < before or (s.revoked_at is not None and s.revoked_at < before)
        ]
        for session_id in ended:
            del self._s.sessions[session_id], self._s.refresh_hashes[session_id]
        for token_hash in [h for h, sid in self._s.rotated.items() if sid in ended]:
            del self._s.rotated[token_hash]
        return len(ended)

    async def revoke_of_user(
        self,
        user_id: UserId,
        now: datetime,
        reason: str,
        *,
        organization_id: OrganizationId | None = None,
        keep: SessionId | None = None,
    ) -> list[SessionId]:
        revoked = []
        for session in self._s.sessions.values():
            if (
                session.user_id == user_id
                and session.revoked_at is None
                and (organization_id is None or session.organization_id == organization_id)
                and session.id != keep
            ):
                session.revoke(now, reason)
                revoked.append(session.id)
        return revoked


class MemoryOneTimeTokenRepository:
    def __init__(self, state: MemoryState) -> None:
        self._s = state

    async def add(self, token: OneTimeToken) -> None:
        self._s.one_time_tokens[token.token_hash] = token

    async def consume(
        self, token_hash: bytes, purpose: TokenPurpose, now: datetime
    ) -> OneTimeToken | None:
        token = self._s.one_time_tokens.get(token_hash)
        if (
            token is None
            or token.purpose is not purpose
            or token.used_at
            or token.expires_at <= now
        ):
            return None
        used = dataclasses.replace(token, used_at=now)
        self._s.one_time_tokens[token_hash] = used
        return used

    async def purge_spent(self, before: datetime) -> int:
        spent = [
            h
            for h, t in self._s.one_time_tokens.items()
            if t.expires_at < before or (t.used_at is not None and t.used_at < before)
        ]
        for token_hash in spent:
            del self._s.one_time_tokens[token_hash]
        return len(spent)


class MemorySecurityEventLog:
    def __init__(self, state: MemoryState) -> None:
        self._s = state

    async def record(self, event: SecurityEvent) -> None:
        self._s.security_events.append(event)


class MemoryMembershipRepository:
    def __init__(self, state: MemoryState, organization_id: OrganizationId) -> None:
        self._s, self._org = state, organization_id

    def _mine(self) -> list[Membership]:
        return [m for m in self._s.memberships.values() if m.organization_id == self._org]

    async def get(self, membership_id: MembershipId) -> Membership | None:
        return next((m for m in self._mine() if m.id == membership_id), None)

    async def of_user(self, user_id: UserId) -> Membership | None:
        return next((m for m in self._mine() if m.user_id == user_id), None)

    async def profile(self, user_id: UserId) -> Profile | None:
        membership = await self.of_user(user_id)
        organization = self._s.organizations.get(self._org)
        user = self._s.users.get(user_id)
        if membership is None or organization is None or user is None:
            return None  # as the inner join in PostgreSQL
        return Profile(user, membership, OrganizationRef.of(organization))

    async def add(self, membership: Membership) -> None:
        assert membership.organization_id == self._org, "rejected by row level security"
        if await self.of_user(membership.user_id):
            raise Conflict("this person is already a member", field="email")
        self._s.memberships[membership.id] = membership

    async def save(self, membership: Membership) -> None:
        stored = await self.get(membership.id)
        if stored is None or (
            stored is not membership and stored.version != membership.version - 1
        ):
            raise StaleVersion("the member was changed meanwhile; reload and retry")
        self._s.memberships[membership.id] = membership

    async def record_login(self, membership_id: MembershipId, at: datetime) -> None:
        membership = await self.get(membership_id)
        if membership is not None:
            membership.last_login_at = max(membership.last_login_at or at, at)
            if membership.status is MembershipStatus.INVITED:
                membership.status = MembershipStatus.ACTIVE

    async def count_active_owners(self) -> int:
        return sum(
            1 for m in self._mine() if m.role is Role.OWNER and m.status is MembershipStatus.ACTIVE
        )

    async def members(self, where: MemberFilter, page: PageRequest) -> Page[Member]:
        found = []
        for m in sorted(self._mine(), key=lambda m: m.id, reverse=True):
            user = self._s.users[m.user_id]
            if (
                (where.role is None or m.role is where.role)
                and (where.department_id is None or m.department_id == where.department_id)
                and (where.status is None or m.status is where.status)
                and (
                    not where.q
                    or where.q.lower() in user.email.value
                    or where.q.lower() in user.full_name.lower()
                )
                and (page.after is None or m.id < page.after)
            ):
                found.append(Member(m, user.email, user.full_name))
        return Page.from_rows(found[: page.fetch], page, key=lambda x: x.membership.id)

    async def count_in_department(self, department_id: DepartmentId) -> int:
        return sum(1 for m in self._mine() if m.department_id == department_id)
