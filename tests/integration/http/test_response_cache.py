"""Hot GET answers are kept whole per process, keyed by every header they depend on, and
dropped by the same changes that drop the facts they were built from."""

from __future__ import annotations

import asyncpg
import httpx
import pytest
from litestar import Litestar
from tests.integration.http.identity_support import register
from tests.integration.http.test_conventions import assert_problem

from ticketbase.application.ports.cache import ChangeFeed, organization_tag, user_tag
from ticketbase.entrypoints.http.response_cache import ResponseCache

pytestmark = pytest.mark.anyio
BASE = "ticketbase.localhost"


async def rename_behind_the_caches(
    connection: asyncpg.Connection, organization_id: str, name: str
) -> None:
    """A write no process is told about (only the maximum age would ever drop the answer)."""
    await connection.execute(
        "UPDATE organizations SET name = $1 WHERE id = $2::uuid", name, organization_id
    )


async def test_the_public_profile_is_served_whole_from_the_cache_until_its_tag_changes(
    app: Litestar, client: httpx.AsyncClient, owner_connection: asyncpg.Connection
) -> None:
    owner = await register(client, "Kept")
    host = {"host": f"{owner.organization['slug']}.{BASE}"}
    responses: ResponseCache = await app.state.dishka_container.get(ResponseCache)
    first = await client.get("/api/organizations/by-domain", headers=host)
    assert first.json()["name"] == "Kept"
    await rename_behind_the_caches(owner_connection, owner.organization["id"], "Behind")
    hits = responses.hits
    second = await client.get("/api/organizations/by-domain", headers=host)
    assert second.json()["name"] == "Kept"  # proof the answer came from a cache…
    assert responses.hits == hits + 1  # …the whole answer, without entering the framework
    assert second.headers["etag"] == first.headers["etag"]
    assert second.headers["x-request-id"] != first.headers["x-request-id"]
    not_modified = await client.get(
        "/api/organizations/by-domain", headers={**host, "if-none-match": first.headers["etag"]}
    )
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified.headers["etag"] == first.headers["etag"]

    feed: ChangeFeed = await app.state.dishka_container.get(ChangeFeed)
    feed.forget([organization_tag(owner.organization["id"])])
    assert (await client.get("/api/organizations/by-domain", headers=host)).json()[
        "name"
    ] == "Behind"


async def test_every_header_the_answer_depends_on_is_part_of_the_key(
    client: httpx.AsyncClient,
) -> None:
    acme, rival = await register(client, "Acme"), await register(client, "Rival")
    for account in (acme, rival, acme, rival):
        by_header = await client.get(
            "/api/organizations/by-domain", headers={"x-organization": account.organization["slug"]}
        )
        assert by_header.json()["id"] == account.organization["id"]
        by_host = await client.get(
            "/api/organizations/by-domain",
            headers={"host": f"{account.organization['slug']}.{BASE}"},
        )
        assert by_host.json()["id"] == account.organization["id"]
        query = await client.get(
            "/api/organizations/by-domain",
            params={"domain": f"{account.organization['slug']}.{BASE}"},
        )
        assert query.json()["id"] == account.organization["id"]
        me = await client.get("/api/auth/me", headers=account.auth)
        assert me.json()["organization"]["id"] == account.organization["id"]


async def test_me_is_kept_per_token_and_dropped_when_the_account_changes(
    app: Litestar, client: httpx.AsyncClient, owner_connection: asyncpg.Connection
) -> None:
    owner = await register(client)
    responses: ResponseCache = await app.state.dishka_container.get(ResponseCache)
    assert (await client.get("/api/auth/me", headers=owner.auth)).json()["user"][
        "fullName"
    ] == "Olive Owner"
    await owner_connection.execute(
        "UPDATE users SET full_name = 'Behind' WHERE id = $1::uuid", owner.user["id"]
    )
    hits = responses.hits
    cached = await client.get("/api/auth/me", headers=owner.auth)
    assert cached.json()["user"]["fullName"] == "Olive Owner"
    assert responses.hits == hits + 1
    feed: ChangeFeed = await app.state.dishka_container.get(ChangeFeed)
    feed.forget([user_tag(owner.user["id"])])
    assert (await client.get("/api/auth/me", headers=owner.auth)).json()["user"][
        "fullName"
    ] == "Behind"
    # Another token of the same person is another key: nothing is served across tokens.
    assert_problem(
        await client.get("/api/auth/me", headers={"authorization": "Bearer not-a-token"}),
        401,
        "invalid_token",
    )


async def test_a_cors_request_takes_the_framework_path(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    owner = await register(client)
    responses: ResponseCache = await app.state.dishka_container.get(ResponseCache)
    host = {"host": f"{owner.organization['slug']}.{BASE}"}
    await client.get("/api/organizations/by-domain", headers=host)
    hits = responses.hits
    with_origin = await client.get(
        "/api/organizations/by-domain", headers={**host, "origin": "https://shop.example"}
    )
    assert with_origin.status_code == 200
    assert responses.hits == hits
    # No CORS configured for this app: the framework answers without allow-origin headers,
    # as it would have without the cache (a cached answer never carries another origin's).
    assert "access-control-allow-origin" not in with_origin.headers
