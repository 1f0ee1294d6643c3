"""Who is calling: built by an entrypoint from a verified token, passed to every use case."""

from __future__ import annotations

from dataclasses import dataclass, field

from ticketbase.domain.identity.permissions import Permission, Role
from ticketbase.domain.shared.ids import OrganizationId, SessionId, UserId


@dataclass(frozen=True, slots=True)
class RequestMeta:
    """Where a call came from, recorded in the audit log."""

    ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class Actor:
    """An authenticated caller; ``organization_id`` is set when it acts as a member of a tenant."""

    user_id: UserId
    session_id: SessionId
    organization_id: OrganizationId | None = None
    role: Role | None = None
    permissions: frozenset[Permission] = frozenset()
    is_platform_admin: bool = False
    meta: RequestMeta = field(default_factory=RequestMeta)
