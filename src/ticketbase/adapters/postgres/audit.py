"""The audit trail in PostgreSQL: insert only (the app role has no UPDATE or DELETE on it)."""

from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from ticketbase.adapters.postgres.tables import audit_log
from ticketbase.application.ports.audit import AuditEntry
from ticketbase.domain.shared.ids import OrganizationId


class PostgresAuditLog:
    def __init__(self, connection: AsyncConnection, organization_id: OrganizationId) -> None:
        self._c = connection
        self._organization_id = organization_id

    async def append(self, entry: AuditEntry) -> None:
        await self._c.execute(
            insert(audit_log).values(
                organization_id=self._organization_id,
                id=entry.id,
                at=entry.at,
                actor_id=entry.actor_id,
                action=entry.action,
                target_type=entry.target_type,
                target_id=entry.target_id,
                ip=entry.meta.ip,
                user_agent=entry.meta.user_agent,
                request_id=entry.meta.request_id,
                changes=entry.changes,
            )
        )
