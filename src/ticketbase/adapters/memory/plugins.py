"""Installed plugins and webhook receipts in memory, with PostgreSQL's rules (a tenant sees
only its own; the key is (organization, plugin id); nothing kept unless committed)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ticketbase.domain.plugins.errors import PluginAlreadyInstalled, PluginNotFound
from ticketbase.domain.plugins.installed_plugin import InstalledPlugin
from ticketbase.domain.shared.ids import OrganizationId

if TYPE_CHECKING:
    from ticketbase.adapters.memory.unit_of_work import MemoryState


class MemoryInstalledPlugins:
    def __init__(self, state: MemoryState, organization_id: OrganizationId) -> None:
        self._state, self._org = state, organization_id

    def _mine(self) -> dict[str, InstalledPlugin]:
        return self._state.installed_plugins.setdefault(self._org, {})

    async def all(self, *, lock: bool = False) -> list[InstalledPlugin]:
        return [self._mine()[key] for key in sorted(self._mine())]

    async def get(self, plugin_id: str, *, lock: bool = False) -> InstalledPlugin | None:
        return self._mine().get(plugin_id)

    async def add(self, plugin: InstalledPlugin) -> None:
        assert plugin.organization_id == self._org, "rejected by row level security"
        if plugin.plugin_id in self._mine():
            raise PluginAlreadyInstalled(f"{plugin.plugin_id} is already installed")
        self._mine()[plugin.plugin_id] = plugin

    async def save(self, plugin: InstalledPlugin) -> None:
        if plugin.plugin_id not in self._mine():
            raise PluginNotFound(f"{plugin.plugin_id} is not installed")
        self._mine()[plugin.plugin_id] = plugin

    async def remove(self, plugin_id: str) -> bool:
        return self._mine().pop(plugin_id, None) is not None


class MemoryPluginWebhookReceipts:
    def __init__(self, state: MemoryState, organization_id: OrganizationId) -> None:
        self._state, self._org = state, organization_id

    async def remember(self, digest: bytes, now: datetime, expires_at: datetime) -> bool:
        mine = self._state.plugin_webhook_receipts.setdefault(self._org, {})
        for old in [d for d, until in mine.items() if until < now]:
            del mine[old]
        if digest in mine:
            return False
        mine[digest] = expires_at
        return True
