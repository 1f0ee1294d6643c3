"""The plugin server, as TicketBase needs it (see PLUGIN-SERVER.md for the external contract).

One port, ``PluginGateway``, reaches the plugin server over HTTP: the catalog and manifests,
provisioning a tenant's plugin, and the proxy of plugin-defined routes. Its adapter owns the
transport rules (service token, timeouts, retries of idempotent calls only, a circuit breaker);
callers see three failures, all ``DependencyUnavailable`` so every entrypoint answers "try
again" rather than an internal error:

- ``PluginServerUnavailable``: down, refusing, or the circuit is open (HTTP 503);
- ``PluginServerTimeout``: it did not answer in time (504);
- ``PluginServerBadAnswer``: it answered something unusable — garbage, a body over the cap
  (502).

``ConfigValidator`` and ``VersionRules`` are the two rule books the plugin use cases apply
(JSON Schema, version ordering), behind ports so the application stays free of libraries.
``PluginUsage`` receives one record per call for the metrics.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from ticketbase.application.ports.errors import (
    DependencyMisbehaved,
    DependencyTimedOut,
    DependencyUnavailable,
)
from ticketbase.domain.plugins.installed_plugin import InstalledPlugin, Json, Requirement
from ticketbase.domain.shared.ids import OrganizationId, UserId

PLUGIN_SERVER = "plugin_server"


class PluginServerUnavailable(DependencyUnavailable):
    def __init__(self, reason: str = "") -> None:
        super().__init__(PLUGIN_SERVER)
        self.reason = reason


class PluginServerTimeout(DependencyTimedOut):
    def __init__(self, reason: str = "") -> None:
        super().__init__(PLUGIN_SERVER)
        self.reason = reason


class PluginServerBadAnswer(DependencyMisbehaved):
    def __init__(self, reason: str = "") -> None:
        super().__init__(PLUGIN_SERVER)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class PluginManifest:
    id: str
    name: str
    version: str
    description: str
    requires: tuple[Requirement, ...] = ()
    config_schema: Mapping[str, Json] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ServiceIdentity:
    """On whose behalf TicketBase calls: the service token's ``tenant``, ``sub`` and ``role``
    claims, and the request id forwarded as ``X-Request-ID``."""

    organization_id: OrganizationId | None
    user_id: UserId | None = None
    role: str | None = None
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class ProxyRequest:
    """A request for ``/proxy/{path}`` of the plugin server. ``path`` is already normalised
    (``normalise_proxy_path``) and still percent-encoded as the client sent it; ``headers``
    already filtered to the safe ones; ``body`` is streamed (None: no body)."""

    method: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]
    body: AsyncIterator[bytes] | None
    identity: ServiceIdentity
    plugin_id: str | None = None  # the plugin the path belongs to, for the metrics


class ProxyResponse(Protocol):
    """The plugin server's answer, body not read yet. ``body()`` streams it (raising
    ``PluginServerBadAnswer`` past the size cap, ``PluginServerTimeout`` when it stalls);
    ``aclose()`` releases the connection and must be called however the stream ended."""

    @property
    def status(self) -> int: ...

    @property
    def headers(self) -> tuple[tuple[str, str], ...]: ...

    def body(self) -> AsyncIterator[bytes]: ...

    async def aclose(self) -> None: ...


class PluginGateway(Protocol):
    async def catalog(self, identity: ServiceIdentity) -> list[PluginManifest]: ...

    async def manifest(self, plugin_id: str, identity: ServiceIdentity) -> PluginManifest | None:
        """None when the plugin server does not know it."""
        ...

    async def install(
        self, plugin_id: str, identity: ServiceIdentity, idempotency_key: str
    ) -> None:
        """Provision the tenant's plugin; the key makes a repeated call do it once."""
        ...

    async def uninstall(
        self, plugin_id: str, identity: ServiceIdentity, idempotency_key: str
    ) -> None:
        """Remove the tenant's plugin; already gone counts as done."""
        ...

    async def proxy(self, request: ProxyRequest) -> ProxyResponse: ...

    async def check(self) -> None:
        """For readiness: return when it answers, raise when not."""
        ...


class ConfigValidator(Protocol):
    def problems(
        self, schema: Mapping[str, Json], config: Mapping[str, Json]
    ) -> list[tuple[str, str]]:
        """Every place ``config`` breaks ``schema`` (a JSON Schema) as (path, message), the
        path written from ``config`` (``config.apiKey``, ``config.items[0]``); [] when valid.
        An unusable schema is one problem at ``config``."""
        ...


class VersionRules(Protocol):
    def valid(self, version: str) -> bool: ...

    def satisfies(self, version: str, minimum: str) -> bool:
        """``version`` >= ``minimum``; False when either cannot be read."""
        ...


class PluginUsage(Protocol):
    def record(
        self,
        plugin_id: str | None,
        organization_id: OrganizationId | None,
        seconds: float,
        *,
        failed: bool,
    ) -> None:
        """One call to the plugin server (the metrics keep label sets bounded)."""
        ...


class InstalledPluginRepository(Protocol):
    """The current tenant's installed plugins (a handful per tenant: read whole)."""

    async def all(self, *, lock: bool = False) -> list[InstalledPlugin]:
        """Every one, by plugin id. ``lock`` holds them until the transaction ends, so two
        dependency checks (activate A, deactivate the B it needs) cannot both pass."""
        ...

    async def get(self, plugin_id: str, *, lock: bool = False) -> InstalledPlugin | None: ...

    async def add(self, plugin: InstalledPlugin) -> None:
        """Insert; ``PluginAlreadyInstalled`` when the tenant has it already."""
        ...

    async def save(self, plugin: InstalledPlugin) -> None:
        """Write back; ``PluginNotFound`` when it is gone."""
        ...

    async def remove(self, plugin_id: str) -> bool: ...


class PluginWebhookReceipts(Protocol):
    """The status webhook bodies the current tenant accepted lately (replay protection)."""

    async def remember(self, digest: bytes, now: datetime, expires_at: datetime) -> bool:
        """Record ``digest`` until ``expires_at``; False when it is already recorded (a
        replay). Forgets the tenant's receipts that expired before ``now`` on the way."""
        ...
