"""HttpPluginGateway against the fake plugin server over real sockets: the service token,
retries only where they are safe, the circuit breaker, and the usage it reports."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from uuid import UUID

import httpx
import jwt
import pytest
from tests.fakes.plugin_server import DEFAULT_SECRET, FakePluginServer, manifest

from ticketbase.adapters.plugins.circuit_breaker import CircuitBreaker
from ticketbase.adapters.plugins.http_gateway import GatewayLimits, HttpPluginGateway
from ticketbase.adapters.plugins.metrics import PrometheusPluginUsage
from ticketbase.adapters.plugins.service_token import ServiceTokens
from ticketbase.application.ports.plugins import (
    PluginServerBadAnswer,
    PluginServerTimeout,
    PluginServerUnavailable,
    ProxyRequest,
    ServiceIdentity,
)
from ticketbase.domain.shared.ids import OrganizationId, UserId

pytestmark = pytest.mark.anyio

ORG = OrganizationId(UUID(int=7))
WHO = ServiceIdentity(ORG, UserId(UUID(int=8)), "admin", "req-1")


@pytest.fixture
def fake() -> Iterator[FakePluginServer]:
    server = FakePluginServer()
    server.add(manifest("seating", "1.2.0", requires=[{"pluginId": "payments"}]))
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def gateway(fake: FakePluginServer) -> AsyncIterator[HttpPluginGateway]:
    async def no_pause(seconds: float) -> None:
        return None

    async with httpx.AsyncClient() as client:
        yield HttpPluginGateway(
            fake.url,
            ServiceTokens(DEFAULT_SECRET),
            client,
            PrometheusPluginUsage(max_tenants=1),
            limits=GatewayLimits(connect_timeout=0.5, read_timeout=0.5, max_attempts=3),
            breaker=CircuitBreaker(failure_threshold=10, open_seconds=60),
            sleep=no_pause,
        )


async def test_every_call_carries_a_short_lived_service_token_reused_while_fresh(
    gateway: HttpPluginGateway, fake: FakePluginServer
) -> None:
    [seating] = await gateway.catalog(WHO)
    assert seating.version == "1.2.0"
    assert await gateway.manifest("seating", WHO) is not None
    assert await gateway.manifest("unknown", WHO) is None
    first, second, _ = fake.requests
    assert first.headers["authorization"] == second.headers["authorization"]
    claims = jwt.decode(
        first.headers["authorization"].removeprefix("Bearer "),
        DEFAULT_SECRET,
        algorithms=["HS256"],
        audience="plugin-server",
        issuer="ticketbase-api",
    )
    assert claims["tenant"] == str(ORG)
    assert claims["sub"] == str(UUID(int=8))
    assert claims["role"] == "admin"
    assert claims["exp"] - claims["iat"] == 60
    assert first.headers["x-tenant-id"] == str(ORG)
    assert first.headers["x-request-id"] == "req-1"


async def test_idempotent_calls_are_retried_and_install_is_not(
    gateway: HttpPluginGateway, fake: FakePluginServer
) -> None:
    fake.fail_next(2, 503)
    assert len(await gateway.catalog(WHO)) == 1  # third attempt
    assert len(fake.calls("GET", "/plugins")) == 3

    fake.fail_next(1, 503)
    with pytest.raises(PluginServerUnavailable):
        await gateway.install("seating", WHO, "key-1")
    assert len(fake.calls("POST", "/tenants/")) == 1  # POST: never repeated here

    await gateway.install("seating", WHO, "key-1")
    await gateway.install("seating", WHO, "key-1")  # the outbox's redelivery
    assert fake.install_calls == 1
    fake.fail_next(1, 502)
    await gateway.uninstall("seating", WHO, "key-2")  # DELETE: retried
    await gateway.uninstall("seating", WHO, "key-2")  # gone already counts as done
    assert (str(ORG), "seating") not in fake.installed


async def test_a_streamed_body_is_sent_once_even_for_put(
    gateway: HttpPluginGateway, fake: FakePluginServer
) -> None:
    async def body() -> AsyncIterator[bytes]:
        yield b"payload"

    fake.fail_next(1, 503)
    request = ProxyRequest("PUT", "seating/x", "", (), body(), WHO, "seating")
    with pytest.raises(PluginServerUnavailable):
        await gateway.proxy(request)
    assert len(fake.calls("PUT", "/proxy/")) == 1


async def test_failures_map_to_the_ports_errors_and_open_the_circuit(
    fake: FakePluginServer,
) -> None:
    usage = PrometheusPluginUsage()
    async with httpx.AsyncClient() as client:
        gateway = HttpPluginGateway(
            fake.url,
            ServiceTokens(DEFAULT_SECRET),
            client,
            usage,
            limits=GatewayLimits(connect_timeout=0.5, read_timeout=0.3, max_attempts=1),
            breaker=CircuitBreaker(failure_threshold=3, open_seconds=60),
        )
        fake.hang(5)
        with pytest.raises(PluginServerTimeout):
            await gateway.catalog(WHO)
        fake.hang(0)
        fake.garbage()
        with pytest.raises(PluginServerBadAnswer):
            await gateway.catalog(WHO)
        fake.garbage(False)
        fake.down()
        with pytest.raises(PluginServerUnavailable):
            await gateway.catalog(WHO)
        fake.up()
        seen = len(fake.requests)
        with pytest.raises(PluginServerUnavailable) as refused:
            await gateway.check()
        assert "circuit" in refused.value.reason
        assert len(fake.requests) == seen
        text = usage.registry.get_sample_value("ticketbase_plugin_errors_total", {"plugin": "none"})
        assert text == 3.0


async def test_a_wrong_secret_is_refused_by_the_plugin_server(fake: FakePluginServer) -> None:
    async with httpx.AsyncClient() as client:
        gateway = HttpPluginGateway(
            fake.url, ServiceTokens("another-secret-" * 3), client, PrometheusPluginUsage()
        )
        with pytest.raises(PluginServerBadAnswer) as refused:
            await gateway.catalog(WHO)
        assert "401" in refused.value.reason
        with pytest.raises(PluginServerUnavailable):
            await gateway.check()


def test_tenant_labels_are_bounded() -> None:
    usage = PrometheusPluginUsage(max_tenants=2)
    for n in range(5):
        usage.record("seating", OrganizationId(UUID(int=n)), 0.01, failed=False)
    labels = {
        sample.labels["organization"]
        for metric in usage.registry.collect()
        if metric.name == "ticketbase_plugin_tenant_calls"
        for sample in metric.samples
        if sample.name.endswith("_total")
    }
    assert labels == {str(UUID(int=0)), str(UUID(int=1)), "other"}
