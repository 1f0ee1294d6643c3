"""Prometheus metrics: requests by route/method/status, latency, database pool use.

Each app instance owns its registry (tests build many apps). With several server workers each
process answers with its own figures; the README says how to aggregate them.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "HttpMetrics"]


class HttpMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._requests = Counter(
            "ticketbase_http_requests",
            "HTTP requests by route, method and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self._latency = Histogram(
            "ticketbase_http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self._problems = Counter(
            "ticketbase_problems",
            "Error answers by problem code (invalid_credentials = failed logins, rate_limited…)",
            ["code"],
            registry=self.registry,
        )
        self._pool = Gauge(
            "ticketbase_db_pool_connections",
            "Database pool connections by state",
            ["state"],
            registry=self.registry,
        )
        self._pool_reader: Callable[[], dict[str, int]] | None = None
        self._included: list[CollectorRegistry] = []

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self._requests.labels(method, route, str(status)).inc()
        self._latency.labels(method, route).observe(seconds)

    def problem(self, code: str) -> None:
        self._problems.labels(code).inc()

    def watch_pool(self, reader: Callable[[], dict[str, int]]) -> None:
        self._pool_reader = reader

    def include(self, registry: CollectorRegistry) -> None:
        """Render another registry's metrics too (the plugin usage, owned by its adapter)."""
        self._included.append(registry)

    def render(self) -> bytes:
        if self._pool_reader is not None:
            for state, value in self._pool_reader().items():
                self._pool.labels(state).set(value)
        return generate_latest(self.registry) + b"".join(
            generate_latest(registry) for registry in self._included
        )
