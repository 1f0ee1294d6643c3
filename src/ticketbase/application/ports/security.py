"""Security ports: password hashing and access tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from ticketbase.domain.identity.permissions import Permission, Role
from ticketbase.domain.shared.ids import OrganizationId, SessionId, UserId


class PasswordHasher(Protocol):
    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str, password: str) -> bool: ...

    def needs_rehash(self, password_hash: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: UserId
    session_id: SessionId
    organization_id: OrganizationId | None
    role: Role | None
    is_platform_admin: bool
    token_id: str
    expires_at: datetime
    grants: frozenset[Permission] = frozenset()
    revokes: frozenset[Permission] = frozenset()


class TokenService(Protocol):
    def issue_access_token(
        self,
        *,
        user_id: UserId,
        session_id: SessionId,
        organization_id: OrganizationId | None,
        role: Role | None,
        is_platform_admin: bool,
        grants: frozenset[Permission] = frozenset(),
        revokes: frozenset[Permission] = frozenset(),
    ) -> tuple[str, int]:
        """A signed access token and its lifetime in seconds."""
        ...

    def verify_access_token(self, token: str) -> AccessClaims:
        """Raise ``Unauthenticated`` (code ``token_expired`` or ``invalid_token``) when bad."""
        ...


class BuyerTokens(Protocol):
    def for_order(self, order_id: UUID) -> str:
        """The buyer's access token of an order, derived from its id with a server key: the
        same every time it is asked for, so it never has to be stored (only its hash is)."""
        ...
