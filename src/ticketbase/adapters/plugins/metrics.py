"""Plugin usage in Prometheus: calls, errors and latency per plugin, calls and errors per tenant.

Label sets stay bounded, because every label value is a time series kept for the process's life:

- ``plugin`` is an id the plugin server's own answers named (the gateway passes None for any
  other: ``other``), or ``none`` for calls that concern no plugin (the catalog);
- ``organization`` is an organization id only for the first ``max_tenants`` organizations this
  process sees; every later one is counted under ``other``. The per-tenant counters carry no
  histogram (latency is per plugin only): a tenant costs two series at most. With the default
  100 that is 200 series per process, whatever the number of tenants; raise
  ``TICKETBASE_PLUGIN_METRICS_MAX_TENANTS`` where the scrape can take it.

The registry is this object's own; ``/metrics`` renders it next to the HTTP metrics.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

from ticketbase.domain.shared.ids import OrganizationId

OTHER = "other"
NONE = "none"


class PrometheusPluginUsage:
    def __init__(self, *, max_tenants: int = 100) -> None:
        if max_tenants < 0:
            raise ValueError("max_tenants cannot be negative")
        self.registry = CollectorRegistry()
        self._max_tenants = max_tenants
        self._tenants: set[str] = set()
        self._calls = Counter(
            "ticketbase_plugin_calls",
            "Calls to the plugin server by plugin (proxied requests included)",
            ["plugin"],
            registry=self.registry,
        )
        self._errors = Counter(
            "ticketbase_plugin_errors",
            "Failed calls to the plugin server by plugin (unreachable, slow, bad answer, 5xx)",
            ["plugin"],
            registry=self.registry,
        )
        self._latency = Histogram(
            "ticketbase_plugin_call_duration_seconds",
            "Plugin server call latency by plugin (a proxied request: until its body is done)",
            ["plugin"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
        self._tenant_calls = Counter(
            "ticketbase_plugin_tenant_calls",
            "Calls to the plugin server by organization (the first N seen, the rest as other)",
            ["organization"],
            registry=self.registry,
        )
        self._tenant_errors = Counter(
            "ticketbase_plugin_tenant_errors",
            "Failed calls to the plugin server by organization (bounded like the calls)",
            ["organization"],
            registry=self.registry,
        )

    def record(
        self,
        plugin_id: str | None,
        organization_id: OrganizationId | None,
        seconds: float,
        *,
        failed: bool,
    ) -> None:
        plugin = plugin_id or NONE
        self._calls.labels(plugin).inc()
        self._latency.labels(plugin).observe(max(seconds, 0.0))
        if failed:
            self._errors.labels(plugin).inc()
        if organization_id is None:
            return
        tenant = self._tenant_label(str(organization_id))
        self._tenant_calls.labels(tenant).inc()
        if failed:
            self._tenant_errors.labels(tenant).inc()

    def _tenant_label(self, organization: str) -> str:
        if organization in self._tenants:
            return organization
        if len(self._tenants) < self._max_tenants:
            self._tenants.add(organization)
            return organization
        return OTHER
