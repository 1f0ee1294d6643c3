"""Plans over HTTP on PostgreSQL: the subscription and its usage, plan changes (billing:manage,
409 below the usage, audit), every limit refused with 403 ``plan_limit_exceeded`` — the last
seat and the last published event raced by concurrent requests with exactly one winner — and
the organization's API rate with ``RateLimit-*`` headers and 429."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from tests.fakes.stripe_server import running as stripe_running
from tests.integration.http.conftest import AppFactory, Tenant, new_tenant, running
from tests.integration.http.test_events import create_event, storefront, ticket_type_body
from tests.integration.http.test_orders import on_sale, order_body

from ticketbase.domain.identity.permissions import Role

pytestmark = pytest.mark.anyio


def member(n: int) -> dict[str, str]:
    return {"email": f"member-{n}@example.com", "fullName": f"Member {n}", "role": "support"}


async def draft_with_tickets(client: httpx.AsyncClient, tenant: Tenant, name: str) -> str:
    event = await create_event(client, tenant, name=name)
    added = await client.post(
        f"/api/events/{event['id']}/ticket-types", json=ticket_type_body(), headers=tenant.auth()
    )
    assert added.status_code == 201, added.text
    return str(event["id"])


def refused_for(response: httpx.Response, limit: str) -> None:
    assert response.status_code == 403, response.text
    problem = response.json()
    assert problem["code"] == "plan_limit_exceeded"
    assert response.headers["content-type"].startswith("application/problem+json")
    assert f"limit {limit} " in problem["detail"]


async def test_every_member_reads_the_plan_and_its_usage(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await on_sale(client, tenant)
    for role in Role:
        read = await client.get("/api/subscription", headers=tenant.auth(role))
        assert read.status_code == 200, read.text
    body = read.json()
    assert body["plan"] == "free"
    assert body["status"] == "active"
    assert body["version"] == 1
    assert body["limits"] == {
        "seats": 3,
        "publishedEvents": 3,
        "ordersPerMonth": 500,
        "storageBytes": 1024**3,
        "apiRequestsPerMinute": 600,
    }
    usage = await client.get("/api/subscription/usage", headers=tenant.auth(Role.ANALYST))
    assert usage.status_code == 200, usage.text
    assert usage.json()["usage"] == {
        "seats": 0,
        "publishedEvents": 1,
        "ordersThisMonth": 0,
        "storageBytes": 0,
    }
    assert usage.json()["over"] == []
    assert (await client.get("/api/subscription")).status_code == 401


async def test_only_billing_manage_changes_the_plan_and_the_change_is_audited(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    denied = await client.put(
        "/api/subscription", json={"plan": "pro"}, headers=tenant.auth(Role.ADMIN)
    )
    assert denied.status_code == 403
    assert denied.json()["code"] == "permission_denied"

    changed = await client.put(
        "/api/subscription", json={"plan": "pro"}, headers=tenant.auth() | {"if-match": '"1"'}
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["plan"], changed.json()["version"]) == ("pro", 2)
    assert changed.json()["limits"]["seats"] == 25
    stale = await client.put(
        "/api/subscription", json={"plan": "free", "version": 1}, headers=tenant.auth()
    )
    assert stale.status_code == 409
    unknown = await client.put(
        "/api/subscription", json={"plan": "platinum"}, headers=tenant.auth()
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "plan"

    audit = await client.get(
        "/api/audit-logs", params={"targetType": "subscription"}, headers=tenant.auth()
    )
    [entry] = audit.json()["items"]
    assert entry["action"] == "subscription.plan_changed"
    assert entry["changes"]["plan"] == {"from": "free", "to": "pro"}
    assert (await client.get("/api/subscription", headers=tenant.auth())).json()["plan"] == "pro"


async def test_a_downgrade_below_the_usage_is_409_naming_what_is_over(
    make_app: AppFactory,
) -> None:
    async with running(make_app(plan_free_published_events=1)) as client:
        tenant = await new_tenant(client._transport.app)  # type: ignore[attr-defined]
        assert (
            await client.put("/api/subscription", json={"plan": "pro"}, headers=tenant.auth())
        ).status_code == 200
        for name in ("One", "Two"):
            event_id = await draft_with_tickets(client, tenant, name)
            published = await client.post(f"/api/events/{event_id}/publish", headers=tenant.auth())
            assert published.status_code == 200, published.text

        refused = await client.put(
            "/api/subscription", json={"plan": "free"}, headers=tenant.auth()
        )

        assert refused.status_code == 409, refused.text
        assert refused.json()["code"] == "plan_limits_exceeded_by_usage"
        assert "publishedEvents (2 > 1)" in refused.json()["detail"]
        assert (await client.get("/api/subscription", headers=tenant.auth())).json()[
            "plan"
        ] == "pro"


async def test_two_requests_racing_for_the_last_seat_one_wins(make_app: AppFactory) -> None:
    async with running(make_app(plan_free_seats=2)) as client:
        tenant = await new_tenant(client._transport.app)  # type: ignore[attr-defined]
        first = await client.post("/api/users", json=member(0), headers=tenant.auth())
        assert first.status_code == 201, first.text

        raced = await asyncio.gather(
            *(client.post("/api/users", json=member(n), headers=tenant.auth()) for n in (1, 2, 3))
        )

        assert sorted(r.status_code for r in raced) == [201, 403, 403]
        for response in raced:
            if response.status_code == 403:
                refused_for(response, "seats")
        usage = await client.get("/api/subscription/usage", headers=tenant.auth())
        assert usage.json()["usage"]["seats"] == 2
        listed = await client.get("/api/users", headers=tenant.auth())
        assert len(listed.json()["items"]) == 2
        # A seat given back (deactivated) can be taken again.
        gone = await client.delete(f"/api/users/{first.json()['id']}", headers=tenant.auth())
        assert gone.status_code == 204, gone.text
        again = await client.post("/api/users", json=member(9), headers=tenant.auth())
        assert again.status_code == 201, again.text


async def test_two_drafts_racing_for_the_last_published_event_one_goes_live(
    make_app: AppFactory,
) -> None:
    async with running(make_app(plan_free_published_events=2)) as client:
        tenant = await new_tenant(client._transport.app)  # type: ignore[attr-defined]
        first = await draft_with_tickets(client, tenant, "Opening")
        # The first publish creates the subscription row: the race below is on its lock alone.
        assert (
            await client.post(f"/api/events/{first}/publish", headers=tenant.auth())
        ).status_code == 200
        drafts = [await draft_with_tickets(client, tenant, f"Show {n}") for n in range(3)]

        raced = await asyncio.gather(
            *(client.post(f"/api/events/{d}/publish", headers=tenant.auth()) for d in drafts)
        )

        assert sorted(r.status_code for r in raced) == [200, 403, 403]
        refused_for(next(r for r in raced if r.status_code == 403), "publishedEvents")
        live = await client.get("/api/events", headers=storefront(tenant))
        assert len(live.json()["items"]) == 2


async def test_checkouts_past_the_months_orders_are_refused(make_app: AppFactory) -> None:
    async with running(make_app(plan_free_orders_per_month=2)) as client:
        tenant = await new_tenant(client._transport.app)  # type: ignore[attr-defined]
        event = await on_sale(client, tenant)
        for _ in range(2):
            placed = await client.post(
                "/api/orders", json=order_body(event), headers=storefront(tenant)
            )
            assert placed.status_code == 201, placed.text

        refused = await client.post(
            "/api/orders", json=order_body(event), headers=storefront(tenant)
        )

        refused_for(refused, "ordersPerMonth")
        usage = await client.get("/api/subscription/usage", headers=tenant.auth())
        assert usage.json()["usage"]["ordersThisMonth"] == 2


async def test_buyers_racing_for_the_last_orders_of_the_month_get_exactly_those(
    make_app: AppFactory,
) -> None:
    async with running(make_app(plan_free_orders_per_month=3)) as client:
        tenant = await new_tenant(client._transport.app)  # type: ignore[attr-defined]
        event = await on_sale(client, tenant)
        first = await client.post(
            "/api/orders", json=order_body(event, 1), headers=storefront(tenant)
        )
        assert first.status_code == 201, first.text

        raced = await asyncio.gather(
            *(
                client.post("/api/orders", json=order_body(event, 1), headers=storefront(tenant))
                for _ in range(5)
            )
        )

        assert sorted(r.status_code for r in raced) == [201, 201, 403, 403, 403]
        usage = await client.get("/api/subscription/usage", headers=tenant.auth())
        assert usage.json()["usage"]["ordersThisMonth"] == 3


async def test_the_organizations_api_rate_sends_headers_and_429_beyond_it(
    make_app: AppFactory,
) -> None:
    async with running(make_app(plan_free_api_requests_per_minute=3)) as client:
        app: Any = client._transport.app  # type: ignore[attr-defined]
        tenant, other = await new_tenant(app), await new_tenant(app, "Rival")
        remaining = []
        for role in (Role.OWNER, Role.ANALYST, Role.SUPPORT):  # every member counts together
            read = await client.get("/api/subscription", headers=tenant.auth(role))
            assert read.status_code == 200, read.text
            assert read.headers["ratelimit-limit"] == "3"
            assert int(read.headers["ratelimit-reset"]) <= 60
            remaining.append(read.headers["ratelimit-remaining"])
        assert remaining == ["2", "1", "0"]

        refused = await client.get("/api/subscription/usage", headers=tenant.auth())

        assert refused.status_code == 429, refused.text
        assert refused.json()["code"] == "rate_limited"
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.headers["ratelimit-remaining"] == "0"
        # Another organization has its own allowance; the storefront is not counted.
        assert (await client.get("/api/subscription", headers=other.auth())).status_code == 200
        public = await client.get("/api/events", headers=storefront(tenant))
        assert public.status_code == 200
        assert "ratelimit-limit" not in public.headers


async def test_an_upgrade_on_one_instance_raises_the_rate_on_the_other_at_once(
    make_app: AppFactory,
) -> None:
    async with AsyncExitStack() as stack:
        a = await stack.enter_async_context(running(make_app(plan_free_api_requests_per_minute=2)))
        b = await stack.enter_async_context(running(make_app(plan_free_api_requests_per_minute=2)))
        tenant = await new_tenant(a._transport.app)  # type: ignore[attr-defined]
        read = await b.get("/api/subscription", headers=tenant.auth())
        assert read.headers["ratelimit-limit"] == "2"  # b has cached the free plan

        assert (
            await a.put("/api/subscription", json={"plan": "pro"}, headers=tenant.auth())
        ).status_code == 200

        read = await b.get("/api/subscription", headers=tenant.auth())
        assert read.status_code == 200, read.text
        assert read.headers["ratelimit-limit"] == "6000"
        assert read.json()["plan"] == "pro"


async def test_with_stripe_billing_a_plan_change_is_billed_and_an_outage_changes_nothing(
    make_app: AppFactory,
) -> None:
    with stripe_running() as stripe:
        app = make_app(
            billing_provider="stripe",
            stripe_secret_key=stripe.secret_key,
            stripe_webhook_secret="whsec_test_fake_0123456789",
            stripe_api_base=stripe.base_url,
            stripe_price_pro="price_pro",
            stripe_price_enterprise="price_enterprise",
        )
        async with running(app) as client:
            tenant = await new_tenant(app)
            stripe.fail_next(3)
            down = await client.put(
                "/api/subscription", json={"plan": "pro"}, headers=tenant.auth()
            )
            assert down.status_code == 503, down.text
            assert down.json()["code"] == "billing_unavailable"
            assert (await client.get("/api/subscription", headers=tenant.auth())).json()[
                "plan"
            ] == "free"

            pro = await client.put("/api/subscription", json={"plan": "pro"}, headers=tenant.auth())

            assert pro.status_code == 200, pro.text
            assert pro.json()["billingProvider"] == "stripe"
            [created] = stripe.requests_to("POST", "/v1/subscriptions")
            assert ("items[0][price]", "price_pro") in created.form
            free = await client.put(
                "/api/subscription", json={"plan": "free"}, headers=tenant.auth()
            )
            assert free.status_code == 200, free.text
            [cancelled] = [r for r in stripe.requests if r.method == "DELETE"]
            assert stripe.subscription(cancelled.path.rsplit("/", 1)[1])["status"] == "canceled"
