"""Global account stores in PostgreSQL: users, sessions, one-time tokens, security events.

These rows belong to a person, not a tenant, so they carry no row level security; they are
reached only through these repositories (never joined ad hoc into tenant queries)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ticketbase.adapters.postgres.tables import (
    one_time_tokens,
    rotated_refresh_tokens,
    security_events,
    sessions,
    users,
)
from ticketbase.application.ports.audit import SecurityEvent
from ticketbase.application.ports.cache import session_tag, user_tag
from ticketbase.application.ports.unit_of_work import OneTimeToken, TokenPurpose
from ticketbase.domain.identity.session import Session
from ticketbase.domain.identity.user import User
from ticketbase.domain.shared.ids import OrganizationId, SessionId, UserId
from ticketbase.domain.shared.values import EmailAddress


class PostgresUserRepository:
    def __init__(self, connection: AsyncConnection, changes: set[str]) -> None:
        self._c = connection
        self._changes = changes

    async def get(self, user_id: UserId) -> User | None:
        return await self._one(users.c.id == user_id)

    async def by_email(self, email: EmailAddress) -> User | None:
        return await self._one(users.c.email == email.value)

    async def add(self, user: User) -> None:
        await self._c.execute(insert(users).values(**_user_columns(user)))
        self._changes.add(user_tag(user.id))

    async def save(self, user: User) -> None:
        columns = _user_columns(user)
        del columns["id"], columns["created_at"]
        await self._c.execute(update(users).where(users.c.id == user.id).values(**columns))
        self._changes.add(user_tag(user.id))

    async def _one(self, condition: Any) -> User | None:
        row = (await self._c.execute(select(users).where(condition))).mappings().first()
        return None if row is None else user_from_row(row)


def _user_columns(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email.value,
        "full_name": user.full_name,
        "password_hash": user.password_hash,
        "is_platform_admin": user.is_platform_admin,
        "created_at": user.created_at,
        "password_changed_at": user.password_changed_at,
    }


def user_from_row(row: Mapping[Any, Any]) -> User:
    return User(
        id=UserId(row["id"]),
        email=EmailAddress(row["email"]),
        full_name=row["full_name"],
        password_hash=row["password_hash"],
        created_at=row["created_at"],
        is_platform_admin=row["is_platform_admin"],
        password_changed_at=row["password_changed_at"],
    )


class PostgresSessionRepository:
    def __init__(self, connection: AsyncConnection, changes: set[str]) -> None:
        self._c = connection
        self._changes = changes

    async def add(self, session: Session, refresh_token_hash: bytes) -> None:
        await self._c.execute(
            insert(sessions).values(
                **_session_columns(session), refresh_token_hash=refresh_token_hash
            )
        )

    async def get(self, session_id: SessionId) -> Session | None:
        return await self._one(sessions.c.id == session_id)

    async def by_refresh_token(self, token_hash: bytes) -> Session | None:
        return await self._one(sessions.c.refresh_token_hash == token_hash)

    async def session_of_rotated_token(self, token_hash: bytes) -> SessionId | None:
        found = await self._c.scalar(
            select(rotated_refresh_tokens.c.session_id).where(
                rotated_refresh_tokens.c.token_hash == token_hash
            )
        )
        return None if found is None else SessionId(found)

    async def rotate(
        self, session_id: SessionId, old_hash: bytes, new_hash: bytes, now: datetime
    ) -> bool:
        # Conditional on the old hash: of two concurrent refreshes with one token, one wins.
        result = await self._c.execute(
            update(sessions)
            .where(sessions.c.id == session_id)
            .where(sessions.c.refresh_token_hash == old_hash)
            .where(sessions.c.revoked_at.is_(None))
            .values(refresh_token_hash=new_hash, last_used_at=now)
        )
        if result.rowcount != 1:
            return False
        await self._c.execute(
            insert(rotated_refresh_tokens).values(
                token_hash=old_hash, session_id=session_id, rotated_at=now
            )
        )
        return True

    async def save(self, session: Session) -> None:
        columns = _session_columns(session)
        del columns["id"]
        await self._c.execute(update(sessions).where(sessions.c.id == session.id).values(**columns))
        self._changes.add(session_tag(session.id))

    async def active_of_user(self, user_id: UserId, now: datetime) -> list[Session]:
        rows = await self._c.execute(
            select(sessions)
            .where(sessions.c.user_id == user_id)
            .where(sessions.c.revoked_at.is_(None))
            .where(sessions.c.expires_at > now)
            .order_by(sessions.c.id.desc())
        )
        return [_session(r) for r in rows.mappings()]

    async def purge_ended(self, before: datetime) -> int:
        result = await self._c.execute(
            delete(sessions).where(
                or_(sessions.c.expires_at < before, sessions.c.revoked_at < before)
            )
        )
        return int(result.rowcount)

    async def revoke_of_user(
        self,
        user_id: UserId,
        now: datetime,
        reason: str,
        *,
        organization_id: OrganizationId | None = None,
        keep: SessionId | None = None,
    ) -> list[SessionId]:
        statement = (
            update(sessions)
            .where(sessions.c.user_id == user_id)
            .where(sessions.c.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
            .returning(sessions.c.id)
        )
        if organization_id is not None:
            statement = statement.where(sessions.c.organization_id == organization_id)
        if keep is not None:
            statement = statement.where(sessions.c.id != keep)
        ended = [SessionId(i) for i in (await self._c.scalars(statement))]
        self._changes.update(session_tag(i) for i in ended)
        return ended

    async def _one(self, condition: Any) -> Session | None:
        row = (await self._c.execute(select(sessions).where(condition))).mappings().first()
        return None if row is None else _session(row)


def _session_columns(session: Session) -> dict[str, Any]:
    return {
        "id": session.id,
        "user_id": session.user_id,
        "organization_id": session.organization_id,
        "user_agent": session.user_agent,
        "ip": session.ip,
        "created_at": session.created_at,
        "last_used_at": session.last_used_at,
        "expires_at": session.expires_at,
        "revoked_at": session.revoked_at,
        "revoked_reason": session.revoked_reason,
    }


def _session(row: Mapping[Any, Any]) -> Session:
    return Session(
        id=SessionId(row["id"]),
        user_id=UserId(row["user_id"]),
        organization_id=OrganizationId(row["organization_id"]) if row["organization_id"] else None,
        created_at=row["created_at"],
        last_used_at=row["last_used_at"],
        expires_at=row["expires_at"],
        user_agent=row["user_agent"],
        ip=row["ip"],
        revoked_at=row["revoked_at"],
        revoked_reason=row["revoked_reason"],
    )


class PostgresOneTimeTokenRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection

    async def add(self, token: OneTimeToken) -> None:
        await self._c.execute(
            insert(one_time_tokens).values(
                token_hash=token.token_hash,
                purpose=token.purpose.value,
                user_id=token.user_id,
                organization_id=token.organization_id,
                created_at=token.created_at,
                expires_at=token.expires_at,
            )
        )

    async def consume(
        self, token_hash: bytes, purpose: TokenPurpose, now: datetime
    ) -> OneTimeToken | None:
        # One conditional UPDATE: two concurrent uses of the same link cannot both succeed.
        row = (
            (
                await self._c.execute(
                    update(one_time_tokens)
                    .where(one_time_tokens.c.token_hash == token_hash)
                    .where(one_time_tokens.c.purpose == purpose.value)
                    .where(one_time_tokens.c.used_at.is_(None))
                    .where(one_time_tokens.c.expires_at > now)
                    .values(used_at=now)
                    .returning(one_time_tokens)
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        return OneTimeToken(
            token_hash=row["token_hash"],
            purpose=TokenPurpose(row["purpose"]),
            user_id=UserId(row["user_id"]),
            organization_id=OrganizationId(row["organization_id"])
            if row["organization_id"]
            else None,
            created_at=row["created_at"],
            expires_at=row["expires_at"],
            used_at=row["used_at"],
        )

    async def purge_spent(self, before: datetime) -> int:
        result = await self._c.execute(
            delete(one_time_tokens).where(
                or_(one_time_tokens.c.expires_at < before, one_time_tokens.c.used_at < before)
            )
        )
        return int(result.rowcount)


class PostgresSecurityEventLog:
    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection

    async def record(self, event: SecurityEvent) -> None:
        await self._c.execute(
            insert(security_events).values(
                id=event.id,
                at=event.at,
                kind=event.kind,
                user_id=event.user_id,
                organization_id=event.organization_id,
                ip=event.meta.ip,
                user_agent=event.meta.user_agent,
                request_id=event.meta.request_id,
                detail=event.detail,
            )
        )
