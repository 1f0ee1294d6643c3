"""Authentication over HTTP on the real database: tokens, sessions, limits, password flows."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from litestar import Litestar
from tests.integration.http.conftest import AppFactory, running
from tests.integration.http.identity_support import PASSWORD, login, mailbox_links, register
from tests.integration.http.test_conventions import assert_problem

from ticketbase.entrypoints.settings import Settings

pytestmark = pytest.mark.anyio


async def test_register_creates_the_organization_and_its_owner(client: httpx.AsyncClient) -> None:
    account = await register(client, "Acme Live")
    assert account.organization["name"] == "Acme Live"
    assert account.tokens["tokenType"] == "Bearer"
    assert account.tokens["expiresIn"] == 900
    me = await client.get("/api/auth/me", headers=account.auth)
    assert me.status_code == 200
    body = me.json()
    assert body["user"]["email"] == account.email
    assert body["membership"]["role"] == "owner"
    assert "organization:update" in body["membership"]["permissions"]
    assert body["organization"]["slug"] == account.organization["slug"]


async def test_register_refuses_a_taken_slug_or_email_and_weak_passwords(
    client: httpx.AsyncClient,
) -> None:
    first = await register(client)
    base = {"organizationName": "X", "fullName": "X Y", "password": PASSWORD}
    taken_slug = await client.post(
        "/api/auth/register",
        json={**base, "organizationSlug": first.organization["slug"], "email": "new@example.com"},
    )
    assert_problem(taken_slug, 409, "conflict")
    taken_email = await client.post(
        "/api/auth/register",
        json={**base, "organizationSlug": "brand-new-slug-1", "email": first.email.upper()},
    )
    assert_problem(taken_email, 409, "conflict")
    weak = await client.post(
        "/api/auth/register",
        json={
            **base,
            "organizationSlug": "brand-new-slug-2",
            "email": "weak@example.com",
            "password": "short",
        },
    )
    body = assert_problem(weak, 422, "validation_failed")
    assert body["errors"][0]["field"] == "password"  # type: ignore[index]


async def test_a_missing_field_is_named_in_the_errors(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/auth/login", json={"password": PASSWORD})
    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"][0]["field"] == "email"  # type: ignore[index]


async def test_wrong_password_and_unknown_email_answer_alike(client: httpx.AsyncClient) -> None:
    account = await register(client)
    wrong = await login(client, account.email, "not the password at all")
    unknown = await login(client, "nobody-here@example.com", "not the password at all")
    for response in (wrong, unknown):
        assert_problem(response, 401, "invalid_credentials")
    strip = lambda r: {k: v for k, v in r.json().items() if k != "requestId"}  # noqa: E731
    assert strip(wrong) == strip(unknown)
    failed_logins = 'ticketbase_problems_total{code="invalid_credentials"} 2.0'
    assert failed_logins in (await client.get("/metrics")).text
    ok = await login(client, account.email.upper())
    assert ok.status_code == 200
    assert ok.json()["organization"]["id"] == account.organization["id"]
    assert ok.headers["ratelimit-limit"] == "30"


async def test_repeated_failures_are_refused_with_429(client: httpx.AsyncClient) -> None:
    account = await register(client)
    for _ in range(5):
        assert (await login(client, account.email, "wrong password, again")).status_code == 401
    refused = await login(client, account.email)  # even the right password now waits
    assert_problem(refused, 429, "rate_limited")
    assert int(refused.headers["retry-after"]) > 0


async def test_refresh_rotates_and_a_replayed_token_kills_the_session(
    client: httpx.AsyncClient,
) -> None:
    account = await register(client)
    first = account.tokens["refreshToken"]
    rotated = await client.post("/api/auth/refresh", json={"refreshToken": first})
    assert rotated.status_code == 200
    second = rotated.json()["tokens"]
    assert second["refreshToken"] != first
    replay = await client.post("/api/auth/refresh", json={"refreshToken": first})
    assert_problem(replay, 401, "invalid_refresh_token")
    # The thief's replay ended the session for everyone holding it.
    newest = await client.post("/api/auth/refresh", json={"refreshToken": second["refreshToken"]})
    assert_problem(newest, 401, "invalid_refresh_token")
    me = await client.get(
        "/api/auth/me", headers={"authorization": f"Bearer {second['accessToken']}"}
    )
    assert_problem(me, 401, "session_revoked")


async def test_logout_ends_the_access_token_at_once(client: httpx.AsyncClient) -> None:
    account = await register(client)
    assert (await client.post("/api/auth/logout", headers=account.auth)).status_code == 204
    assert_problem(await client.get("/api/auth/me", headers=account.auth), 401, "session_revoked")
    refresh = await client.post(
        "/api/auth/refresh", json={"refreshToken": account.tokens["refreshToken"]}
    )
    assert_problem(refresh, 401, "invalid_refresh_token")


async def test_sessions_are_listed_and_ended_per_device(client: httpx.AsyncClient) -> None:
    account = await register(client)
    phone = (
        await client.post(
            "/api/auth/login",
            json={"email": account.email, "password": PASSWORD},
            headers={"user-agent": "Phone/1.0"},
        )
    ).json()["tokens"]
    listed = await client.get("/api/auth/sessions", headers=account.auth)
    items = listed.json()["items"]
    assert len(items) == 2
    assert {i["current"] for i in items} == {True, False}
    other = next(i for i in items if not i["current"])
    assert other["userAgent"] == "Phone/1.0"
    assert other["ip"] == "203.0.113.7"
    ended = await client.delete(f"/api/auth/sessions/{other['id']}", headers=account.auth)
    assert ended.status_code == 204
    phone_auth = {"authorization": f"Bearer {phone['accessToken']}"}
    assert_problem(await client.get("/api/auth/me", headers=phone_auth), 401, "session_revoked")
    assert (await client.get("/api/auth/me", headers=account.auth)).status_code == 200
    stranger = await register(client)
    foreign = await client.delete(f"/api/auth/sessions/{other['id']}", headers=stranger.auth)
    assert_problem(foreign, 404, "not_found")


async def test_forgotten_password_is_reset_through_a_one_time_link(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    account = await register(client)
    unknown = await client.post("/api/auth/forgot-password", json={"email": "nobody@example.com"})
    known = await client.post("/api/auth/forgot-password", json={"email": account.email})
    assert unknown.status_code == known.status_code == 202
    assert unknown.json() == known.json()
    (token,) = mailbox_links(settings.data_dir, account.email)
    new_password = "a brand new passphrase"
    reset = await client.post(
        "/api/auth/reset-password", json={"token": token, "password": new_password}
    )
    assert reset.status_code == 204
    again = await client.post(
        "/api/auth/reset-password", json={"token": token, "password": "yet another passphrase"}
    )
    assert_problem(again, 422, "invalid_token")
    assert_problem(await client.get("/api/auth/me", headers=account.auth), 401, "session_revoked")
    assert (await login(client, account.email)).status_code == 401
    assert (await login(client, account.email, new_password)).status_code == 200


async def test_changing_the_password_ends_the_other_sessions(client: httpx.AsyncClient) -> None:
    account = await register(client)
    other = (await login(client, account.email)).json()["tokens"]
    wrong = await client.post(
        "/api/auth/change-password",
        json={"currentPassword": "not it at all", "newPassword": "another fine passphrase"},
        headers=account.auth,
    )
    assert_problem(wrong, 401, "invalid_credentials")
    changed = await client.post(
        "/api/auth/change-password",
        json={"currentPassword": PASSWORD, "newPassword": "another fine passphrase"},
        headers=account.auth,
    )
    assert changed.status_code == 204
    assert (await client.get("/api/auth/me", headers=account.auth)).status_code == 200
    other_auth = {"authorization": f"Bearer {other['accessToken']}"}
    assert_problem(await client.get("/api/auth/me", headers=other_auth), 401, "session_revoked")


async def test_logins_in_a_burst_do_not_stall_other_requests(
    client: httpx.AsyncClient,
) -> None:
    account = await register(client)
    finished: list[str] = []

    async def log_in() -> None:
        response = await login(client, account.email)
        assert response.status_code == 200, response.text  # concurrent logins never conflict
        finished.append("login")

    async def live() -> None:
        await asyncio.sleep(0)  # let the logins start first
        response = await client.get("/health/live")
        assert response.status_code == 200
        finished.append("live")

    await asyncio.gather(*(log_in() for _ in range(20)), live())
    # Hashing runs on threads with bounded concurrency: the probe is answered long before
    # the last of the 20 logins, not queued behind them.
    assert finished.index("live") < finished.count("login")
    assert finished.count("login") == 20


async def test_revocation_is_shared_across_processes_through_redis(
    make_app: AppFactory, redis_url: str
) -> None:
    first: Litestar = make_app(redis_url=redis_url)
    second: Litestar = make_app(redis_url=redis_url)
    async with running(first) as one, running(second) as two:
        account = await register(one)
        assert (await two.get("/api/auth/me", headers=account.auth)).status_code == 200
        assert (await one.post("/api/auth/logout", headers=account.auth)).status_code == 204
        assert_problem(await two.get("/api/auth/me", headers=account.auth), 401, "session_revoked")


async def test_auth_routes_are_rate_limited_per_client(make_app: AppFactory) -> None:
    async with running(make_app(rate_limit_auth="3/1m")) as client:
        answers = [
            await client.post("/api/auth/refresh", json={"refreshToken": "x"}) for _ in range(4)
        ]
    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    assert answers[0].headers["ratelimit-remaining"] == "2"
    assert_problem(answers[3], 429, "rate_limited")
    assert answers[3].headers["ratelimit-remaining"] == "0"
    assert int(answers[3].headers["retry-after"]) > 0


async def test_me_and_sessions_are_not_counted_against_the_auth_limit(
    make_app: AppFactory,
) -> None:
    async with running(make_app(rate_limit_auth="3/1m")) as client:
        account = await register(client)  # 1 of 3
        answers = [await client.get("/api/auth/me", headers=account.auth) for _ in range(5)]
        assert [a.status_code for a in answers] == [200] * 5
        # Counted against the organization's plan rate (600 a minute on free), not the auth limit.
        assert answers[0].headers["ratelimit-limit"] == "600"
        refreshed = await client.post(
            "/api/auth/refresh", json={"refreshToken": account.tokens["refreshToken"]}
        )
        assert refreshed.headers["ratelimit-remaining"] == "1"


async def test_an_unreachable_redis_fails_closed_with_503(make_app: AppFactory) -> None:
    async with running(make_app(redis_url="redis://127.0.0.1:9/0")) as client:
        response = await login(client, "someone@example.com")
    assert_problem(response, 503, "cache_unavailable")
    assert response.headers["retry-after"] == "5"
