"""``DELETE /api/plugins/installed/{pluginId}``: remove a plugin from the tenant.

Like installing, split at the outbox: the row turns ``uninstalling`` (inactive at once, so
nothing uses it meanwhile) with the ``plugin.uninstall`` command and the audit entry; the
worker asks the plugin server to remove it and deletes the row (``CompleteUninstall``). A
plugin that active plugins require is refused (409 naming them); one being installed or
uninstalled is 409 ``plugin_busy``.
"""

from __future__ import annotations

from ticketbase.application.context import Actor
from ticketbase.application.plugins.access import PLUGIN_UNINSTALL, manager_of
from ticketbase.application.plugins.changes import announce, audited, view
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.plugins.errors import PluginNotFound
from ticketbase.domain.plugins.installed_plugin import InstalledPlugin


class UninstallPlugin:
    def __init__(self, uow: UnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    async def __call__(self, plugin_id: str, actor: Actor) -> InstalledPlugin:
        organization_id = manager_of(actor)
        async with self._uow.for_tenant(organization_id) as tx:
            installed = await tx.installed_plugins.all(lock=True)
            plugin = next((p for p in installed if p.plugin_id == plugin_id), None)
            if plugin is None:
                raise PluginNotFound(f"{plugin_id} is not installed")
            now = self._clock.now()
            plugin = plugin.uninstalling(installed, now)
            await tx.installed_plugins.save(plugin)
            await announce(tx, PLUGIN_UNINSTALL, view(plugin), message_id=self._ids.new(), at=now)
            await audited(tx, actor, "plugin.uninstalled", plugin, entry_id=self._ids.new(), at=now)
            await tx.commit()
        return plugin
