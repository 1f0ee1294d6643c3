"""Organizations over HTTP on the real database, by who is calling."""

from __future__ import annotations

import uuid

import asyncpg
import httpx
import pytest
from litestar import Litestar
from tests.integration.http.conftest import Tenant, new_tenant
from tests.integration.http.test_conventions import assert_problem

from ticketbase.application.identity.verify_custom_domain import VerifyCustomDomain
from ticketbase.domain.identity.permissions import Role

pytestmark = pytest.mark.anyio
BASE = "ticketbase.localhost"


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.OWNER, 200), (Role.ADMIN, 200), (Role.SUPPORT, 200), (Role.ANALYST, 200)],
)
async def test_members_read_their_organization(
    client: httpx.AsyncClient, tenant: Tenant, role: Role, status: int
) -> None:
    response = await client.get(
        f"/api/organizations/{tenant.organization.id}", headers=tenant.auth(role)
    )
    assert response.status_code == status
    body = response.json()
    assert body["id"] == str(tenant.organization.id)
    assert body["slug"] == tenant.organization.slug.value
    assert body["settings"]["timezone"] == "UTC"
    assert body["version"] == 1


async def test_another_tenants_organization_is_not_found(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    response = await client.get(
        f"/api/organizations/{other_tenant.organization.id}", headers=tenant.auth()
    )
    missing = await client.get(f"/api/organizations/{uuid.uuid4()}", headers=tenant.auth())
    assert_problem(response, 404, "not_found")
    assert response.json()["detail"] == missing.json()["detail"]


async def test_platform_admins_read_any_organization(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.get(
        f"/api/organizations/{tenant.organization.id}",
        headers=tenant.auth(None, platform_admin=True),
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("authorization", "code"),
    [
        (None, "unauthenticated"),
        ("Basic dXNlcjpwYXNz", "unauthenticated"),
        ("Bearer not-a-jwt", "invalid_token"),
        (
            # alg "none", unsigned
            "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0."
            "eyJzdWIiOiIxIiwib3JnIjoiMSIsInJvbGUiOiJvd25lciJ9.",
            "invalid_token",
        ),
    ],
)
async def test_staff_routes_need_a_valid_token(
    client: httpx.AsyncClient, tenant: Tenant, authorization: str | None, code: str
) -> None:
    headers = {"authorization": authorization} if authorization else {}
    response = await client.get(f"/api/organizations/{tenant.organization.id}", headers=headers)
    assert_problem(response, 401, code)


async def test_the_owner_updates_and_the_change_is_audited(
    client: httpx.AsyncClient, tenant: Tenant, owner_connection: asyncpg.Connection
) -> None:
    response = await client.put(
        f"/api/organizations/{tenant.organization.id}",
        json={
            "name": "  Acme   Live ",
            "settings": {
                "timezone": "Europe/Vienna",
                "currency": "EUR",
                "locale": "de-AT",
                "supportEmail": "Help@Acme.example",
                "allowedOrigins": [],
            },
            "branding": {"primaryColor": "#AA0011"},
            "customDomains": ["Tickets.Acme.example"],
        },
        headers={**tenant.auth(), "x-request-id": "audit-me-1"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == "Acme Live"
    assert body["version"] == 2
    assert body["settings"]["timezone"] == "Europe/Vienna"
    assert body["branding"]["primaryColor"] == "#AA0011"
    assert body["customDomains"] == [
        {"name": "tickets.acme.example", "verified": False, "verifiedAt": None}
    ]
    again = await client.get(f"/api/organizations/{tenant.organization.id}", headers=tenant.auth())
    assert again.json() == body
    audit = await owner_connection.fetchrow(
        "SELECT action, ip, request_id, target_id FROM audit_log "
        "WHERE organization_id = $1 AND action = 'organization.updated'",
        tenant.organization.id,
    )
    assert audit is not None
    assert dict(audit) == {
        "action": "organization.updated",
        "ip": "203.0.113.7",
        "request_id": "audit-me-1",
        "target_id": str(tenant.organization.id),
    }


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER, Role.SUPPORT, Role.ANALYST])
async def test_only_owners_update(client: httpx.AsyncClient, tenant: Tenant, role: Role) -> None:
    response = await client.put(
        f"/api/organizations/{tenant.organization.id}",
        json={"name": "Nope"},
        headers=tenant.auth(role),
    )
    assert_problem(response, 403, "permission_denied")


async def test_updating_another_tenant_is_not_found_and_changes_nothing(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    response = await client.put(
        f"/api/organizations/{other_tenant.organization.id}",
        json={"name": "Hijacked"},
        headers=tenant.auth(),
    )
    assert_problem(response, 404, "not_found")
    theirs = await client.get(
        f"/api/organizations/{other_tenant.organization.id}", headers=other_tenant.auth()
    )
    assert theirs.json()["name"] == "Rival Tickets"


async def test_a_stale_version_is_a_conflict(client: httpx.AsyncClient, tenant: Tenant) -> None:
    path = f"/api/organizations/{tenant.organization.id}"
    first = await client.put(
        path, json={"name": "One"}, headers={**tenant.auth(), "if-match": '"1"'}
    )
    assert first.status_code == 200
    stale = await client.put(
        path, json={"name": "Two"}, headers={**tenant.auth(), "if-match": '"1"'}
    )
    assert_problem(stale, 409, "version_conflict")
    in_body = await client.put(path, json={"name": "Two", "version": 1}, headers=tenant.auth())
    assert_problem(in_body, 409, "version_conflict")


async def test_a_custom_domain_belongs_to_one_organization(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    domain = f"shop-{uuid.uuid4().hex[:8]}.example.com"
    ours = await client.put(
        f"/api/organizations/{tenant.organization.id}",
        json={"customDomains": [domain]},
        headers=tenant.auth(),
    )
    assert ours.status_code == 200
    theirs = await client.put(
        f"/api/organizations/{other_tenant.organization.id}",
        json={"customDomains": [domain]},
        headers=other_tenant.auth(),
    )
    body = assert_problem(theirs, 409, "conflict")
    assert body["errors"][0]["field"] == "customDomains"  # type: ignore[index]


async def test_platform_admins_list_every_organization_page_by_page(
    app: Litestar, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    marker = uuid.uuid4().hex[:8]
    made = {str((await new_tenant(app, f"Listed {marker} {i}")).organization.id) for i in range(5)}
    seen: list[str] = []
    cursor = None
    while True:
        params = {"q": marker, "limit": "2", **({"cursor": cursor} if cursor else {})}
        page = await client.get(
            "/api/organizations", params=params, headers=tenant.auth(None, platform_admin=True)
        )
        assert page.status_code == 200, page.text
        seen += [item["id"] for item in page.json()["items"]]
        cursor = page.json()["nextCursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 5
    assert set(seen) == made
    assert seen == sorted(seen, reverse=True)


async def test_members_cannot_list_organizations(client: httpx.AsyncClient, tenant: Tenant) -> None:
    assert_problem(
        await client.get("/api/organizations", headers=tenant.auth()), 403, "permission_denied"
    )
    assert_problem(
        await client.get(
            "/api/organizations",
            params={"limit": "500"},
            headers=tenant.auth(None, platform_admin=True),
        ),
        422,
        "validation_failed",
    )
    assert_problem(
        await client.get(
            "/api/organizations",
            params={"cursor": "%%%"},
            headers=tenant.auth(None, platform_admin=True),
        ),
        422,
        "validation_failed",
    )


async def test_the_public_resolves_a_subdomain_header_or_host(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    slug = tenant.organization.slug.value
    by_param = await client.get("/api/organizations/by-domain", params={"domain": f"{slug}.{BASE}"})
    assert by_param.status_code == 200
    assert by_param.json() == {
        "id": str(tenant.organization.id),
        "name": "Acme Events",
        "slug": slug,
        "branding": {"logoAssetId": None, "primaryColor": None, "accentColor": None},
        "settings": {"locale": "en", "currency": "EUR", "timezone": "UTC"},
    }
    by_header = await client.get("/api/organizations/by-domain", headers={"x-organization": slug})
    by_host = await client.get(
        "/api/organizations/by-domain", headers={"host": f"{slug.upper()}.{BASE}:8443"}
    )
    assert by_header.json() == by_host.json() == by_param.json()
    for params, headers in (
        ({"domain": f"nobody-{uuid.uuid4().hex[:6]}.{BASE}"}, {}),
        ({}, {"x-organization": "Not A Slug"}),
        ({"domain": "not a domain"}, {}),
    ):
        response = await client.get("/api/organizations/by-domain", params=params, headers=headers)
        assert_problem(response, 404, "not_found")


async def test_a_custom_domain_resolves_once_verified(
    app: Litestar, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    domain = f"tickets-{uuid.uuid4().hex[:8]}.example.org"
    await client.put(
        f"/api/organizations/{tenant.organization.id}",
        json={"customDomains": [domain]},
        headers=tenant.auth(),
    )
    before = await client.get("/api/organizations/by-domain", params={"domain": domain})
    assert_problem(before, 404, "not_found")
    async with app.state.dishka_container() as request:
        verify = await request.get(VerifyCustomDomain)
        await verify(tenant.organization.slug.value, domain)
    after = await client.get("/api/organizations/by-domain", headers={"host": domain})
    assert after.status_code == 200
    assert after.json()["id"] == str(tenant.organization.id)


async def test_public_profiles_send_an_etag_and_honour_if_none_match(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    params = {"domain": f"{tenant.organization.slug.value}.{BASE}"}
    first = await client.get("/api/organizations/by-domain", params=params)
    etag = first.headers["etag"]
    cached = await client.get(
        "/api/organizations/by-domain", params=params, headers={"if-none-match": etag}
    )
    assert cached.status_code == 304
    assert cached.content == b""
    await client.put(
        f"/api/organizations/{tenant.organization.id}",
        json={"name": "Renamed"},
        headers=tenant.auth(),
    )
    changed = await client.get(
        "/api/organizations/by-domain", params=params, headers={"if-none-match": etag}
    )
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
