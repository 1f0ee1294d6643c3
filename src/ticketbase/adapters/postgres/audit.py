"""The audit trail in PostgreSQL: insert only (the app role has no UPDATE or DELETE on it)."""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from ticketbase.adapters.postgres.tables import audit_log
from ticketbase.application.context import RequestMeta
from ticketbase.application.pagination import Page, PageRequest
from ticketbase.application.ports.audit import AuditEntry, AuditFilter
from ticketbase.domain.shared.ids import OrganizationId, UserId


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

    async def entries(self, where: AuditFilter, page: PageRequest) -> Page[AuditEntry]:
        t = audit_log.c
        statement = select(audit_log).order_by(t.id.desc()).limit(page.fetch)
        if where.actor_id is not None:
            statement = statement.where(t.actor_id == where.actor_id)
        if where.action is not None:
            statement = statement.where(t.action == where.action)
        if where.target_type is not None:
            statement = statement.where(t.target_type == where.target_type)
        if where.since is not None:
            statement = statement.where(t.at >= where.since)
        if where.until is not None:
            statement = statement.where(t.at < where.until)
        if page.after is not None:
            statement = statement.where(t.id < page.after)
        rows = (await self._c.execute(statement)).mappings()
        found = [
            AuditEntry(
                id=r["id"],
                at=r["at"],
                actor_id=UserId(r["actor_id"]) if r["actor_id"] else None,
                action=r["action"],
                target_type=r["target_type"],
                target_id=r["target_id"],
                meta=RequestMeta(
                    ip=r["ip"], user_agent=r["user_agent"], request_id=r["request_id"]
                ),
                changes=r["changes"],
            )
            for r in rows
        ]
        return Page.from_rows(found, page, key=lambda e: e.id)
