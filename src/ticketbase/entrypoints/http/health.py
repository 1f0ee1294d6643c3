"""Liveness, readiness and metrics."""

from __future__ import annotations

import asyncio

import structlog
from dishka.integrations.litestar import FromDishka
from litestar import Controller, MediaType, Response, get
from litestar.openapi import ResponseSpec

from ticketbase.application.ports.health import Probe, ProbeNotConfigured
from ticketbase.entrypoints.http.metrics import CONTENT_TYPE_LATEST, HttpMetrics
from ticketbase.entrypoints.http.wire import Wire

PROBE_TIMEOUT_SECONDS = 2.0
log = structlog.get_logger()


class Live(Wire):
    status: str


class Ready(Wire):
    status: str
    checks: dict[str, str]


class HealthController(Controller):
    path = "/health"
    tags = ["operations"]

    @get("/live", summary="The process runs")
    async def live(self) -> Live:
        return Live(status="ok")

    @get(
        "/ready",
        summary="Every configured adapter answers",
        responses={
            503: ResponseSpec(
                Ready, description="Something is down: `checks` names it", generate_examples=False
            )
        },
    )
    async def ready(self, probes: FromDishka[list[Probe]]) -> Response[Ready]:
        results = await asyncio.gather(*(_run(p) for p in probes))
        checks = dict(results)
        healthy = all(v in _SERVING for v in checks.values())
        status = "ok" if healthy else "unavailable"
        if healthy and "degraded" in checks.values():
            status = "degraded"
        return Response(
            Ready(status=status, checks=checks),
            status_code=200 if healthy else 503,
            headers={"cache-control": "no-store"},
        )


# "degraded": an optional dependency is down; the API serves without it.
_SERVING = frozenset({"ok", "not_configured", "degraded"})


async def _run(probe: Probe) -> tuple[str, str]:
    try:
        await asyncio.wait_for(probe.check(), PROBE_TIMEOUT_SECONDS)
    except ProbeNotConfigured:
        return probe.name, "not_configured"
    except Exception as error:
        log.warning("probe_failed", probe=probe.name, error=type(error).__name__)
        return probe.name, "degraded" if getattr(probe, "optional", False) else "down"
    return probe.name, "ok"


def metrics_handler(metrics: HttpMetrics) -> object:
    @get("/metrics", include_in_schema=False, sync_to_thread=False, media_type=MediaType.TEXT)
    def render() -> Response[bytes]:
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    return render
