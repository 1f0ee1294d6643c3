"""``/api/audit-logs``: the organization's append-only audit trail (audit:read)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from dishka.integrations.litestar import FromDishka
from litestar import Controller, get
from litestar.params import QueryParameter

from ticketbase.application.context import Actor
from ticketbase.application.identity.list_audit_log import ListAuditLog
from ticketbase.application.ports.audit import AuditEntry, AuditFilter
from ticketbase.domain.shared.ids import UserId
from ticketbase.entrypoints.http.pagination import next_cursor, page_request
from ticketbase.entrypoints.http.wire import BEARER, PageResponse, Wire


class AuditEntryWire(Wire):
    id: UUID
    at: datetime
    actor: UUID | None
    action: str
    target_type: str
    target_id: str | None
    ip: str | None
    user_agent: str | None
    request_id: str | None
    changes: dict[str, Any]


class AuditPage(PageResponse):
    items: list[AuditEntryWire]


def _wire(e: AuditEntry) -> AuditEntryWire:
    return AuditEntryWire(
        id=e.id,
        at=e.at,
        actor=e.actor_id,
        action=e.action,
        target_type=e.target_type,
        target_id=e.target_id,
        ip=e.meta.ip,
        user_agent=e.meta.user_agent,
        request_id=e.meta.request_id,
        changes=dict(e.changes),
    )


class AuditController(Controller):
    path = "/api/audit-logs"
    tags = ["audit"]
    security = BEARER

    @get("/", summary="Audit log entries, newest first (audit:read)")
    async def list_entries(
        self,
        actor: FromDishka[Actor],
        use_case: FromDishka[ListAuditLog],
        actor_id: Annotated[UUID | None, QueryParameter(name="actorId")] = None,
        action: Annotated[str | None, QueryParameter(max_length=100)] = None,
        target_type: Annotated[
            str | None, QueryParameter(name="targetType", max_length=100)
        ] = None,
        since: Annotated[datetime | None, QueryParameter(name="from")] = None,
        until: Annotated[datetime | None, QueryParameter(name="to")] = None,
        limit: Annotated[int | None, QueryParameter(ge=1, le=200)] = None,
        cursor: Annotated[str | None, QueryParameter(max_length=64)] = None,
    ) -> AuditPage:
        where = AuditFilter(
            actor_id=UserId(actor_id) if actor_id else None,
            action=action,
            target_type=target_type,
            since=since,
            until=until,
        )
        page = await use_case(where, page_request(limit, cursor), actor)
        return AuditPage(items=[_wire(e) for e in page.items], next_cursor=next_cursor(page))
