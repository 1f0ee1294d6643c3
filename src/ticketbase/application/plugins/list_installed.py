"""``GET /api/plugins/installed/{tenantId}``: a tenant's installed plugins, read from TicketBase
(it answers while the plugin server is down). A member reads its own organization's; another
tenant's id answers 404 as if it did not exist; platform administrators read any."""

from __future__ import annotations

from ticketbase.application.context import Actor
from ticketbase.application.plugins.access import member_of
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.plugins.installed_plugin import InstalledPlugin
from ticketbase.domain.shared.errors import NotFound
from ticketbase.domain.shared.ids import OrganizationId


class ListInstalledPlugins:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, tenant_id: OrganizationId, actor: Actor) -> list[InstalledPlugin]:
        if actor.is_platform_admin:
            async with self._uow.lookups() as lookups:
                if await lookups.organization_by_id(tenant_id) is None:
                    raise NotFound("no such organization")
        elif member_of(actor) != tenant_id:
            raise NotFound("no such organization")
        async with self._uow.for_tenant(tenant_id) as tx:
            return await tx.installed_plugins.all()
