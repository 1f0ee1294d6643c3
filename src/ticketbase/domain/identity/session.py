"""A login session: one device's refresh-token chain; ending it ends its access tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ticketbase.domain.shared.ids import OrganizationId, SessionId, UserId


@dataclass(slots=True)
class Session:
    id: SessionId
    user_id: UserId
    organization_id: OrganizationId | None
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    user_agent: str | None = None
    ip: str | None = None
    revoked_at: datetime | None = None
    revoked_reason: str | None = None

    def is_active(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at

    def revoke(self, now: datetime, reason: str) -> None:
        if self.revoked_at is None:
            self.revoked_at, self.revoked_reason = now, reason
