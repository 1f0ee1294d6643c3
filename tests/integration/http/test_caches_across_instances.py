"""Two app instances on one database: what one changes, the other sees at the next request.

Each instance keeps its own caches (sessions, profiles, storefront tenants) and its own
change-feed subscription: PostgreSQL LISTEN/NOTIFY without Redis (the embedded default), Redis
pub/sub with it. No waiting anywhere: the writer's answer leaves only after every subscribed
instance has acknowledged the change.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
import httpx
import pytest
from litestar import Litestar
from tests.integration.http.conftest import AppFactory, running
from tests.integration.http.identity_support import PASSWORD, Account, login, register
from tests.integration.http.test_conventions import assert_problem

from ticketbase.adapters.local.cache import CacheHub
from ticketbase.application.identity.check_session import WatchEndedSessions
from ticketbase.application.identity.verify_custom_domain import VerifyCustomDomain
from ticketbase.application.ports.security import TokenService
from ticketbase.domain.shared.ids import SessionId, UserId

pytestmark = pytest.mark.anyio
BASE = "ticketbase.localhost"


@dataclass
class Instance:
    app: Litestar
    http: httpx.AsyncClient

    async def hub(self) -> CacheHub:
        hub: CacheHub = await self.app.state.dishka_container.get(CacheHub)
        return hub


@pytest.fixture(params=["postgres", "redis"])
async def pair(
    request: pytest.FixtureRequest, make_app: AppFactory
) -> AsyncIterator[tuple[Instance, Instance]]:
    redis_url = request.getfixturevalue("redis_url") if request.param == "redis" else None
    async with AsyncExitStack() as stack:
        instances = []
        for _ in range(2):
            app = make_app(redis_url=redis_url, rate_limit_auth="1000/1m")
            instances.append(Instance(app, await stack.enter_async_context(running(app))))
        yield instances[0], instances[1]


async def me(instance: Instance, auth: dict[str, str]) -> httpx.Response:
    return await instance.http.get("/api/auth/me", headers=auth)


async def test_a_logout_on_one_instance_is_refused_by_the_other_at_the_next_request(
    pair: tuple[Instance, Instance],
) -> None:
    a, b = pair
    owner = await register(a.http)
    for instance in (a, b, a, b):  # both now hold the session as running
        assert (await me(instance, owner.auth)).status_code == 200
    assert (await a.http.post("/api/auth/logout", headers=owner.auth)).status_code == 204
    assert_problem(await me(b, owner.auth), 401, "session_revoked")
    assert_problem(await me(a, owner.auth), 401, "session_revoked")


async def test_ending_another_device_reaches_every_instance(
    pair: tuple[Instance, Instance],
) -> None:
    a, b = pair
    owner = await register(a.http)
    phone = (await login(a.http, owner.email)).json()["tokens"]
    phone_auth = {"authorization": f"Bearer {phone['accessToken']}"}
    assert (await me(b, phone_auth)).status_code == 200
    sessions = (await a.http.get("/api/auth/sessions", headers=owner.auth)).json()["items"]
    other = next(s for s in sessions if not s["current"])
    ended = await a.http.delete(f"/api/auth/sessions/{other['id']}", headers=owner.auth)
    assert ended.status_code == 204
    assert_problem(await me(b, phone_auth), 401, "session_revoked")
    assert (await me(b, owner.auth)).status_code == 200


async def test_a_password_change_ends_the_other_sessions_everywhere(
    pair: tuple[Instance, Instance],
) -> None:
    a, b = pair
    owner = await register(a.http)
    laptop = (await login(a.http, owner.email)).json()["tokens"]
    laptop_auth = {"authorization": f"Bearer {laptop['accessToken']}"}
    assert (await me(b, laptop_auth)).status_code == 200
    changed = await a.http.post(
        "/api/auth/change-password",
        json={"currentPassword": PASSWORD, "newPassword": "a brand new passphrase 7"},
        headers=owner.auth,
    )
    assert changed.status_code == 204, changed.text
    assert_problem(await me(b, laptop_auth), 401, "session_revoked")


async def test_a_role_change_and_a_deactivation_take_effect_at_the_next_request(
    pair: tuple[Instance, Instance],
) -> None:
    a, b = pair
    owner = await register(a.http)
    member_auth = {}
    members = []
    for role in ("manager", "support"):
        email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
        created = await a.http.post(
            "/api/users",
            json={"email": email, "fullName": "Some One", "role": role, "password": PASSWORD},
            headers=owner.auth,
        )
        assert created.status_code == 201, created.text
        members.append(created.json())
        tokens = (await login(a.http, email)).json()["tokens"]
        member_auth[role] = {"authorization": f"Bearer {tokens['accessToken']}"}
        assert (await me(b, member_auth[role])).json()["membership"]["role"] == role
    manager, support = members
    promoted = await a.http.put(
        f"/api/users/{manager['id']}", json={"role": "admin"}, headers=owner.auth
    )
    assert promoted.status_code == 200, promoted.text
    assert_problem(await me(b, member_auth["manager"]), 401, "session_revoked")
    removed = await a.http.delete(f"/api/users/{support['id']}", headers=owner.auth)
    assert removed.status_code == 204
    assert_problem(await me(b, member_auth["support"]), 401, "session_revoked")


async def test_a_profile_change_shows_in_me_on_the_other_instance(
    pair: tuple[Instance, Instance],
) -> None:
    a, b = pair
    owner = await register(a.http)
    assert (await me(b, owner.auth)).json()["user"]["fullName"] == "Olive Owner"
    renamed = await a.http.put(
        f"/api/users/{owner.user['id']}", json={"fullName": "Olive Renamed"}, headers=owner.auth
    )
    assert renamed.status_code == 200, renamed.text
    assert (await me(b, owner.auth)).json()["user"]["fullName"] == "Olive Renamed"
    organization = await a.http.put(
        f"/api/organizations/{owner.organization['id']}",
        json={"name": "Acme Renamed"},
        headers=owner.auth,
    )
    assert organization.status_code == 200, organization.text
    assert (await me(b, owner.auth)).json()["organization"]["name"] == "Acme Renamed"


async def test_storefront_resolution_follows_organization_changes_everywhere(
    pair: tuple[Instance, Instance],
) -> None:
    a, b = pair
    owner = await register(a.http, "Before")
    host = {"host": f"{owner.organization['slug']}.{BASE}"}
    by_slug = {"x-organization": owner.organization["slug"]}
    for headers in (host, by_slug):
        assert (await b.http.get("/api/organizations/by-domain", headers=headers)).json()[
            "name"
        ] == "Before"
    await a.http.put(
        f"/api/organizations/{owner.organization['id']}",
        json={"name": "After"},
        headers=owner.auth,
    )
    for headers in (host, by_slug):
        assert (await b.http.get("/api/organizations/by-domain", headers=headers)).json()[
            "name"
        ] == "After"

    # An unknown domain is remembered as unknown — until a verified domain fills it.
    domain = f"tickets-{uuid.uuid4().hex[:8]}.example.org"
    custom = {"host": domain}
    assert_problem(
        await b.http.get("/api/organizations/by-domain", headers=custom), 404, "not_found"
    )
    await a.http.put(
        f"/api/organizations/{owner.organization['id']}",
        json={"customDomains": [domain]},
        headers=owner.auth,
    )
    assert_problem(
        await b.http.get("/api/organizations/by-domain", headers=custom), 404, "not_found"
    )
    async with a.app.state.dishka_container() as request:
        verify = await request.get(VerifyCustomDomain)
        await verify(owner.organization["slug"], domain)
    resolved = await b.http.get("/api/organizations/by-domain", headers=custom)
    assert resolved.status_code == 200
    assert resolved.json()["id"] == owner.organization["id"]


async def test_a_token_whose_session_does_not_exist_is_refused(
    pair: tuple[Instance, Instance],
) -> None:
    a, b = pair
    owner = await register(a.http)
    tokens: TokenService = await a.app.state.dishka_container.get(TokenService)
    forged, _ = tokens.issue_access_token(  # the right key, a session nobody started
        user_id=UserId(uuid.UUID(owner.user["id"])),
        session_id=SessionId(uuid.uuid4()),
        organization_id=None,
        role=None,
        is_platform_admin=False,
    )
    for instance in (a, b, b):
        assert_problem(
            await me(instance, {"authorization": f"Bearer {forged}"}), 401, "session_revoked"
        )


async def test_a_logout_survives_a_restart(make_app: AppFactory) -> None:
    async with running(make_app()) as first:
        owner = await register(first)
        kept = (await login(first, owner.email)).json()["tokens"]
        assert (await first.post("/api/auth/logout", headers=owner.auth)).status_code == 204
    async with running(make_app()) as restarted:
        assert_problem(
            await restarted.get("/api/auth/me", headers=owner.auth), 401, "session_revoked"
        )
        kept_auth = {"authorization": f"Bearer {kept['accessToken']}"}
        assert (await restarted.get("/api/auth/me", headers=kept_auth)).status_code == 200


async def wait_until(condition: object, deadline_seconds: float = 10.0) -> None:
    """Poll a hub flag (no fixed sleep): the feed reconnects on its own schedule."""
    import anyio

    give_up = time.monotonic() + deadline_seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < give_up, "timed out"
        await anyio.sleep(0.02)


async def test_an_instance_that_lost_its_subscription_reads_the_database_until_it_is_back(
    make_app: AppFactory, owner_connection: asyncpg.Connection
) -> None:
    async with AsyncExitStack() as stack:
        a_app, b_app = make_app(), make_app()
        a = Instance(a_app, await stack.enter_async_context(running(a_app)))
        b = Instance(b_app, await stack.enter_async_context(running(b_app)))
        owner = await register(a.http)
        assert (await me(b, owner.auth)).status_code == 200
        hub = await b.hub()
        before = hub.generation
        # Every listener's connection dies (a database restart, a network cut).
        await owner_connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'ticketbase-listen' AND datname = current_database()"
        )
        await wait_until(lambda: (hub.generation > before and not hub.in_sync) or hub.in_sync)
        assert (await a.http.post("/api/auth/logout", headers=owner.auth)).status_code == 204
        # Whether B has noticed yet or already resubscribed (starting from empty), it refuses.
        assert_problem(await me(b, owner.auth), 401, "session_revoked")
        await wait_until(lambda: hub.in_sync)
        assert_problem(await me(b, owner.auth), 401, "session_revoked")


async def test_the_sweep_catches_a_session_ended_without_a_message(
    client: httpx.AsyncClient, app: Litestar, owner_connection: asyncpg.Connection
) -> None:
    """A writer that died between its commit and its publish: the sweep is the backstop."""
    owner: Account = await register(client)
    assert (await client.get("/api/auth/me", headers=owner.auth)).status_code == 200
    await owner_connection.execute(
        "UPDATE sessions SET revoked_at = $1, revoked_reason = 'logout' WHERE user_id = $2",
        datetime.now(UTC),
        uuid.UUID(owner.user["id"]),
    )
    assert (await client.get("/api/auth/me", headers=owner.auth)).status_code == 200  # cached
    sweep = await app.state.dishka_container.get(WatchEndedSessions)
    assert await sweep() >= 1  # this one, and any other test's ended lately
    assert_problem(await client.get("/api/auth/me", headers=owner.auth), 401, "session_revoked")
