"""``/api/plugins/proxy/{path}`` (every method): a plugin's own route, forwarded to the plugin
server for a member of the tenant, with the caller's identity in the service token.

The path and headers pass ``proxy_rules``; the bodies stream both ways (the size limits are
the entrypoint's for the request and the gateway's for the answer). The caller closes the
answer (``aclose``) however its body ended.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass

from ticketbase.application.context import Actor
from ticketbase.application.plugins.access import identity_of, member_of
from ticketbase.application.plugins.proxy_rules import (
    forwardable_request_headers,
    forwardable_response_headers,
    normalise_proxy_path,
    plugin_of,
)
from ticketbase.application.ports.plugins import PluginGateway, ProxyRequest, ProxyResponse


@dataclass(frozen=True, slots=True)
class ProxyCall:
    method: str
    raw_path: str  # below the proxy root, percent-encoded as received
    query: str
    headers: Iterable[tuple[str, str]]
    body: AsyncIterator[bytes] | None


@dataclass(frozen=True, slots=True)
class ProxiedAnswer:
    status: int
    headers: tuple[tuple[str, str], ...]
    response: ProxyResponse


class ProxyToPluginServer:
    def __init__(self, gateway: PluginGateway) -> None:
        self._gateway = gateway

    async def __call__(self, call: ProxyCall, actor: Actor) -> ProxiedAnswer:
        organization_id = member_of(actor)
        path = normalise_proxy_path(call.raw_path)
        response = await self._gateway.proxy(
            ProxyRequest(
                method=call.method.upper(),
                path=path,
                query=call.query,
                headers=forwardable_request_headers(call.headers),
                body=call.body,
                identity=identity_of(actor, organization_id),
                plugin_id=plugin_of(path),
            )
        )
        return ProxiedAnswer(
            response.status, forwardable_response_headers(response.headers), response
        )
