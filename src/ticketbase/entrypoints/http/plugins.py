"""Plugins (API.md "Plugins", PLUGIN-SERVER.md): the catalog, a tenant's installed plugins and
their lifecycle, the proxy of plugin routes, and the plugin server's status webhook."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote
from uuid import UUID

from dishka.integrations.litestar import FromDishka
from litestar import Controller, HttpMethod, Request, Response, delete, get, post, put, route
from litestar.background_tasks import BackgroundTask
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody
from litestar.response import Stream

from ticketbase.application.context import Actor
from ticketbase.application.plugins.activate_plugin import ActivatePlugin
from ticketbase.application.plugins.configure_plugin import ConfigurePlugin
from ticketbase.application.plugins.install_plugin import InstallPlugin
from ticketbase.application.plugins.list_catalog import ListPluginCatalog
from ticketbase.application.plugins.list_installed import ListInstalledPlugins
from ticketbase.application.plugins.proxy import ProxyCall, ProxyToPluginServer
from ticketbase.application.plugins.record_status import RecordPluginStatus
from ticketbase.application.plugins.uninstall_plugin import UninstallPlugin
from ticketbase.application.ports.plugins import PluginManifest
from ticketbase.domain.plugins.installed_plugin import InstalledPlugin
from ticketbase.domain.shared.ids import OrganizationId
from ticketbase.entrypoints.http.problems import PROBLEM_JSON, Problem
from ticketbase.entrypoints.http.wire import BEARER, Wire

PROXY_ROOT = "/api/plugins/proxy/"
_UPSTREAM = {
    502: "The plugin server answered something unusable (garbage, or a body over the limit)",
    503: "The plugin server is down, unconfigured, or its circuit is open",
    504: "The plugin server did not answer in time",
}
UPSTREAM_PROBLEMS = {
    status: ResponseSpec(
        Problem, description=text, media_type=PROBLEM_JSON, generate_examples=False
    )
    for status, text in _UPSTREAM.items()
}

# A plugin route answers what it answers: its own statuses pass through with its body.
PLUGIN_ANSWERS = {
    status: ResponseSpec(
        None,
        description=f"The plugin's answer ({status})",
        media_type="*/*",
        generate_examples=False,
    )
    for status in (201, 202, 204, 304)
}


class RequirementResponse(Wire):
    plugin_id: str
    min_version: str | None


class PluginManifestResponse(Wire):
    id: str
    name: str
    version: str
    description: str
    requires: list[RequirementResponse]
    config_schema: dict[str, Any]


class PluginCatalogResponse(Wire):
    items: list[PluginManifestResponse]


class InstalledPluginResponse(Wire):
    plugin_id: str
    version: str
    active: bool
    config: dict[str, Any]
    status: str
    status_detail: str | None
    requires: list[RequirementResponse]
    created_at: str
    updated_at: str


class InstalledPluginsResponse(Wire):
    items: list[InstalledPluginResponse]


class ConfigurePluginRequest(Wire):
    config: dict[str, Any]


class ActivatePluginRequest(Wire):
    active: bool


def manifest_response(manifest: PluginManifest) -> PluginManifestResponse:
    return PluginManifestResponse(
        id=manifest.id,
        name=manifest.name,
        version=manifest.version,
        description=manifest.description,
        requires=[
            RequirementResponse(plugin_id=r.plugin_id, min_version=r.min_version)
            for r in manifest.requires
        ],
        config_schema=dict(manifest.config_schema),
    )


def installed_response(plugin: InstalledPlugin) -> InstalledPluginResponse:
    return InstalledPluginResponse(
        plugin_id=plugin.plugin_id,
        version=plugin.version,
        active=plugin.active,
        config=dict(plugin.config),
        status=plugin.status,
        status_detail=plugin.status_detail,
        requires=[
            RequirementResponse(plugin_id=r.plugin_id, min_version=r.min_version)
            for r in plugin.requires
        ],
        created_at=_rfc3339(plugin.created_at.isoformat()),
        updated_at=_rfc3339(plugin.updated_at.isoformat()),
    )


def _rfc3339(value: str) -> str:
    return value.replace("+00:00", "Z")


class PluginController(Controller):
    path = "/api/plugins"
    tags = ["plugins"]
    security = BEARER

    @get(
        "/catalog",
        summary="The plugin server's catalog",
        description="Any member of an organization (and platform administrators). Read from the"
        " plugin server at each call: 503 `plugin_server_unavailable` when it is down or not"
        " configured, 504 when slow, 502 when its answer is unusable.",
        responses=UPSTREAM_PROBLEMS,
    )
    async def catalog(
        self, actor: FromDishka[Actor], use_case: FromDishka[ListPluginCatalog]
    ) -> PluginCatalogResponse:
        return PluginCatalogResponse(items=[manifest_response(m) for m in await use_case(actor)])

    @get(
        "/installed/{tenantId:uuid}",
        summary="A tenant's installed plugins",
        description="`tenantId` must be the caller's organization (platform administrators: any);"
        " another tenant's answers 404. Read from TicketBase: it answers while the plugin server"
        " is down. `status` is `installing`/`uninstalling` until the worker has done it, then"
        " `installed` or what the plugin server last reported.",
    )
    async def installed(
        self,
        tenantId: FromPath[UUID],  # the name API.md gives it
        actor: FromDishka[Actor],
        use_case: FromDishka[ListInstalledPlugins],
    ) -> InstalledPluginsResponse:
        plugins = await use_case(OrganizationId(tenantId), actor)
        return InstalledPluginsResponse(items=[installed_response(p) for p in plugins])

    @post(
        "/install/{pluginId:str}",
        status_code=202,
        summary="Install a plugin of the catalog",
        description="Needs `plugins:manage`. Answers 202 with the plugin `installing`: the worker"
        " asks the plugin server and marks it `installed`. Unknown plugin 404; installed already"
        " 409 `plugin_already_installed`.",
        responses=UPSTREAM_PROBLEMS,
    )
    async def install(
        self,
        pluginId: FromPath[str],  # the name API.md gives it
        actor: FromDishka[Actor],
        use_case: FromDishka[InstallPlugin],
    ) -> InstalledPluginResponse:
        return installed_response(await use_case(pluginId, actor))

    @delete(
        "/installed/{pluginId:str}",
        status_code=202,
        summary="Uninstall a plugin",
        description="Needs `plugins:manage`. Answers 202 with the plugin `uninstalling` (and"
        " inactive); the worker asks the plugin server and removes it. 409 `plugin_required`"
        " naming the active plugins that require it; 409 `plugin_busy` while it is being"
        " installed or uninstalled.",
    )
    async def uninstall(
        self,
        pluginId: FromPath[str],  # the name API.md gives it
        actor: FromDishka[Actor],
        use_case: FromDishka[UninstallPlugin],
    ) -> InstalledPluginResponse:
        return installed_response(await use_case(pluginId, actor))

    @put(
        "/configure/{pluginId:str}",
        summary="Configure an installed plugin",
        description="Needs `plugins:manage`. `config` is validated against the JSON Schema of the"
        " plugin's manifest: 422 `validation_failed` with every failing field as a path from"
        " `config` (`config.apiKey`, `config.items[0]`).",
        responses=UPSTREAM_PROBLEMS,
    )
    async def configure(
        self,
        pluginId: FromPath[str],  # the name API.md gives it
        data: JSONBody[ConfigurePluginRequest],
        actor: FromDishka[Actor],
        use_case: FromDishka[ConfigurePlugin],
    ) -> InstalledPluginResponse:
        return installed_response(await use_case(pluginId, data.config, actor))

    @post(
        "/activate/{pluginId:str}",
        status_code=200,
        summary="Activate or deactivate an installed plugin",
        description="Needs `plugins:manage`. Activating checks the manifest's `requires`: each"
        " plugin installed, active and at least its `minVersion` → 409"
        " `plugin_dependencies_missing` naming what is missing (`b>=2.0`). Deactivating a plugin"
        " active plugins require → 409 `plugin_required` naming them.",
    )
    async def activate(
        self,
        pluginId: FromPath[str],  # the name API.md gives it
        data: JSONBody[ActivatePluginRequest],
        actor: FromDishka[Actor],
        use_case: FromDishka[ActivatePlugin],
    ) -> InstalledPluginResponse:
        return installed_response(await use_case(pluginId, data.active, actor))


async def _any_body(request: Request[Any, Any, Any]) -> None:
    """The proxy forwards bodies of any type: no JSON check here (the app's default)."""


def _raw_proxy_path(request: Request[Any, Any, Any]) -> str:
    """The path below the proxy root as the client sent it, escapes and all."""
    raw = request.scope.get("raw_path")
    full = raw.decode("latin-1") if isinstance(raw, bytes) else quote(request.scope["path"])
    return full[len(PROXY_ROOT) :] if full.startswith(PROXY_ROOT) else ""


def _has_body(request: Request[Any, Any, Any]) -> bool:
    length = request.headers.get("content-length")
    return "transfer-encoding" in request.headers or (length is not None and length != "0")


class PluginProxyController(Controller):
    path = "/api/plugins/proxy"
    tags = ["plugins"]
    security = BEARER

    @route(
        "/{path:path}",
        http_method=[
            HttpMethod.GET,
            HttpMethod.POST,
            HttpMethod.PUT,
            HttpMethod.PATCH,
            HttpMethod.DELETE,
        ],
        before_request=_any_body,
        media_type="*/*",  # whatever the plugin answers
        status_code=200,
        summary="A plugin's own route, forwarded to the plugin server",
        description="Any member of an organization. Method, query, body (streamed, at most the"
        " API's body limit → 413) and safe headers (`Content-Type`, `Accept`, `If-None-Match`…;"
        " never `Authorization`, cookies or hop-by-hop headers) go to the plugin server's"
        " `/proxy/{path}` with the tenant, the caller and the request id. Paths that could"
        " leave the proxy root (`..`, `%2e%2e`, `%2f`, backslashes, `//host`, `http:`) are 422."
        " The answer streams back with its status and safe headers (never `Set-Cookie`); over"
        " the size limit → 502. Down or circuit open → 503 `plugin_server_unavailable`; slow →"
        " 504.",
        responses=UPSTREAM_PROBLEMS | PLUGIN_ANSWERS,
    )
    async def proxy(
        self,
        request: Request[Any, Any, Any],
        actor: FromDishka[Actor],
        use_case: FromDishka[ProxyToPluginServer],
    ) -> Stream:
        body: AsyncIterator[bytes] | None = request.stream() if _has_body(request) else None
        query = request.scope.get("query_string", b"")
        answer = await use_case(
            ProxyCall(
                method=request.method,
                raw_path=_raw_proxy_path(request),
                query=query.decode("latin-1") if isinstance(query, bytes) else "",
                headers=request.headers.items(),
                body=body,
            ),
            actor,
        )
        headers = dict(answer.headers)
        return Stream(
            answer.response.body(),
            status_code=answer.status,
            headers={k: v for k, v in headers.items() if k != "content-type"},
            media_type=headers.get("content-type", "application/octet-stream"),
            background=BackgroundTask(answer.response.aclose),
        )


class PluginWebhookController(Controller):
    path = "/api/plugins/webhooks"
    tags = ["plugins"]

    @post(
        "/status",
        status_code=204,
        summary="The plugin server reports a tenant's plugin status",
        description="Called by the plugin server (PLUGIN-SERVER.md). `X-Signature: sha256=<hex"
        " HMAC-SHA256 of the raw body>` with the shared secret → else 401 `invalid_signature`;"
        " `at` within the tolerance of now → else 401 `webhook_expired`; a body received before"
        " → 409 `webhook_replayed`. Unknown tenant or plugin 404. Records the status and"
        " announces `plugin.status_changed` to the tenant's real-time clients.",
    )
    async def status(
        self, request: Request[Any, Any, Any], use_case: FromDishka[RecordPluginStatus]
    ) -> Response[None]:
        await use_case(await request.body(), request.headers.get("x-signature"))
        return Response(None, status_code=204)
