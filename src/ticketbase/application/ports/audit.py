"""The audit trail: one append-only entry per mutation or security event."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from uuid import UUID

from ticketbase.application.context import RequestMeta
from ticketbase.application.pagination import Page, PageRequest
from ticketbase.domain.shared.ids import UserId

JsonValue = str | int | float | bool | None | list["JsonValue"] | dict[str, "JsonValue"]


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: UUID
    at: datetime
    actor_id: UserId | None
    action: str
    target_type: str
    target_id: str | None
    meta: RequestMeta = field(default_factory=RequestMeta)
    changes: dict[str, JsonValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AuditFilter:
    actor_id: UserId | None = None
    action: str | None = None
    target_type: str | None = None
    since: datetime | None = None
    until: datetime | None = None


class AuditLog(Protocol):
    async def append(self, entry: AuditEntry) -> None: ...

    async def entries(self, where: AuditFilter, page: PageRequest) -> Page[AuditEntry]: ...


@dataclass(frozen=True, slots=True)
class SecurityEvent:
    """A security-relevant happening (failed login, refresh-token reuse, lockout…), kept globally
    because it may have no organization (an unknown email) or no user."""

    id: UUID
    at: datetime
    kind: str
    user_id: UserId | None = None
    organization_id: UUID | None = None
    meta: RequestMeta = field(default_factory=RequestMeta)
    detail: dict[str, JsonValue] = field(default_factory=dict)


class SecurityEventLog(Protocol):
    async def record(self, event: SecurityEvent) -> None: ...
