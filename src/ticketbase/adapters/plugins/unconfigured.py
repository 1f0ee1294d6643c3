"""The gateway when ``TICKETBASE_PLUGIN_SERVER_URL`` is unset: plugins are switched off.

Every call is ``PluginServerUnavailable`` (503 ``plugin_server_unavailable``: the client learns
plugins cannot be used right now, not that something broke), and readiness reports the plugin
server as ``not_configured``.
"""

from __future__ import annotations

from ticketbase.application.ports.health import ProbeNotConfigured
from ticketbase.application.ports.plugins import (
    PluginManifest,
    PluginServerUnavailable,
    ProxyRequest,
    ProxyResponse,
    ServiceIdentity,
)

_OFF = "no plugin server is configured"


class UnconfiguredPluginGateway:
    async def catalog(self, identity: ServiceIdentity) -> list[PluginManifest]:
        raise PluginServerUnavailable(_OFF)

    async def manifest(self, plugin_id: str, identity: ServiceIdentity) -> PluginManifest | None:
        raise PluginServerUnavailable(_OFF)

    async def install(
        self, plugin_id: str, identity: ServiceIdentity, idempotency_key: str
    ) -> None:
        raise PluginServerUnavailable(_OFF)

    async def uninstall(
        self, plugin_id: str, identity: ServiceIdentity, idempotency_key: str
    ) -> None:
        raise PluginServerUnavailable(_OFF)

    async def proxy(self, request: ProxyRequest) -> ProxyResponse:
        raise PluginServerUnavailable(_OFF)

    async def check(self) -> None:
        raise ProbeNotConfigured(_OFF)
