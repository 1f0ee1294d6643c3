"""Pages over HTTP on the real database: staff create, save (every save a version, optimistic
concurrency), publish, versions and restore; the storefront's public read by slug with its ETag
and 304; body limits; validation paths; tenancy; and the cache across two app instances."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from litestar import Litestar
from tests.integration.http.conftest import AppFactory, Tenant, new_tenant, running
from tests.integration.http.test_conventions import assert_problem

from ticketbase.domain.identity.permissions import Role
from ticketbase.domain.pages.puck import MAX_PUCK_BYTES
from ticketbase.entrypoints.http.pages import PAGE_BODY_LIMIT

pytestmark = pytest.mark.anyio


def puck(heading: str = "Welcome", **extra: Any) -> dict[str, Any]:
    return {
        "content": [
            {"type": "Hero", "props": {"id": "hero-1", "title": heading}},
            {"type": "Columns", "props": {"id": "columns-1"}},
        ],
        "root": {"props": {"title": "Home"}},
        "zones": {"columns-1:left": [{"type": "Text", "props": {"id": "text-1", "body": "Hi"}}]},
        **extra,
    }


def page_body(slug: str = "home", **changes: Any) -> dict[str, Any]:
    return {"slug": slug, "title": "Home", "data": puck()} | changes


async def create_page(client: httpx.AsyncClient, tenant: Tenant, **changes: Any) -> dict[str, Any]:
    response = await client.post("/api/pages", json=page_body(**changes), headers=tenant.auth())
    assert response.status_code == 201, response.text
    return dict(response.json())


async def save(
    client: httpx.AsyncClient, tenant: Tenant, page: dict[str, Any], heading: str, **changes: Any
) -> dict[str, Any]:
    body = {"title": page["title"], "data": puck(heading), "version": page["version"]} | changes
    response = await client.put(f"/api/pages/{page['id']}", json=body, headers=tenant.auth())
    assert response.status_code == 200, response.text
    return dict(response.json())


async def publish(client: httpx.AsyncClient, tenant: Tenant, page_id: str) -> dict[str, Any]:
    response = await client.post(f"/api/pages/{page_id}/publish", headers=tenant.auth())
    assert response.status_code == 200, response.text
    return dict(response.json())


def storefront(tenant: Tenant) -> dict[str, str]:
    return {"x-organization": tenant.organization.slug.value}


async def public(
    client: httpx.AsyncClient, tenant: Tenant, slug: str, **headers: str
) -> httpx.Response:
    return await client.get(f"/api/pages/{slug}", headers=storefront(tenant) | headers)


async def audit_actions(client: httpx.AsyncClient, tenant: Tenant, page_id: str) -> list[str]:
    response = await client.get(
        "/api/audit-logs", params={"targetType": "page", "limit": 200}, headers=tenant.auth()
    )
    assert response.status_code == 200, response.text
    return [e["action"] for e in reversed(response.json()["items"]) if e["targetId"] == page_id]


async def test_a_page_is_created_as_a_draft_at_version_one(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    page = await create_page(client, tenant, seo={"title": "Home | Acme", "description": "Hi"})
    assert page["status"] == "draft"
    assert (page["version"], page["currentVersion"], page["publishedVersion"]) == (1, 1, None)
    assert page["data"] == puck()
    assert page["seo"] == {"title": "Home | Acme", "description": "Hi", "image": None}
    taken = await client.post("/api/pages", json=page_body(), headers=tenant.auth())
    body = assert_problem(taken, 409, "conflict")
    assert body["errors"] == [{"field": "slug", "message": body["detail"]}]
    # Staff read it by id and by slug, draft and all.
    for reference in (page["id"], "home"):
        read = await client.get(f"/api/pages/{reference}", headers=tenant.auth())
        assert read.status_code == 200, read.text
        assert read.json() == page
    listed = await client.get("/api/pages", headers=tenant.auth(Role.ANALYST))
    assert [p["id"] for p in listed.json()["items"]] == [page["id"]]
    assert "data" not in listed.json()["items"][0]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.OWNER, 201),
        (Role.ADMIN, 201),
        (Role.MANAGER, 201),
        (Role.SUPPORT, 403),
        (Role.ANALYST, 403),
    ],
)
async def test_writing_pages_needs_pages_write(
    client: httpx.AsyncClient, tenant: Tenant, role: Role, status: int
) -> None:
    response = await client.post(
        "/api/pages", json=page_body(f"p-{role}"), headers=tenant.auth(role)
    )
    assert response.status_code == status, response.text
    assert (await client.post("/api/pages", json=page_body())).status_code == 401


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"slug": "Not A Slug"}, "slug"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"seo": {"title": "t" * 201}}, "seo.title"),
        ({"seo": {"other": 1}}, "seo.other"),
        ({"data": []}, "data"),
        ({"data": {"content": [], "root": []}}, "data.root"),
        ({"data": puck(extra=1)}, "data.extra"),
        (
            {"data": {"content": [{"type": "A", "props": {"id": "a"}}] * 4, "root": {}}},
            "data.content[1].props.id",
        ),
        (
            {"data": {"content": [{"type": "A", "props": {}}], "root": {}}},
            "data.content[0].props.id",
        ),
        (
            {"data": {"content": [{"props": {"id": "a"}}], "root": {}}},
            "data.content[0].type",
        ),
        (
            {"data": {"content": [], "root": {}, "zones": {"ghost:left": []}}},
            'data.zones["ghost:left"]',
        ),
        (
            {
                "data": {
                    "content": [],
                    "root": {},
                    "zones": {"root:z": [{"type": "T", "props": {"id": 5}}]},
                }
            },
            'data.zones["root:z"][0].props.id',
        ),
    ],
)
async def test_an_invalid_page_is_refused_naming_the_path(
    client: httpx.AsyncClient, tenant: Tenant, change: dict[str, Any], field: str
) -> None:
    response = await client.post("/api/pages", json=page_body(**change), headers=tenant.auth())
    body = assert_problem(response, 422, "validation_failed")
    assert [e["field"] for e in body["errors"]] == [field]  # type: ignore[union-attr]


async def test_a_save_is_a_new_version_under_optimistic_concurrency(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    page = await create_page(client, tenant)
    saved = await save(client, tenant, page, "Second")
    assert (
        saved["version"],
        saved["currentVersion"],
        saved["data"]["content"][0]["props"]["title"],
    ) == (2, 2, "Second")
    # Someone who still holds version 1 is refused, by If-Match or by the body.
    url = f"/api/pages/{page['id']}"
    stale = {"title": "Mine", "data": puck("Mine")}
    assert_problem(
        await client.put(url, json=stale, headers=tenant.auth() | {"if-match": '"1"'}),
        409,
        "version_conflict",
    )
    assert_problem(
        await client.put(url, json=stale | {"version": 1}, headers=tenant.auth()),
        409,
        "version_conflict",
    )
    assert_problem(
        await client.post(f"{url}/publish", headers=tenant.auth() | {"if-match": '"1"'}),
        409,
        "version_conflict",
    )
    assert_problem(
        await client.put(url, json=stale, headers=tenant.auth() | {"if-match": "x"}),
        400,
        "bad_request",
    )
    moved = await save(client, tenant, saved, "Third", slug="welcome")
    assert (moved["slug"], moved["currentVersion"]) == ("welcome", 3)
    assert await audit_actions(client, tenant, page["id"]) == [
        "page.created",
        "page.updated",
        "page.updated",
    ]


async def test_bodies_up_to_the_page_limit_are_read_and_larger_ones_answer_413(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    # 1.5 MiB of document: above the app's 1 MiB default, within the 2 MiB of a page.
    big = puck()
    big["content"][0]["props"]["text"] = "x" * (1536 * 1024)
    page = await create_page(client, tenant, data=big)
    assert len(page["data"]["content"][0]["props"]["text"]) == 1536 * 1024
    # A document over 2 MiB in a body under the limit: 422 on data.
    too_big = puck()
    too_big["content"][0]["props"]["text"] = "x" * (MAX_PUCK_BYTES + 1)
    body = json.dumps({"title": "Big", "data": too_big, "version": page["version"]})
    assert len(body) < PAGE_BODY_LIMIT
    refused = await client.put(
        f"/api/pages/{page['id']}",
        content=body,
        headers=tenant.auth() | {"content-type": "application/json"},
    )
    problem = assert_problem(refused, 422, "validation_failed")
    assert [e["field"] for e in problem["errors"]] == ["data"]  # type: ignore[union-attr]
    # A body over the limit: 413 on both writes, nothing stored.
    huge = json.dumps(
        {
            "slug": "huge",
            "title": "Huge",
            "data": {"content": [], "root": {}, "pad": "x" * PAGE_BODY_LIMIT},
        }
    )
    for method, url in (("POST", "/api/pages"), ("PUT", f"/api/pages/{page['id']}")):
        response = await client.request(
            method, url, content=huge, headers=tenant.auth() | {"content-type": "application/json"}
        )
        assert_problem(response, 413, "payload_too_large")
    # Other routes keep the 1 MiB default.
    event_body = json.dumps({"name": "x" * (1100 * 1024)})
    assert_problem(
        await client.post(
            "/api/events",
            content=event_body,
            headers=tenant.auth() | {"content-type": "application/json"},
        ),
        413,
        "payload_too_large",
    )
    versions = await client.get(f"/api/pages/{page['id']}/versions", headers=tenant.auth())
    assert [v["version"] for v in versions.json()["items"]] == [1]


async def test_the_storefront_sees_only_the_published_version(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    page = await create_page(client, tenant)
    assert_problem(await public(client, tenant, "home"), 404, "not_found")  # a draft
    published = await publish(client, tenant, page["id"])
    assert (published["status"], published["publishedVersion"], published["version"]) == (
        "published",
        1,
        2,
    )
    again = await publish(client, tenant, page["id"])  # nothing to do: nothing changes
    assert again["version"] == 2
    shown = await public(client, tenant, "home")
    assert shown.status_code == 200, shown.text
    assert shown.json() == {
        "id": page["id"],
        "slug": "home",
        "title": "Home",
        "publishedVersion": 1,
        "data": puck(),
        "seo": None,
    }
    etag = shown.headers["etag"]
    assert etag == f'"{page["id"]}.1"'
    # A saved draft changes nothing on the storefront, not even its ETag.
    draft = await save(client, tenant, published, "Draft only", title="Renamed")
    for _ in range(2):  # from the database, then from the cache
        still = await public(client, tenant, "home")
        assert still.json()["data"] == puck()
        assert still.json()["title"] == "Home"
        assert still.headers["etag"] == etag
    not_modified = await public(client, tenant, "home", **{"if-none-match": etag})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified.headers["etag"] == etag
    # Publishing the draft shows it at once, under a new ETag.
    await publish(client, tenant, draft["id"])
    fresh = await public(client, tenant, "home", **{"if-none-match": etag})
    assert fresh.status_code == 200
    assert fresh.json()["data"]["content"][0]["props"]["title"] == "Draft only"
    assert fresh.json()["title"] == "Renamed"
    assert fresh.headers["etag"] == f'"{page["id"]}.2"'
    assert await audit_actions(client, tenant, page["id"]) == [
        "page.created",
        "page.published",
        "page.updated",
        "page.published",
    ]


async def test_a_slug_change_moves_the_public_page_at_once(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    page = await publish(client, tenant, (await create_page(client, tenant))["id"])
    assert (await public(client, tenant, "home")).status_code == 200
    assert_problem(await public(client, tenant, "welcome"), 404, "not_found")  # remembered absent
    moved = await save(client, tenant, page, "Welcome", slug="welcome")
    assert_problem(await public(client, tenant, "home"), 404, "not_found")
    shown = await public(client, tenant, "welcome")
    assert shown.status_code == 200
    assert shown.json()["publishedVersion"] == 1  # the slug moved; the shown version did not
    assert moved["publishedVersion"] == 1


async def test_versions_are_listed_read_and_restored_with_history_kept(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    page = await create_page(client, tenant)
    for n in range(2, 6):
        page = await save(client, tenant, page, f"Heading {n}", title=f"Title {n}")
    url = f"/api/pages/{page['id']}/versions"
    first = await client.get(url, params={"limit": 2}, headers=tenant.auth(Role.ANALYST))
    assert first.status_code == 200, first.text
    assert [v["version"] for v in first.json()["items"]] == [5, 4]
    assert "data" not in first.json()["items"][0]
    second = await client.get(
        url, params={"limit": 2, "cursor": first.json()["nextCursor"]}, headers=tenant.auth()
    )
    third = await client.get(
        url, params={"limit": 2, "cursor": second.json()["nextCursor"]}, headers=tenant.auth()
    )
    assert [v["version"] for v in second.json()["items"]] == [3, 2]
    assert [v["version"] for v in third.json()["items"]] == [1]
    assert third.json()["nextCursor"] is None
    assert_problem(
        await client.get(url, params={"cursor": "!!"}, headers=tenant.auth()),
        422,
        "validation_failed",
    )
    old = await client.get(f"{url}/2", headers=tenant.auth())
    assert old.status_code == 200
    assert (old.json()["title"], old.json()["data"]) == ("Title 2", puck("Heading 2"))
    assert old.json()["createdBy"] == str(tenant.callers[(Role.OWNER, False)][0])
    for missing in ("9", "x", "1e3", "-1", "9" * 12):
        assert_problem(
            await client.get(f"{url}/{missing}", headers=tenant.auth()), 404, "not_found"
        )
    # Restore version 2: a new version 6 equal to it; 3-5 stay in the history.
    assert_problem(
        await client.post(f"{url}/2/restore", headers=tenant.auth() | {"if-match": '"4"'}),
        409,
        "version_conflict",
    )
    assert_problem(
        await client.post(f"{url}/2/restore", headers=tenant.auth(Role.SUPPORT)),
        403,
        "permission_denied",
    )
    restored = await client.post(
        f"{url}/2/restore", json={"version": page["version"]}, headers=tenant.auth()
    )
    assert restored.status_code == 200, restored.text
    assert (restored.json()["currentVersion"], restored.json()["title"]) == (6, "Title 2")
    assert restored.json()["data"] == puck("Heading 2")
    listed = await client.get(url, headers=tenant.auth())
    assert [v["version"] for v in listed.json()["items"]] == [6, 5, 4, 3, 2, 1]
    five = await client.get(f"{url}/5", headers=tenant.auth())
    assert five.json()["data"] == puck("Heading 5")
    actions = await audit_actions(client, tenant, page["id"])
    assert actions[-1] == "page.restored"


async def test_another_tenants_page_is_not_found(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    page = await publish(client, tenant, (await create_page(client, tenant))["id"])
    theirs = other_tenant.auth()
    base = f"/api/pages/{page['id']}"
    for response in [
        await client.get(base, headers=theirs),
        await client.get("/api/pages/home", headers=theirs),
        await client.put(base, json={"title": "x", "data": puck()}, headers=theirs),
        await client.post(f"{base}/publish", headers=theirs),
        await client.get(f"{base}/versions", headers=theirs),
        await client.get(f"{base}/versions/1", headers=theirs),
        await client.post(f"{base}/versions/1/restore", headers=theirs),
        await public(client, other_tenant, "home"),
    ]:
        assert_problem(response, 404, "not_found")
    assert (await client.get("/api/pages", headers=theirs)).json()["items"] == []
    assert (await public(client, tenant, "home")).status_code == 200
    # Their own page at the same slug is theirs alone.
    await publish(
        client, other_tenant, (await create_page(client, other_tenant, title="Theirs"))["id"]
    )
    assert (await public(client, other_tenant, "home")).json()["title"] == "Theirs"
    assert (await public(client, tenant, "home")).json()["title"] == "Home"


# --- two instances ------------------------------------------------------------------------------


@pytest.fixture(params=["postgres", "redis"])
async def pair(
    request: pytest.FixtureRequest, make_app: AppFactory
) -> AsyncIterator[tuple[tuple[Litestar, httpx.AsyncClient], tuple[Litestar, httpx.AsyncClient]]]:
    redis_url = request.getfixturevalue("redis_url") if request.param == "redis" else None
    async with AsyncExitStack() as stack:
        made = []
        for _ in range(2):
            app = make_app(redis_url=redis_url)
            made.append((app, await stack.enter_async_context(running(app))))
        yield made[0], made[1]


async def test_a_publish_on_one_instance_shows_on_the_other_at_the_next_request(
    pair: tuple[tuple[Litestar, httpx.AsyncClient], tuple[Litestar, httpx.AsyncClient]],
) -> None:
    (a_app, a), (_, b) = pair
    tenant = await new_tenant(a_app)
    page = await create_page(a, tenant)
    assert_problem(await public(b, tenant, "home"), 404, "not_found")  # B remembers: nothing here
    page = await publish(a, tenant, page["id"])
    for _ in range(2):  # B's first read after the publish, then its cached answer
        shown = await public(b, tenant, "home")
        assert shown.status_code == 200, shown.text
        assert shown.json()["publishedVersion"] == 1
    page = await save(a, tenant, page, "Version two")
    assert (await public(b, tenant, "home")).json()["publishedVersion"] == 1  # a draft: unseen
    await publish(a, tenant, page["id"])
    shown = await public(b, tenant, "home")
    assert shown.json()["publishedVersion"] == 2
    assert shown.json()["data"]["content"][0]["props"]["title"] == "Version two"
    restored = await a.post(f"/api/pages/{page['id']}/versions/1/restore", headers=tenant.auth())
    assert restored.status_code == 200
    await publish(a, tenant, page["id"])
    assert (await public(b, tenant, "home")).json()["data"] == puck()
