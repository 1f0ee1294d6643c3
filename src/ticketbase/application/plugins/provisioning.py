"""The worker's side of installing and uninstalling: the outbox handlers of ``plugin.install``
and ``plugin.uninstall``.

Each asks the plugin server with the message id as ``Idempotency-Key`` (delivery is at least
once: a redelivery after a crash provisions nothing twice), then settles the row in its own
short transaction: ``installing`` → ``installed``; ``uninstalling`` → the row deleted. The row
is settled only in the state the command was written for, so a stale message (the plugin was
uninstalled, or installed again, meanwhile) changes nothing here; a tenant's plugin the row no
longer wants is removed rather than installed. Any failure raises: the outbox retries with
backoff and finally parks the message, the row staying ``installing``/``uninstalling`` (409
``plugin_busy`` to staff) until an operator looks.
"""

from __future__ import annotations

from ticketbase.application.plugins.access import system_identity
from ticketbase.application.ports.audit import JsonValue
from ticketbase.application.ports.outbox import ClaimedMessage
from ticketbase.application.ports.plugins import PluginGateway
from ticketbase.application.ports.system import Clock
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.plugins.installed_plugin import Lifecycle


def _plugin_id(payload: dict[str, JsonValue]) -> str:
    plugin_id = payload.get("pluginId")
    if not isinstance(plugin_id, str) or not plugin_id:
        raise ValueError("a plugin command names no pluginId")
    return plugin_id


class CompleteInstall:
    def __init__(self, uow: UnitOfWork, gateway: PluginGateway, clock: Clock) -> None:
        self._uow, self._gateway, self._clock = uow, gateway, clock

    async def __call__(self, message: ClaimedMessage) -> None:
        plugin_id = _plugin_id(message.payload)
        async with self._uow.for_tenant(message.organization_id) as tx:
            plugin = await tx.installed_plugins.get(plugin_id)
        if plugin is None or plugin.status != Lifecycle.INSTALLING:
            return  # uninstalled (or settled by an earlier delivery) meanwhile
        identity = system_identity(message.organization_id)
        await self._gateway.install(plugin_id, identity, str(message.id))
        async with self._uow.for_tenant(message.organization_id) as tx:
            plugin = await tx.installed_plugins.get(plugin_id, lock=True)
            if plugin is not None and plugin.status == Lifecycle.INSTALLING:
                await tx.installed_plugins.save(plugin.installed(self._clock.now()))
                await tx.commit()


class CompleteUninstall:
    def __init__(self, uow: UnitOfWork, gateway: PluginGateway) -> None:
        self._uow, self._gateway = uow, gateway

    async def __call__(self, message: ClaimedMessage) -> None:
        plugin_id = _plugin_id(message.payload)
        async with self._uow.for_tenant(message.organization_id) as tx:
            plugin = await tx.installed_plugins.get(plugin_id)
        if plugin is not None and plugin.status != Lifecycle.UNINSTALLING:
            return  # installed again meanwhile: that install's own command provisions it
        identity = system_identity(message.organization_id)
        await self._gateway.uninstall(plugin_id, identity, str(message.id))
        async with self._uow.for_tenant(message.organization_id) as tx:
            plugin = await tx.installed_plugins.get(plugin_id, lock=True)
            if plugin is not None and plugin.status == Lifecycle.UNINSTALLING:
                await tx.installed_plugins.remove(plugin_id)
                await tx.commit()
