"""Readiness of the plugin server: reported, never failing the API's readiness.

The API serves without plugins (only the plugin routes answer 503), so a plugin server that
is down makes ``/health/ready`` say ``degraded`` for it while the answer stays 200. The check
goes through the gateway, circuit breaker included: an open circuit is reported at once.
"""

from __future__ import annotations

from ticketbase.application.ports.plugins import PluginGateway


class PluginServerProbe:
    name = "pluginServer"
    optional = True

    def __init__(self, gateway: PluginGateway) -> None:
        self._gateway = gateway

    async def check(self) -> None:
        await self._gateway.check()
