"""``POST /api/plugins/install/{pluginId}``: install a plugin of the catalog for the tenant.

Two systems change, so the change is split at the outbox: this transaction writes the row
(``installing``), the ``plugin.install`` command and the audit entry together; the worker asks
the plugin server (``CompleteInstall``, idempotent by the message id) and marks the row
``installed``. A crash on either side leaves a row and a message the worker finishes; a
rolled-back request leaves neither. The manifest is read first (outside the transaction): an
unknown plugin is 404 and the row records the version and requirements it was installed with.
"""

from __future__ import annotations

from ticketbase.application.context import Actor
from ticketbase.application.plugins.access import PLUGIN_INSTALL, identity_of, manager_of
from ticketbase.application.plugins.changes import announce, audited, view
from ticketbase.application.ports.plugins import PluginGateway
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.plugins.errors import PluginAlreadyInstalled, PluginNotFound
from ticketbase.domain.plugins.installed_plugin import InstalledPlugin


class InstallPlugin:
    def __init__(
        self, uow: UnitOfWork, gateway: PluginGateway, clock: Clock, ids: IdGenerator
    ) -> None:
        self._uow, self._gateway, self._clock, self._ids = uow, gateway, clock, ids

    async def __call__(self, plugin_id: str, actor: Actor) -> InstalledPlugin:
        organization_id = manager_of(actor)
        manifest = await self._gateway.manifest(plugin_id, identity_of(actor, organization_id))
        if manifest is None:
            raise PluginNotFound(f"the catalog has no plugin {plugin_id!r}")
        async with self._uow.for_tenant(organization_id) as tx:
            if await tx.installed_plugins.get(plugin_id) is not None:
                raise PluginAlreadyInstalled(f"{plugin_id} is already installed")
            now = self._clock.now()
            plugin = InstalledPlugin.installing(
                organization_id, manifest.id, manifest.version, manifest.requires, now
            )
            await tx.installed_plugins.add(plugin)
            await announce(tx, PLUGIN_INSTALL, view(plugin), message_id=self._ids.new(), at=now)
            await audited(
                tx,
                actor,
                "plugin.installed",
                plugin,
                entry_id=self._ids.new(),
                at=now,
                changes={"version": plugin.version},
            )
            await tx.commit()
        return plugin
