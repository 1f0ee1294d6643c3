"""``PUT /api/plugins/configure/{pluginId}`` ``{config}``: the tenant's configuration of an
installed plugin, validated against the JSON Schema of the plugin's manifest.

Every field that breaks the schema is named in the 422 (``config.apiKey``…). The manifest is
read from the plugin server before the transaction (no lock held over a network call); the
audit entry names the keys that changed, never their values (an API key is configuration).
"""

from __future__ import annotations

from collections.abc import Mapping

from ticketbase.application.context import Actor
from ticketbase.application.plugins.access import identity_of, manager_of
from ticketbase.application.plugins.changes import audited
from ticketbase.application.ports.plugins import ConfigValidator, PluginGateway
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.plugins.errors import InvalidPluginConfig, PluginNotFound
from ticketbase.domain.plugins.installed_plugin import InstalledPlugin, Json


class ConfigurePlugin:
    def __init__(
        self,
        uow: UnitOfWork,
        gateway: PluginGateway,
        validator: ConfigValidator,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._uow, self._gateway, self._validator = uow, gateway, validator
        self._clock, self._ids = clock, ids

    async def __call__(
        self, plugin_id: str, config: Mapping[str, Json], actor: Actor
    ) -> InstalledPlugin:
        organization_id = manager_of(actor)
        async with self._uow.for_tenant(organization_id) as tx:
            if await tx.installed_plugins.get(plugin_id) is None:
                raise PluginNotFound(f"{plugin_id} is not installed")
        manifest = await self._gateway.manifest(plugin_id, identity_of(actor, organization_id))
        if manifest is None:
            raise PluginNotFound(f"the catalog no longer has {plugin_id}")
        problems = self._validator.problems(manifest.config_schema, config)
        if problems:
            raise InvalidPluginConfig(problems)
        async with self._uow.for_tenant(organization_id) as tx:
            plugin = await tx.installed_plugins.get(plugin_id, lock=True)
            if plugin is None:
                raise PluginNotFound(f"{plugin_id} is not installed")
            now = self._clock.now()
            before = dict(plugin.config)
            plugin = plugin.configured(config, now)
            await tx.installed_plugins.save(plugin)
            changed = sorted(
                key
                for key in before.keys() | plugin.config.keys()
                if before.get(key) != plugin.config.get(key)
            )
            await audited(
                tx,
                actor,
                "plugin.configured",
                plugin,
                entry_id=self._ids.new(),
                at=now,
                changes={"changedKeys": list(changed)},
            )
            await tx.commit()
        return plugin
