"""Staff on orders over HTTP on the real database: the filtered, cursor-paged list; cancel;
refund (a card order refunded in part then in full, the worker giving the money back through a
fake Stripe once, however often the command is delivered); resending the confirmation. Each
by who may (support, the owner), who may not (the analyst: 403) and another tenant (404)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import httpx
import pytest
from litestar import Litestar
from tests.fakes.stripe_server import FakeStripe, running
from tests.integration.http.conftest import AppFactory, Tenant
from tests.integration.http.conftest import running as running_app
from tests.integration.http.test_conventions import assert_problem
from tests.integration.http.test_events import create_event, storefront, ticket_type_body
from tests.integration.http.test_orders import on_sale, order_body, staff_ticket_type
from tests.integration.http.test_payments import WEBHOOK_SECRET, buyer
from tests.integration.support import deliver_own_outbox

from ticketbase.application.outbox.deliver_outbox import Outcome
from ticketbase.domain.identity.permissions import Role

pytestmark = pytest.mark.anyio


async def place(
    client: httpx.AsyncClient,
    tenant: Tenant,
    event: dict[str, Any],
    quantity: int = 2,
    email: str = "Ada@Example.com",
) -> dict[str, Any]:
    body = order_body(event, quantity, buyer={"fullName": "Ada Lovelace", "email": email})
    placed = await client.post("/api/orders", json=body, headers=storefront(tenant))
    assert placed.status_code == 201, placed.text
    return dict(placed.json())


async def paid_at_box_office(
    client: httpx.AsyncClient, tenant: Tenant, event: dict[str, Any], quantity: int = 2
) -> dict[str, Any]:
    order = await place(client, tenant, event, quantity)
    paid = await client.post(
        f"/api/orders/{order['id']}/pay", json={"provider": "manual"}, headers=tenant.auth()
    )
    assert paid.status_code == 200, paid.text
    return dict(paid.json())


async def another_event_on_sale(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, Any]:
    event = await create_event(client, tenant, name="Winter Gala")
    added = await client.post(
        f"/api/events/{event['id']}/ticket-types", json=ticket_type_body(), headers=tenant.auth()
    )
    assert added.status_code == 201, added.text
    published = await client.post(f"/api/events/{event['id']}/publish", headers=tenant.auth())
    assert published.status_code == 200, published.text
    return {"id": event["id"], "slug": event["slug"], "ticketTypeId": added.json()["id"]}


async def audited(connection: asyncpg.Connection, order_id: str, action: str) -> int:
    found = await connection.fetchval(
        "SELECT count(*) FROM audit_log WHERE target_id = $1 AND action = $2", order_id, action
    )
    return int(found)


# --- list ----------------------------------------------------------------------------------------


async def test_staff_list_orders_filtered_newest_first_a_cursor_page_at_a_time(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    event, other_event = await on_sale(client, tenant), await another_event_on_sale(client, tenant)
    first = await place(client, tenant, event, 1, "Grace@Example.org")
    second = await paid_at_box_office(client, tenant, event, 1)
    third = await place(client, tenant, other_event, 1)
    fourth = await place(client, tenant, event, 1, "grace@example.org")
    ids = [o["id"] for o in (fourth, third, second, first)]

    async def listed(role: Role = Role.ANALYST, **params: Any) -> dict[str, Any]:
        answer = await client.get("/api/orders", params=params, headers=tenant.auth(role))
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    everything = await listed()
    assert [o["id"] for o in everything["items"]] == ids
    assert everything["nextCursor"] is None
    assert everything["items"][2]["status"] == "paid"
    assert everything["items"][2]["items"][0]["quantity"] == 1
    assert "attendees" not in everything["items"][2]
    by_event = await listed(eventId=other_event["id"])
    assert [o["id"] for o in by_event["items"]] == [third["id"]]
    assert [o["id"] for o in (await listed(status="paid"))["items"]] == [second["id"]]
    by_email = await listed(email=" GRACE@example.ORG ")
    assert [o["id"] for o in by_email["items"]] == [fourth["id"], first["id"]]
    window = await listed(**{"from": second["createdAt"], "to": fourth["createdAt"]})
    assert [o["id"] for o in window["items"]] == [third["id"], second["id"]]
    # Cursor pages: 2, 2, then the end.
    page = await listed(limit=3)
    assert [o["id"] for o in page["items"]] == ids[:3]
    rest = await listed(limit=3, cursor=page["nextCursor"])
    assert ([o["id"] for o in rest["items"]], rest["nextCursor"]) == (ids[3:], None)
    # Another tenant's staff see none of them; no token is 401; bad filters are 422.
    theirs = await client.get("/api/orders", headers=other_tenant.auth())
    assert theirs.json()["items"] == []
    assert_problem(await client.get("/api/orders"), 401, "unauthenticated")
    for params in ({"email": "not-an-email"}, {"cursor": "!!"}, {"status": "lost"}):
        bad = await client.get("/api/orders", params=params, headers=tenant.auth())
        assert_problem(bad, 422, "validation_failed")


# --- cancel --------------------------------------------------------------------------------------


async def test_support_cancels_a_pending_order_once_and_its_tickets_go_back(
    client: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    owner_connection: asyncpg.Connection,
) -> None:
    event = await on_sale(client, tenant)
    order = await place(client, tenant, event, 3)
    path = f"/api/orders/{order['id']}/cancel"
    assert_problem(
        await client.post(path, headers=tenant.auth(Role.ANALYST)), 403, "permission_denied"
    )
    assert_problem(await client.post(path, headers=other_tenant.auth()), 404, "not_found")
    stale = await client.post(path, headers=tenant.auth(Role.SUPPORT) | {"if-match": '"7"'})
    assert_problem(stale, 409, "version_conflict")
    assert (await staff_ticket_type(client, tenant, event))["held"] == 3
    cancelled = await client.post(
        path, headers=tenant.auth(Role.SUPPORT) | {"if-match": f'"{order["version"]}"'}
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["version"] == order["version"] + 1
    assert (await staff_ticket_type(client, tenant, event))["held"] == 0
    again = await client.post(path, json={}, headers=tenant.auth())
    assert again.status_code == 200
    assert again.json() == cancelled.json()
    announced = await owner_connection.fetchval(
        "SELECT count(*) FROM outbox WHERE topic = 'order.cancelled' AND payload->>'orderId' = $1",
        order["id"],
    )
    assert announced == 1
    assert await audited(owner_connection, order["id"], "order.cancelled") == 1
    # The buyer cannot pay it any more; a paid order is refunded, not cancelled.
    late = await client.post(
        f"/api/orders/{order['id']}/pay", json={"provider": "manual"}, headers=tenant.auth()
    )
    assert_problem(late, 409, "order_not_payable")
    paid = await paid_at_box_office(client, tenant, event, 1)
    refused = await client.post(f"/api/orders/{paid['id']}/cancel", headers=tenant.auth())
    assert_problem(refused, 409, "order_not_cancellable")


# --- refund --------------------------------------------------------------------------------------


async def test_refund_refusals(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    event = await on_sale(client, tenant)
    pending = await place(client, tenant, event, 1)
    refused = await client.post(f"/api/orders/{pending['id']}/refund", headers=tenant.auth())
    assert_problem(refused, 409, "order_not_refundable")
    paid = await paid_at_box_office(client, tenant, event, 2)
    path = f"/api/orders/{paid['id']}/refund"
    too_much = await client.post(
        path, json={"amount": {"amount": 5001, "currency": "EUR"}}, headers=tenant.auth()
    )
    body = assert_problem(too_much, 422, "refund_exceeds_paid")
    assert body["errors"] == [{"field": "amount", "message": body["errors"][0]["message"]}]  # type: ignore[index]
    other_currency = await client.post(
        path, json={"amount": {"amount": 100, "currency": "USD"}}, headers=tenant.auth()
    )
    assert other_currency.status_code == 422
    assert_problem(
        await client.post(path, json={}, headers=tenant.auth(Role.ANALYST)),
        403,
        "permission_denied",
    )
    assert_problem(await client.post(path, headers=other_tenant.auth()), 404, "not_found")
    assert (await staff_ticket_type(client, tenant, event))["sold"] == 2


@pytest.fixture
def stripe() -> Iterator[FakeStripe]:
    with running() as fake:
        yield fake


@pytest.fixture
async def card_app(
    make_app: AppFactory, stripe: FakeStripe
) -> AsyncIterator[tuple[Litestar, httpx.AsyncClient]]:
    app = make_app(
        stripe_secret_key=stripe.secret_key,
        stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_api_base=stripe.base_url,
    )
    async with running_app(app) as http:
        yield app, http


async def deliver(app: Litestar, tenant: Tenant) -> list[Outcome]:
    """What the worker's outbox loop does, for this tenant's messages (support.py)."""
    return await deliver_own_outbox(app, tenant.organization.id)


async def test_a_card_order_refunded_in_part_then_in_full_gets_its_money_back_once(
    card_app: tuple[Litestar, httpx.AsyncClient],
    tenant: Tenant,
    stripe: FakeStripe,
    owner_connection: asyncpg.Connection,
) -> None:
    app, client = card_app
    event = await on_sale(client, tenant)
    order = await place(client, tenant, event, 2)
    paid = await client.post(
        f"/api/orders/{order['id']}/pay",
        json={"provider": "stripe", "paymentMethod": "pm_card_visa"},
        params=buyer(order),
        headers=storefront(tenant),
    )
    assert paid.status_code == 200, paid.text
    (intent_id,) = stripe.payment_intent_ids
    path = f"/api/orders/{order['id']}/refund"
    part = await client.post(
        path,
        json={"amount": {"amount": 1500, "currency": "EUR"}, "version": paid.json()["version"]},
        headers=tenant.auth(Role.SUPPORT),
    )
    assert part.status_code == 200, part.text
    assert part.json()["status"] == "partially_refunded"
    assert part.json()["refunded"] == {"amount": 1500, "currency": "EUR"}
    assert len(part.json()["attendees"]) == 2
    # A retry of the same partial refund with the version it was sent with is refused.
    replay = await client.post(
        path,
        json={"amount": {"amount": 1500, "currency": "EUR"}, "version": paid.json()["version"]},
        headers=tenant.auth(Role.SUPPORT),
    )
    assert_problem(replay, 409, "version_conflict")
    assert (await staff_ticket_type(client, tenant, event))["sold"] == 2
    rest = await client.post(path, headers=tenant.auth(Role.SUPPORT))
    assert rest.status_code == 200, rest.text
    assert rest.json()["status"] == "refunded"
    assert rest.json()["refunded"] == {"amount": 5000, "currency": "EUR"}
    assert (await staff_ticket_type(client, tenant, event))["sold"] == 0
    assert await audited(owner_connection, order["id"], "order.refunded") == 2
    assert stripe.refunds_of(intent_id) == []  # nothing moves before the worker
    # The worker gives the money back through Stripe.
    await deliver(app, tenant)
    assert sorted(r["amount"] for r in stripe.refunds_of(intent_id)) == [1500, 3500]
    commands = await owner_connection.fetch(
        "SELECT id, delivered_at FROM outbox WHERE topic = 'payment.refund'"
        " AND payload->>'orderId' = $1",
        order["id"],
    )
    assert len(commands) == 2
    assert all(c["delivered_at"] is not None for c in commands)
    # Delivered again (a worker that died before marking them): Stripe refunds nothing more.
    await owner_connection.execute(
        "UPDATE outbox SET delivered_at = NULL, available_at = now() - interval '1 second'"
        " WHERE topic = 'payment.refund' AND payload->>'orderId' = $1",
        order["id"],
    )
    outcomes = await deliver(app, tenant)
    assert outcomes.count(Outcome.DELIVERED) >= 2
    assert sorted(r["amount"] for r in stripe.refunds_of(intent_id)) == [1500, 3500]
    assert stripe.payment_intent(intent_id)["amount_received"] == 5000


# --- resend confirmation -------------------------------------------------------------------------


async def test_support_queues_the_confirmation_again_for_a_paid_order_only(
    client: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    owner_connection: asyncpg.Connection,
) -> None:
    event = await on_sale(client, tenant)
    paid = await paid_at_box_office(client, tenant, event, 1)
    path = f"/api/orders/{paid['id']}/resend-confirmation"
    queued = await client.post(path, headers=tenant.auth(Role.SUPPORT))
    assert queued.status_code == 202, queued.text
    assert queued.json() == {"queued": True}
    confirmations = await owner_connection.fetchval(
        "SELECT count(*) FROM outbox WHERE topic = 'order.confirmation'"
        " AND payload->>'orderId' = $1",
        paid["id"],
    )
    assert confirmations == 2  # the payment's and the resent one
    assert await audited(owner_connection, paid["id"], "order.confirmation_resent") == 1
    assert_problem(
        await client.post(path, headers=tenant.auth(Role.ANALYST)), 403, "permission_denied"
    )
    assert_problem(await client.post(path, headers=other_tenant.auth()), 404, "not_found")
    pending = await place(client, tenant, event, 1)
    refused = await client.post(
        f"/api/orders/{pending['id']}/resend-confirmation", headers=tenant.auth()
    )
    assert_problem(refused, 409, "order_not_confirmable")
