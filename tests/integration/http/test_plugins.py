"""Plugins over HTTP against a fake plugin server on loopback (tests/fakes/plugin_server.py):
the lifecycle through the worker, the proxy and every failure mode of PLUGIN-SERVER.md (down,
slow, garbage, huge body, wrong signature) with the rest of the API still answering, the
status webhook, readiness and metrics."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.exceptions import LitestarException
from tests.fakes.plugin_server import DEFAULT_SECRET, FakePluginServer, manifest, status_webhook
from tests.integration.http.conftest import AppFactory, Tenant, new_tenant, running
from tests.integration.http.test_conventions import assert_problem
from tests.integration.support import deliver_own_outbox

from ticketbase.application.outbox.deliver_outbox import Outcome
from ticketbase.application.ports.plugins import PluginServerBadAnswer
from ticketbase.domain.identity.permissions import Role

pytestmark = pytest.mark.anyio

SCHEMA = {
    "type": "object",
    "properties": {"apiKey": {"type": "string", "minLength": 8}, "seats": {"type": "integer"}},
    "required": ["apiKey"],
    "additionalProperties": False,
}
READ_TIMEOUT = 1.0
OPEN_SECONDS = 0.5


@pytest.fixture
def plugins() -> Iterator[FakePluginServer]:
    fake = FakePluginServer()
    fake.add(
        manifest("payments", "2.1.0", schema=SCHEMA),
        manifest("seating", "1.0.0", requires=[{"pluginId": "payments", "minVersion": "2.0"}]),
        manifest("legacy", "1.0.0", requires=[{"pluginId": "payments", "minVersion": "3.0"}]),
    )
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def app(make_app: AppFactory, plugins: FakePluginServer) -> Litestar:
    return make_app(
        plugin_server_url=plugins.url,
        plugin_server_secret=DEFAULT_SECRET,
        plugin_server_connect_timeout_seconds=0.5,
        plugin_server_read_timeout_seconds=READ_TIMEOUT,
        plugin_server_failure_threshold=3,
        plugin_server_open_seconds=OPEN_SECONDS,
        plugin_server_max_response_bytes=64 * 1024,
        plugin_server_max_attempts=2,
    )


async def deliver(app: Litestar, tenant: Tenant) -> list[Outcome]:
    """What the worker's outbox loop does, for this tenant's messages (support.py)."""
    return await deliver_own_outbox(app, tenant.organization.id)


async def installed(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, dict[str, Any]]:
    response = await client.get(
        f"/api/plugins/installed/{tenant.organization.id}", headers=tenant.auth(Role.ANALYST)
    )
    assert response.status_code == 200, response.text
    return {p["pluginId"]: p for p in response.json()["items"]}


async def install_all(
    app: Litestar, client: httpx.AsyncClient, tenant: Tenant, *plugin_ids: str
) -> None:
    for plugin_id in plugin_ids:
        response = await client.post(f"/api/plugins/install/{plugin_id}", headers=tenant.auth())
        assert response.status_code == 202, response.text
    assert set(await deliver(app, tenant)) == {Outcome.DELIVERED}


async def test_the_catalog_for_members(
    client: httpx.AsyncClient, tenant: Tenant, plugins: FakePluginServer
) -> None:
    response = await client.get("/api/plugins/catalog", headers=tenant.auth(Role.ANALYST))
    assert response.status_code == 200, response.text
    by_id = {p["id"]: p for p in response.json()["items"]}
    assert by_id["seating"]["requires"] == [{"pluginId": "payments", "minVersion": "2.0"}]
    assert by_id["payments"]["configSchema"] == SCHEMA
    [call] = plugins.calls("GET", "/plugins")
    assert call.claims is not None
    assert call.claims["tenant"] == str(tenant.organization.id)
    assert call.claims["role"] == "analyst"
    assert call.claims["exp"] - call.claims["iat"] <= 60
    assert call.headers["x-tenant-id"] == str(tenant.organization.id)
    assert call.headers["x-request-id"] == response.headers["x-request-id"]
    assert (await client.get("/api/plugins/catalog")).status_code == 401


async def test_install_through_the_worker_configure_activate_uninstall(
    app: Litestar, client: httpx.AsyncClient, tenant: Tenant, plugins: FakePluginServer
) -> None:
    org = str(tenant.organization.id)
    assert_problem(
        await client.post("/api/plugins/install/payments", headers=tenant.auth(Role.MANAGER)),
        403,
        "permission_denied",
    )
    assert_problem(
        await client.post("/api/plugins/install/nope", headers=tenant.auth()), 404, "not_found"
    )
    response = await client.post("/api/plugins/install/payments", headers=tenant.auth(Role.ADMIN))
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "installing"
    assert plugins.install_calls == 0  # the worker asks the plugin server, not the request
    assert_problem(
        await client.post("/api/plugins/install/payments", headers=tenant.auth()),
        409,
        "plugin_already_installed",
    )
    assert await deliver(app, tenant) == [Outcome.DELIVERED]
    assert (org, "payments") in plugins.installed
    [install_call] = plugins.calls("POST", f"/tenants/{org}/plugins/payments/install")
    assert install_call.headers["idempotency-key"]
    assert (await installed(client, tenant))["payments"]["status"] == "installed"

    path = "/api/plugins/configure/payments"
    bad = await client.put(
        path, json={"config": {"apiKey": "x", "colour": 1}}, headers=tenant.auth()
    )
    body = assert_problem(bad, 422, "validation_failed")
    assert {e["field"] for e in body["errors"]} == {"config.apiKey", "config.colour"}  # type: ignore[union-attr]
    good = await client.put(path, json={"config": {"apiKey": "k" * 8}}, headers=tenant.auth())
    assert good.status_code == 200, good.text
    assert good.json()["config"] == {"apiKey": "k" * 8}

    await install_all(app, client, tenant, "seating", "legacy")
    activate = "/api/plugins/activate/"
    missing = await client.post(activate + "seating", json={"active": True}, headers=tenant.auth())
    assert "payments>=2.0" in assert_problem(missing, 409, "plugin_dependencies_missing")["detail"]  # type: ignore[operator]
    assert (
        await client.post(activate + "payments", json={"active": True}, headers=tenant.auth())
    ).json()["active"]
    assert (
        await client.post(activate + "seating", json={"active": True}, headers=tenant.auth())
    ).json()["active"]
    old = await client.post(activate + "legacy", json={"active": True}, headers=tenant.auth())
    assert "payments>=3.0" in assert_problem(old, 409, "plugin_dependencies_missing")["detail"]  # type: ignore[operator]
    needed = await client.post(activate + "payments", json={"active": False}, headers=tenant.auth())
    assert "seating" in assert_problem(needed, 409, "plugin_required")["detail"]  # type: ignore[operator]
    assert_problem(
        await client.delete("/api/plugins/installed/payments", headers=tenant.auth()),
        409,
        "plugin_required",
    )

    removed = await client.delete("/api/plugins/installed/legacy", headers=tenant.auth())
    assert removed.status_code == 202, removed.text
    assert removed.json()["status"] == "uninstalling"
    assert await deliver(app, tenant) == [Outcome.DELIVERED]
    assert "legacy" not in await installed(client, tenant)
    assert (org, "legacy") not in plugins.installed

    audit = await client.get(
        "/api/audit-logs", params={"targetType": "plugin", "limit": 50}, headers=tenant.auth()
    )
    actions = sorted(e["action"] for e in audit.json()["items"])
    assert actions.count("plugin.installed") == 3
    assert {"plugin.configured", "plugin.activated", "plugin.uninstalled"} <= set(actions)


async def test_the_installed_list_belongs_to_its_tenant(
    app: Litestar, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    other = await new_tenant(app, "Rival")
    path = f"/api/plugins/installed/{other.organization.id}"
    assert_problem(await client.get(path, headers=tenant.auth()), 404, "not_found")
    admin = tenant.auth(None, platform_admin=True)
    assert (await client.get(path, headers=admin)).json() == {"items": []}


async def test_the_proxy_forwards_identity_safe_headers_and_the_body(
    client: httpx.AsyncClient, tenant: Tenant, plugins: FakePluginServer
) -> None:
    response = await client.post(
        "/api/plugins/proxy/seating/maps/a%20b?floor=2&x=%2F",
        content=b"row,seat\n1,2\n",
        headers={
            **tenant.auth(Role.SUPPORT),
            "content-type": "text/csv",
            "accept": "application/json",
            "if-none-match": '"v0"',
            "cookie": "session=secret",
            "x-request-id": "req-proxy-1",
            "x-tenant-id": "not-mine",
            "x-forwarded-for": "10.0.0.1",
            "connection": "keep-alive",
        },
    )
    assert response.status_code == 200, response.text
    echo = response.json()
    assert echo["method"] == "POST"
    assert echo["path"] == "/proxy/seating/maps/a%20b"
    assert echo["query"] == "floor=2&x=%2F"
    assert echo["body"] == "row,seat\n1,2\n"
    sent = echo["headers"]
    assert sent["content-type"] == "text/csv"
    assert sent["if-none-match"] == '"v0"'
    assert sent["x-tenant-id"] == str(tenant.organization.id)
    assert sent["x-request-id"] == "req-proxy-1"
    assert "cookie" not in sent
    assert "x-forwarded-for" not in sent
    assert sent["authorization"] != tenant.auth(Role.SUPPORT)["authorization"]
    [call] = plugins.calls("POST", "/proxy/")
    assert call.claims is not None
    assert call.claims["role"] == "support"
    assert call.claims["sub"]
    assert "set-cookie" not in response.headers
    assert "x-internal" not in response.headers
    assert response.headers["etag"] == '"v1"'
    assert response.headers["x-request-id"] == "req-proxy-1"
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        answer = await client.request(method, "/api/plugins/proxy/seating/x", headers=tenant.auth())
        assert answer.json()["method"] == method
    assert (await client.get("/api/plugins/proxy/seating/x")).status_code == 401


@pytest.mark.parametrize(
    "raw",
    [
        b"/api/plugins/proxy/seating/../../admin",
        b"/api/plugins/proxy/%2e%2e/admin",
        b"/api/plugins/proxy/seating/%2E%2E/%2e%2e/admin",
        b"/api/plugins/proxy/seating%2f..%2fadmin",
        b"/api/plugins/proxy/seating%5c..%5cadmin",
        b"/api/plugins/proxy//evil.example/x",
        b"/api/plugins/proxy/http://evil.example/x",
        b"/api/plugins/proxy/seating/%252e%252e/admin",
    ],
)
async def test_the_proxy_refuses_paths_that_leave_its_root(
    client: httpx.AsyncClient, tenant: Tenant, plugins: FakePluginServer, raw: bytes
) -> None:
    request = client.build_request("GET", "/api/plugins/proxy/x", headers=tenant.auth())
    request.url = request.url.copy_with(raw_path=raw)
    response = await client.send(request)
    if b"/../" in raw:  # the client already resolved the dot segments: no route matches
        assert_problem(response, 404, "not_found")
    else:
        assert_problem(response, 422, "validation_failed")
    assert plugins.calls("GET", "/proxy") == []


async def test_a_request_body_over_the_limit_is_413(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.post(
        "/api/plugins/proxy/seating/upload",
        content=b"x" * (1024 * 1024 + 1),
        headers={**tenant.auth(), "content-type": "application/octet-stream"},
    )
    assert_problem(response, 413, "payload_too_large")


async def answers_promptly(client: httpx.AsyncClient, tenant: Tenant) -> float:
    """The rest of the API, timed: liveness and a database-backed read."""
    started = time.perf_counter()
    live = await client.get("/health/live")
    listed = await client.get(
        f"/api/plugins/installed/{tenant.organization.id}", headers=tenant.auth()
    )
    assert live.status_code == 200
    assert listed.status_code == 200
    return time.perf_counter() - started


async def test_a_slow_plugin_server_is_504_and_the_rest_of_the_api_answers_meanwhile(
    client: httpx.AsyncClient, tenant: Tenant, plugins: FakePluginServer
) -> None:
    plugins.hang(30)
    started = time.perf_counter()
    slow = asyncio.create_task(
        client.get("/api/plugins/proxy/seating/report", headers=tenant.auth())
    )
    await asyncio.sleep(0.1)
    assert not slow.done()
    durations = [await answers_promptly(client, tenant) for _ in range(5)]
    assert max(durations) < 0.5, durations
    response = await slow
    assert_problem(response, 504, "plugin_server_timeout")
    assert time.perf_counter() - started < READ_TIMEOUT + 0.5 + 1.0  # connect + read, no retry
    plugins.hang(0)


async def test_a_plugin_server_that_is_down_is_503_and_opens_the_circuit(
    client: httpx.AsyncClient, tenant: Tenant, plugins: FakePluginServer
) -> None:
    plugins.down()
    for _ in range(2):  # GETs are retried once: 2 calls x 2 attempts >= the threshold of 3
        response = await client.get("/api/plugins/proxy/seating/x", headers=tenant.auth())
        assert_problem(response, 503, "plugin_server_unavailable")
        assert response.headers["retry-after"]
        assert await answers_promptly(client, tenant) < 0.5
    plugins.up()
    seen = len(plugins.requests)
    started = time.perf_counter()
    refused = await client.get("/api/plugins/proxy/seating/x", headers=tenant.auth())
    assert_problem(refused, 503, "plugin_server_unavailable")
    assert time.perf_counter() - started < 0.2  # refused at once: the circuit is open
    assert len(plugins.requests) == seen
    catalog = await client.get("/api/plugins/catalog", headers=tenant.auth())
    assert_problem(catalog, 503, "plugin_server_unavailable")
    await asyncio.sleep(OPEN_SECONDS + 0.1)
    healed = await client.get("/api/plugins/proxy/seating/x", headers=tenant.auth())
    assert healed.status_code == 200, healed.text  # the half-open probe succeeded
    assert (await client.get("/api/plugins/catalog", headers=tenant.auth())).status_code == 200


async def test_garbage_from_the_plugin_server_is_502(
    client: httpx.AsyncClient, tenant: Tenant, plugins: FakePluginServer
) -> None:
    plugins.garbage()
    response = await client.get("/api/plugins/proxy/seating/x", headers=tenant.auth())
    assert_problem(response, 502, "plugin_server_bad_answer")
    catalog = await client.get("/api/plugins/catalog", headers=tenant.auth())
    assert catalog.status_code in (502, 503), catalog.text  # 503 once the circuit opened
    assert await answers_promptly(client, tenant) < 0.5
    plugins.garbage(False)


async def test_a_huge_answer_is_refused_not_buffered(
    client: httpx.AsyncClient, tenant: Tenant, plugins: FakePluginServer
) -> None:
    plugins.huge(5 * 1024 * 1024)
    declared = await client.get("/api/plugins/proxy/seating/export", headers=tenant.auth())
    assert_problem(declared, 502, "plugin_server_bad_answer")
    plugins.huge(5 * 1024 * 1024, declare_length=False)
    # Undeclared: the answer has started when the cap is passed, so the stream is cut (the
    # in-process transport raises the app's error where a real server drops the connection).
    with pytest.raises(LitestarException, match="after response started") as cut:
        await client.get("/api/plugins/proxy/seating/export", headers=tenant.auth())
    cause = cut.value.__cause__
    assert isinstance(cause, ExceptionGroup)
    assert cause.subgroup(PluginServerBadAnswer) is not None
    plugins.huge(0)
    assert await answers_promptly(client, tenant) < 0.5


async def test_the_status_webhook_is_signed_fresh_and_once(
    app: Litestar, client: httpx.AsyncClient, tenant: Tenant, plugins: FakePluginServer
) -> None:
    await install_all(app, client, tenant, "payments")
    org = str(tenant.organization.id)
    path = "/api/plugins/webhooks/status"
    body, headers = status_webhook(org, "payments", "error", detail="provider down")
    accepted = await client.post(path, content=body, headers=headers)
    assert accepted.status_code == 204, accepted.text
    plugin = (await installed(client, tenant))["payments"]
    assert (plugin["status"], plugin["statusDetail"]) == ("error", "provider down")
    assert_problem(await client.post(path, content=body, headers=headers), 409, "webhook_replayed")

    forged, forged_headers = status_webhook(org, "payments", "ready", secret="not-the-secret-" * 3)
    assert_problem(
        await client.post(path, content=forged, headers=forged_headers), 401, "invalid_signature"
    )
    tampered = body.replace(b'"error"', b'"ready"')
    assert_problem(
        await client.post(path, content=tampered, headers=headers), 401, "invalid_signature"
    )
    stale, stale_headers = status_webhook(
        org, "payments", "ready", at=datetime.now(UTC) - timedelta(minutes=10)
    )
    assert_problem(
        await client.post(path, content=stale, headers=stale_headers), 401, "webhook_expired"
    )
    unknown, unknown_headers = status_webhook(org, "seating", "ready")
    assert_problem(
        await client.post(path, content=unknown, headers=unknown_headers), 404, "not_found"
    )
    assert (await installed(client, tenant))["payments"]["status"] == "error"

    fresh, fresh_headers = status_webhook(org, "payments", "ready")
    assert (await client.post(path, content=fresh, headers=fresh_headers)).status_code == 204
    assert (await installed(client, tenant))["payments"]["status"] == "ready"


async def test_readiness_reports_the_plugin_server_without_failing(
    client: httpx.AsyncClient, plugins: FakePluginServer
) -> None:
    ready = await client.get("/health/ready")
    assert ready.json()["checks"]["pluginServer"] == "ok"
    plugins.down()
    degraded = await client.get("/health/ready")
    assert degraded.status_code == 200
    assert degraded.json()["checks"]["pluginServer"] == "degraded"
    assert degraded.json()["status"] == "degraded"


async def test_metrics_count_plugin_calls_per_plugin_and_tenant(
    client: httpx.AsyncClient, tenant: Tenant, plugins: FakePluginServer
) -> None:
    await client.get("/api/plugins/catalog", headers=tenant.auth())  # learns the plugin ids
    await client.get("/api/plugins/proxy/seating/x", headers=tenant.auth())
    await client.get("/api/plugins/proxy/made-up-1/x", headers=tenant.auth())
    await client.get("/api/plugins/proxy/made-up-2/x", headers=tenant.auth())
    plugins.fail_next(2, 503)
    await client.get("/api/plugins/proxy/seating/y", headers=tenant.auth())
    text = (await client.get("/metrics")).text
    assert 'ticketbase_plugin_calls_total{plugin="seating"} 2.0' in text
    assert 'ticketbase_plugin_errors_total{plugin="seating"} 1.0' in text
    assert 'ticketbase_plugin_calls_total{plugin="other"} 2.0' in text
    assert "made-up" not in text
    assert (
        f'ticketbase_plugin_tenant_calls_total{{organization="{tenant.organization.id}"}}' in text
    )
    assert 'ticketbase_plugin_call_duration_seconds_bucket{le="0.005",plugin="seating"}' in text


async def test_without_a_plugin_server_plugins_are_503_and_readiness_says_not_configured(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with running(app) as client:
        tenant = await new_tenant(app)
        assert_problem(
            await client.get("/api/plugins/catalog", headers=tenant.auth()),
            503,
            "plugin_server_unavailable",
        )
        assert_problem(
            await client.get("/api/plugins/proxy/seating/x", headers=tenant.auth()),
            503,
            "plugin_server_unavailable",
        )
        ready = await client.get("/health/ready")
        assert ready.json()["checks"]["pluginServer"] == "not_configured"
        assert (await installed(client, tenant)) == {}
