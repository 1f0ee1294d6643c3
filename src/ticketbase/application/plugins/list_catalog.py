"""``GET /api/plugins/catalog``: the plugin server's catalog, as it answers it now."""

from __future__ import annotations

from ticketbase.application.context import Actor
from ticketbase.application.plugins.access import catalog_reader, identity_of
from ticketbase.application.ports.plugins import PluginGateway, PluginManifest


class ListPluginCatalog:
    def __init__(self, gateway: PluginGateway) -> None:
        self._gateway = gateway

    async def __call__(self, actor: Actor) -> list[PluginManifest]:
        organization_id = catalog_reader(actor)
        return await self._gateway.catalog(identity_of(actor, organization_id))
