"""API.md conventions that hold for every endpoint: problem+json, headers, limits, docs, ops."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from dishka import Provider, Scope, provide
from tests.integration.http.conftest import AppFactory, Tenant, running

from ticketbase.application.identity.get_organization import GetOrganization
from ticketbase.application.ports.errors import DependencyUnavailable
from ticketbase.application.ports.health import Probe
from ticketbase.domain.identity.permissions import Role
from ticketbase.entrypoints.settings import SettingsError

pytestmark = pytest.mark.anyio
SECURITY_HEADERS = {
    "strict-transport-security": "max-age=63072000; includeSubDomains",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
}


def assert_problem(response: object, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"].startswith("application/problem+json")  # type: ignore[attr-defined]
    body: dict[str, object] = response.json()  # type: ignore[attr-defined]
    assert body["status"] == status
    assert body["code"] == code
    assert body["requestId"] == response.headers["x-request-id"]  # type: ignore[attr-defined]
    assert {"type", "title", "detail"} <= body.keys()
    return body


async def test_an_unknown_route_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/nothing-here")
    assert_problem(response, 404, "not_found")
    assert response.headers["api-version"] == "1"


async def test_a_wrong_method_is_a_405_problem_with_allow(client: httpx.AsyncClient) -> None:
    response = await client.delete("/health/live")
    assert_problem(response, 405, "method_not_allowed")
    assert "GET" in response.headers["allow"]


async def test_request_ids_are_echoed_or_generated(client: httpx.AsyncClient) -> None:
    given = await client.get("/health/live", headers={"x-request-id": "abc-123.def"})
    assert given.headers["x-request-id"] == "abc-123.def"
    junk = await client.get("/health/live", headers={"x-request-id": "no spaces or\nnewlines"})
    assert re.fullmatch(r"[0-9a-f]{32}", junk.headers["x-request-id"])
    fresh = await client.get("/health/live")
    assert re.fullmatch(r"[0-9a-f]{32}", fresh.headers["x-request-id"])
    assert fresh.headers["x-request-id"] != junk.headers["x-request-id"]


async def test_every_response_carries_the_api_version_and_security_headers(
    client: httpx.AsyncClient,
) -> None:
    for path in ("/health/live", "/api/nothing", "/schema/openapi.json"):
        response = await client.get(path)
        assert response.headers["api-version"] == "1"
        for name, value in SECURITY_HEADERS.items():
            assert response.headers[name] == value
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_an_unknown_api_version_is_refused(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health/live", headers={"api-version": "1"})).status_code == 200
    assert_problem(
        await client.get("/health/live", headers={"api-version": "2"}),
        400,
        "unsupported_api_version",
    )


async def test_a_body_over_the_limit_is_a_413_problem(make_app: AppFactory, tenant: Tenant) -> None:
    async with running(make_app(max_body_bytes=1024)) as client:
        response = await client.put(
            f"/api/organizations/{tenant.organization.id}",
            content=b'{"name": "' + b"x" * 2048 + b'"}',
            headers={**tenant.auth(), "content-type": "application/json"},
        )
    assert_problem(response, 413, "payload_too_large")


async def test_a_body_that_is_not_json_is_a_415_problem(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.put(
        f"/api/organizations/{tenant.organization.id}",
        content=b"name=x",
        headers={**tenant.auth(), "content-type": "application/x-www-form-urlencoded"},
    )
    assert_problem(response, 415, "unsupported_media_type")


async def test_malformed_json_is_a_400_problem(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.put(
        f"/api/organizations/{tenant.organization.id}",
        content=b'{"name": ',
        headers={**tenant.auth(), "content-type": "application/json"},
    )
    assert_problem(response, 400, "bad_request")


async def test_a_wrong_type_names_the_camel_case_field(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.put(
        f"/api/organizations/{tenant.organization.id}",
        json={"customDomains": "not-a-list"},
        headers=tenant.auth(),
    )
    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"] == [{"field": "customDomains", "message": body["errors"][0]["message"]}]  # type: ignore[index]


async def test_a_broken_rule_is_a_422_with_the_field(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.put(
        f"/api/organizations/{tenant.organization.id}",
        json={"branding": {"primaryColor": "red"}},
        headers=tenant.auth(),
    )
    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"][0]["field"] == "branding.primaryColor"  # type: ignore[index]


class _Exploding:
    async def __call__(self, *args: object) -> None:
        raise RuntimeError("password=hunter2 SELECT secret FROM users")


class ExplodingProvider(Provider):
    scope = Scope.REQUEST

    @provide(override=True)
    def get_organization(self) -> GetOrganization:
        return _Exploding()  # type: ignore[return-value]


async def test_an_unexpected_error_is_a_500_that_leaks_nothing(
    make_app: AppFactory, tenant: Tenant
) -> None:
    async with running(make_app(ExplodingProvider())) as client:
        response = await client.get(
            f"/api/organizations/{tenant.organization.id}", headers=tenant.auth()
        )
    assert_problem(response, 500, "internal_error")
    assert "hunter2" not in response.text
    assert "SELECT" not in response.text
    assert "Traceback" not in response.text


async def test_cors_answers_configured_origins_only(make_app: AppFactory) -> None:
    app = make_app(cors_origins=("https://admin.example.com",))
    async with running(app) as client:
        preflight = {"access-control-request-method": "PUT"}
        allowed = await client.options(
            "/api/organizations/by-domain",
            headers={"origin": "https://admin.example.com", **preflight},
        )
        refused = await client.options(
            "/api/organizations/by-domain", headers={"origin": "https://evil.example", **preflight}
        )
    assert allowed.headers["access-control-allow-origin"] == "https://admin.example.com"
    assert "access-control-allow-origin" not in refused.headers


async def test_docs_render_from_local_assets_only(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    references = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert references
    assert not re.search(r"https?://|//[a-z]", page.text)
    for reference in references:
        assert reference.startswith("/")
        assert (await client.get(reference)).status_code == 200, reference
    init = await client.get("/docs/init.js")
    assert "/schema/openapi.json" in init.text


async def test_the_openapi_document_is_3_1_and_lists_the_routes(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    assert document["openapi"].startswith("3.1")
    assert {"/api/organizations", "/api/organizations/by-domain"} <= document["paths"].keys()
    schemas = document["components"]["schemas"]
    organization = next(v for k, v in schemas.items() if k.endswith("OrganizationResponse"))
    assert "customDomains" in organization["properties"]
    login = document["paths"]["/api/auth/login"]["post"]["responses"]
    for status in ("400", "401", "422", "429", "503"):
        assert login[status]["content"]["application/problem+json"]["schema"] == {
            "$ref": "#/components/schemas/Problem"
        }
    assert {"code", "requestId", "status"} <= set(schemas["Problem"]["required"])


async def test_metrics_count_requests_by_route_and_show_the_pool(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await client.get(f"/api/organizations/{tenant.organization.id}", headers=tenant.auth())
    await client.get("/api/nothing-here")
    text = (await client.get("/metrics")).text
    assert (
        'ticketbase_http_requests_total{method="GET",'
        'route="/api/organizations/{id}",status="200"}' in text
    )
    assert 'route="unmatched",status="404"' in text
    assert "ticketbase_http_request_duration_seconds_bucket" in text
    assert 'ticketbase_db_pool_connections{state="checked_out"}' in text
    assert 'ticketbase_problems_total{code="not_found"} 1.0' in text


async def test_ready_checks_the_database_and_cache(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200
    # API.md's checks; no plugin server is configured in tests, which never fails readiness.
    assert response.json() == {
        "status": "ok",
        "checks": {
            "database": "ok",
            "cache": "ok",
            "mail": "ok",
            "storage": "ok",
            "pluginServer": "not_configured",
        },
    }


async def test_ready_uses_redis_when_configured(make_app: AppFactory, redis_url: str) -> None:
    async with running(make_app(redis_url=redis_url)) as client:
        assert (await client.get("/health/ready")).json()["checks"]["cache"] == "ok"
    async with running(make_app(redis_url="redis://127.0.0.1:9/0")) as client:
        response = await client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "ok",
        "cache": "down",
        "mail": "ok",
        "storage": "ok",
        "pluginServer": "not_configured",
    }


class _DownProbe:
    name = "database"

    async def check(self) -> None:
        raise ConnectionError("refused")


class DownDatabaseProvider(Provider):
    scope = Scope.APP

    @provide(override=True)
    async def probes(self) -> AsyncIterator[list[Probe]]:
        yield [_DownProbe()]


async def test_ready_is_503_naming_what_is_down(make_app: AppFactory) -> None:
    async with running(make_app(DownDatabaseProvider())) as client:
        response = await client.get("/health/ready")
        live = await client.get("/health/live")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "down"}}
    assert live.status_code == 200


async def test_analyst_token_reads_but_cannot_write(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    path = f"/api/organizations/{tenant.organization.id}"
    assert (await client.get(path, headers=tenant.auth(Role.ANALYST))).status_code == 200
    assert_problem(
        await client.put(path, json={"name": "x"}, headers=tenant.auth(Role.ANALYST)),
        403,
        "permission_denied",
    )


@pytest.mark.parametrize("name", ["rate_limit_login", "rate_limit_login_ip", "rate_limit_auth"])
def test_a_malformed_rate_stops_start_up_naming_the_setting(
    make_app: AppFactory, name: str
) -> None:
    with pytest.raises(SettingsError, match=f"TICKETBASE_{name.upper()}"):
        make_app(**{name: "five per minute"})


class _Unreachable:
    async def __call__(self, *args: object) -> None:
        raise DependencyUnavailable("database")


class UnreachableDatabaseProvider(Provider):
    scope = Scope.REQUEST

    @provide(override=True)
    def get_organization(self) -> GetOrganization:
        return _Unreachable()  # type: ignore[return-value]


async def test_an_unreachable_dependency_is_a_503_with_retry_after(
    make_app: AppFactory, tenant: Tenant
) -> None:
    async with running(make_app(UnreachableDatabaseProvider())) as client:
        response = await client.get(
            f"/api/organizations/{tenant.organization.id}", headers=tenant.auth()
        )
    assert_problem(response, 503, "database_unavailable")
    assert response.headers["retry-after"] == "5"


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/api/users", "GET, OPTIONS, POST"),
        ("/api/departments", "GET, OPTIONS, POST"),
        ("/health/live", "GET, OPTIONS"),
    ],
)
async def test_options_lists_every_method_of_the_path(
    client: httpx.AsyncClient, path: str, methods: str
) -> None:
    response = await client.options(path)
    assert response.status_code == 204
    assert response.headers["allow"] == methods
