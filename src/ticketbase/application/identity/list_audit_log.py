"""Read the organization's audit log, newest first, with filters."""

from __future__ import annotations

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.pagination import Page, PageRequest
from ticketbase.application.ports.audit import AuditEntry, AuditFilter
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.permissions import Permission


class ListAuditLog:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(
        self, where: AuditFilter, page: PageRequest, actor: Actor
    ) -> Page[AuditEntry]:
        organization_id = require(actor, Permission.AUDIT_READ)
        async with self._uow.for_tenant(organization_id) as tx:
            return await tx.audit.entries(where, page)
