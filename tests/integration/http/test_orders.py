"""The storefront's checkout and the buyer's view of an order over HTTP on the real database:
tenancy through X-Organization and the Host, sold out, the access token, and no oversell under
a crowd of concurrent buyers."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import httpx
import pytest
from litestar import Litestar
from tests.integration.http.conftest import AppFactory, Tenant, new_tenant, running
from tests.integration.http.test_conventions import assert_problem
from tests.integration.http.test_events import (
    BASE,
    create_event,
    storefront,
    ticket_type_body,
)

from ticketbase.application.events.storefront_cache import FRESH_FOR

pytestmark = pytest.mark.anyio


def order_body(event: dict[str, Any], quantity: int = 2, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "eventId": event["id"],
        "items": [{"ticketTypeId": event["ticketTypeId"], "quantity": quantity}],
        "buyer": {"fullName": "Ada Lovelace", "email": "Ada@Example.com"},
    }
    return body | changes


async def on_sale(
    client: httpx.AsyncClient, tenant: Tenant, quantity: int = 100, *, publish: bool = True
) -> dict[str, Any]:
    """An event with one ticket type (published unless told): its ``id``, ``slug`` and the
    type's id as ``ticketTypeId``."""
    event = await create_event(client, tenant)
    added = await client.post(
        f"/api/events/{event['id']}/ticket-types",
        json=ticket_type_body(quantity=quantity),
        headers=tenant.auth(),
    )
    assert added.status_code == 201, added.text
    if publish:
        published = await client.post(f"/api/events/{event['id']}/publish", headers=tenant.auth())
        assert published.status_code == 200, published.text
    return {"id": event["id"], "slug": event["slug"], "ticketTypeId": added.json()["id"]}


async def staff_ticket_type(
    client: httpx.AsyncClient, tenant: Tenant, event: dict[str, Any]
) -> dict[str, Any]:
    read = await client.get(f"/api/events/{event['id']}", headers=tenant.auth())
    assert read.status_code == 200, read.text
    return dict(read.json()["ticketTypes"][0])


async def test_a_checkout_places_a_pending_order_through_either_storefront_door(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    event = await on_sale(client, tenant)
    host = {"host": f"{tenant.organization.slug.value}.{BASE}"}
    for number, headers in enumerate((storefront(tenant), host), start=1):
        placed = await client.post("/api/orders", json=order_body(event), headers=headers)
        assert placed.status_code == 201, placed.text
        body = placed.json()
        assert body["status"] == "pending"
        assert body["number"] == f"{number:06d}" + body["number"][-1]
        assert body["totals"] == {
            "subtotal": {"amount": 5000, "currency": "EUR"},
            "discount": {"amount": 0, "currency": "EUR"},
            "fees": {"amount": 0, "currency": "EUR"},
            "tax": {"amount": 0, "currency": "EUR"},
            "total": {"amount": 5000, "currency": "EUR"},
        }
        assert body["items"][0]["quantity"] == 2
        assert body["buyer"] == {"fullName": "Ada Lovelace", "email": "ada@example.com"}
        assert body["accessToken"]
        assert body["expiresAt"] > body["createdAt"]
    assert (await staff_ticket_type(client, tenant, event))["held"] == 4


async def test_the_buyer_reads_the_order_only_with_its_token(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    event = await on_sale(client, tenant)
    placed = (
        await client.post("/api/orders", json=order_body(event), headers=storefront(tenant))
    ).json()
    path = f"/api/orders/{placed['id']}"
    read = await client.get(
        path, params={"token": placed["accessToken"]}, headers=storefront(tenant)
    )
    assert read.status_code == 200, read.text
    assert read.json() == {k: v for k, v in placed.items() if k != "accessToken"}
    for params in ({}, {"token": "not-the-token"}):
        assert_problem(
            await client.get(path, params=params, headers=storefront(tenant)), 404, "not_found"
        )
    elsewhere = await client.get(
        path, params={"token": placed["accessToken"]}, headers=storefront(other_tenant)
    )
    assert_problem(elsewhere, 404, "not_found")


async def test_sold_out_is_a_409_naming_the_type_and_holds_nothing(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    event = await on_sale(client, tenant, 3)
    refused = await client.post(
        "/api/orders", json=order_body(event, 4), headers=storefront(tenant)
    )
    body = assert_problem(refused, 409, "sold_out")
    assert "General admission" in str(body["detail"])
    assert [e["field"] for e in body["errors"]] == ["items[0].ticketTypeId"]  # type: ignore[attr-defined]
    assert (await staff_ticket_type(client, tenant, event))["held"] == 0


async def test_field_errors_name_the_clients_paths(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    event = await on_sale(client, tenant)
    cases = [
        (order_body(event, 0), "items[0].quantity"),
        (order_body(event, 11), "items[0].quantity"),
        (order_body(event, buyer={"fullName": "Ada", "email": "nope"}), "buyer.email"),
        (order_body(event, promoCode="NOSUCHCODE"), "promoCode"),
    ]
    for body, field in cases:
        refused = await client.post("/api/orders", json=body, headers=storefront(tenant))
        problem = assert_problem(refused, 422, refused.json()["code"])
        assert [e["field"] for e in problem["errors"]] == [field], refused.text  # type: ignore[union-attr]


async def test_a_draft_or_another_tenants_event_is_404(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    draft = await on_sale(client, tenant, publish=False)
    theirs = await on_sale(client, other_tenant)
    for event in (draft, theirs):
        refused = await client.post(
            "/api/orders", json=order_body(event), headers=storefront(tenant)
        )
        assert_problem(refused, 404, "not_found")


async def test_a_crowd_of_buyers_takes_exactly_the_tickets_there_are(
    make_app: AppFactory,
) -> None:
    app: Litestar = make_app(database_pool_size=20)
    async with running(app) as client:
        tenant = await new_tenant(app)
        event = await on_sale(client, tenant, 50)
        public = await client.get(f"/api/events/{event['slug']}", headers=storefront(tenant))
        assert public.json()["ticketTypes"][0]["available"] == 50
        answers = await asyncio.gather(
            *(
                client.post("/api/orders", json=order_body(event, 1), headers=storefront(tenant))
                for _ in range(120)
            )
        )
        statuses = [a.status_code for a in answers]
        assert statuses.count(201) == 50, statuses
        assert statuses.count(409) == 70, statuses
        assert {a.json()["code"] for a in answers if a.status_code == 409} == {"sold_out"}
        numbers = [a.json()["number"] for a in answers if a.status_code == 201]
        assert len(set(numbers)) == 50  # unique; refused buyers skipped theirs (numbers.py)
        assert (await staff_ticket_type(client, tenant, event))["held"] == 50
        # Sales tell no cache: the storefront shows the stock at most FRESH_FOR (1 s) late.
        deadline = asyncio.get_running_loop().time() + FRESH_FOR.total_seconds() + 1
        while True:
            public = await client.get(f"/api/events/{event['slug']}", headers=storefront(tenant))
            available = public.json()["ticketTypes"][0]["available"]
            if available == 0 or asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.1)
        assert available == 0


async def test_a_replay_with_the_same_key_answers_the_first_201_and_places_one_order(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    event = await on_sale(client, tenant)
    headers = storefront(tenant) | {"idempotency-key": "checkout-7f3a"}
    first = await client.post("/api/orders", json=order_body(event), headers=headers)
    assert first.status_code == 201, first.text
    again = await client.post("/api/orders", json=order_body(event), headers=headers)
    assert again.status_code == 201, again.text
    assert again.json() == first.json()
    assert (await staff_ticket_type(client, tenant, event))["held"] == 2
    other = await client.post("/api/orders", json=order_body(event, 3), headers=headers)
    problem = assert_problem(other, 422, "idempotency_key_reused")
    assert [e["field"] for e in problem["errors"]] == ["Idempotency-Key"]  # type: ignore[attr-defined]
    assert (await staff_ticket_type(client, tenant, event))["held"] == 2


async def test_no_buyer_token_is_stored_in_clear(
    client: httpx.AsyncClient, tenant: Tenant, owner_connection: asyncpg.Connection
) -> None:
    """The idempotent replay derives the token again; the database keeps only its hash."""
    event = await on_sale(client, tenant)
    headers = storefront(tenant) | {"idempotency-key": "no-clear-token"}
    placed = (await client.post("/api/orders", json=order_body(event), headers=headers)).json()
    token = placed["accessToken"]
    for table in ("orders", "idempotency_keys"):
        rows = await owner_connection.fetch(
            f"SELECT row_to_json(t)::text AS row FROM {table} t WHERE organization_id = $1",
            tenant.organization.id,
        )
        assert rows, table
        assert all(token not in r["row"] for r in rows), table


async def test_concurrent_requests_with_one_key_place_one_order(
    make_app: AppFactory,
) -> None:
    app: Litestar = make_app(database_pool_size=10)
    async with running(app) as client:
        tenant = await new_tenant(app)
        event = await on_sale(client, tenant)
        headers = storefront(tenant) | {"idempotency-key": "double-click"}
        answers = await asyncio.gather(
            *(client.post("/api/orders", json=order_body(event), headers=headers) for _ in range(8))
        )
        assert [a.status_code for a in answers] == [201] * 8
        assert len({a.json()["id"] for a in answers}) == 1
        assert len({a.text for a in answers}) == 1
        assert (await staff_ticket_type(client, tenant, event))["held"] == 2


async def test_a_refused_request_leaves_its_key_unused(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    event = await on_sale(client, tenant, 3)
    headers = storefront(tenant) | {"idempotency-key": "retry-me"}
    refused = await client.post("/api/orders", json=order_body(event, 4), headers=headers)
    assert_problem(refused, 409, "sold_out")
    placed = await client.post("/api/orders", json=order_body(event, 3), headers=headers)
    assert placed.status_code == 201, placed.text
    bad_key = storefront(tenant) | {"idempotency-key": "has space"}
    invalid = await client.post("/api/orders", json=order_body(event, 1), headers=bad_key)
    problem = assert_problem(invalid, 422, "validation_failed")
    assert [e["field"] for e in problem["errors"]] == ["Idempotency-Key"]  # type: ignore[attr-defined]
