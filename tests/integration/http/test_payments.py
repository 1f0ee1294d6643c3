"""Paying orders over HTTP on the real database: free, the box office, a Stripe-compatible card
provider (a fake Stripe on loopback, over real HTTP) with its signed webhook; the tickets that
payment issues, their QR images and the keys that verify them offline."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Iterator
from typing import Any
from xml.etree import ElementTree

import asyncpg
import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from tests.fakes.stripe_server import FakeStripe, make_event, running, signed_webhook
from tests.integration.http.conftest import AppFactory, Tenant
from tests.integration.http.conftest import running as running_app
from tests.integration.http.test_conventions import assert_problem
from tests.integration.http.test_events import storefront
from tests.integration.http.test_orders import on_sale, order_body, staff_ticket_type

from ticketbase.domain.identity.permissions import Role

pytestmark = pytest.mark.anyio
WEBHOOK_SECRET = "whsec_test_0123456789"


async def place(
    client: httpx.AsyncClient, tenant: Tenant, event: dict[str, Any], quantity: int = 2
) -> dict[str, Any]:
    placed = await client.post(
        "/api/orders", json=order_body(event, quantity), headers=storefront(tenant)
    )
    assert placed.status_code == 201, placed.text
    return dict(placed.json())


def buyer(order: dict[str, Any]) -> dict[str, str]:
    return {"token": order["accessToken"]}


async def test_the_box_office_pays_and_the_tickets_are_issued_signed(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    event = await on_sale(client, tenant)
    order = await place(client, tenant, event)
    path = f"/api/orders/{order['id']}/pay"
    # The buyer cannot declare a box-office payment, nor can a role without orders:manage.
    refused = await client.post(
        path, json={"provider": "manual"}, params=buyer(order), headers=storefront(tenant)
    )
    assert_problem(refused, 403, "permission_denied")
    analyst = await client.post(
        path, json={"provider": "manual"}, headers=tenant.auth(Role.ANALYST)
    )
    assert_problem(analyst, 403, "permission_denied")
    paid = await client.post(path, json={"provider": "manual"}, headers=tenant.auth(Role.SUPPORT))
    assert paid.status_code == 200, paid.text
    body = paid.json()
    assert body["status"] == "paid"
    assert body["paymentProvider"] == "manual"
    assert len(body["attendees"]) == 2
    codes = {a["ticketCode"] for a in body["attendees"]}
    assert len(codes) == 2
    # Paying again answers the same and charges nothing.
    again = await client.post(path, json={"provider": "manual"}, headers=tenant.auth())
    assert again.status_code == 200
    assert {a["ticketCode"] for a in again.json()["attendees"]} == codes
    # Held became sold.
    ticket_type = await staff_ticket_type(client, tenant, event)
    assert (ticket_type["sold"], ticket_type["held"]) == (2, 0)
    # The buyer reads the paid order with its tickets.
    read = await client.get(
        f"/api/orders/{order['id']}", params=buyer(order), headers=storefront(tenant)
    )
    assert read.status_code == 200
    assert {a["ticketCode"] for a in read.json()["attendees"]} == codes
    # Staff read it too (orders:read), other tenants' staff do not.
    staff = await client.get(f"/api/orders/{order['id']}", headers=tenant.auth(Role.ANALYST))
    assert staff.status_code == 200
    assert staff.json()["status"] == "paid"


async def test_ticket_codes_verify_offline_with_the_published_keys(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    event = await on_sale(client, tenant)
    order = await place(client, tenant, event, 1)
    paid = await client.post(
        f"/api/orders/{order['id']}/pay", json={"provider": "manual"}, headers=tenant.auth()
    )
    code = paid.json()["attendees"][0]["ticketCode"]
    keys = (await client.get("/api/ticket-keys")).json()["keys"]
    payload, kid, signature = code.split(".")
    (jwk,) = [k for k in keys if k["kid"] == kid]

    def unb64(text: str) -> bytes:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

    public = Ed25519PublicKey.from_public_bytes(unb64(jwk["x"]))
    public.verify(unb64(signature), f"{payload}.{kid}".encode())  # raises when forged


async def test_a_ticket_is_served_as_a_qr_code_to_its_buyer_only(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    event = await on_sale(client, tenant)
    order = await place(client, tenant, event, 1)
    paid = await client.post(
        f"/api/orders/{order['id']}/pay", json={"provider": "manual"}, headers=tenant.auth()
    )
    attendee = paid.json()["attendees"][0]
    path = f"/api/orders/{order['id']}/tickets/{attendee['id']}"
    svg = await client.get(path, params=buyer(order), headers=storefront(tenant))
    assert svg.status_code == 200, svg.text
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert ElementTree.fromstring(svg.content).tag.endswith("svg")
    png = await client.get(
        path, params=buyer(order), headers=storefront(tenant) | {"accept": "image/png"}
    )
    assert png.status_code == 200
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
    staff = await client.get(path, headers=tenant.auth(Role.ANALYST))
    assert staff.status_code == 200
    for params, headers in (
        ({}, storefront(tenant)),
        ({"token": "wrong"}, storefront(tenant)),
        (buyer(order), storefront(other_tenant)),
        ({}, other_tenant.auth()),
    ):
        assert_problem(await client.get(path, params=params, headers=headers), 404, "not_found")
    other_attendee = f"/api/orders/{order['id']}/tickets/{order['id']}"
    assert_problem(
        await client.get(other_attendee, params=buyer(order), headers=storefront(tenant)),
        404,
        "not_found",
    )


async def test_free_orders_pay_with_free_only_and_others_not_with_free(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    event = await on_sale(client, tenant)
    order = await place(client, tenant, event, 1)
    path = f"/api/orders/{order['id']}/pay"
    free = await client.post(
        path, json={"provider": "free"}, params=buyer(order), headers=storefront(tenant)
    )
    assert_problem(free, 422, "wrong_payment_provider")
    card = await client.post(
        path,
        json={"provider": "stripe", "paymentMethod": "pm_card_visa"},
        params=buyer(order),
        headers=storefront(tenant),
    )
    assert_problem(card, 422, "validation_failed")  # no card provider configured here
    unknown = await client.post(
        path, json={"provider": "cash"}, params=buyer(order), headers=storefront(tenant)
    )
    assert_problem(unknown, 422, "validation_failed")


async def test_an_expired_or_cancelled_order_cannot_be_paid(
    client: httpx.AsyncClient, tenant: Tenant, owner_connection: asyncpg.Connection
) -> None:
    event = await on_sale(client, tenant)
    order = await place(client, tenant, event, 1)
    await owner_connection.execute(
        "UPDATE orders SET expires_at = now() - interval '1 minute' WHERE id = $1::uuid",
        order["id"],
    )
    late = await client.post(
        f"/api/orders/{order['id']}/pay", json={"provider": "manual"}, headers=tenant.auth()
    )
    assert_problem(late, 409, "order_expired")


async def test_an_idempotency_key_answers_its_first_request_only(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    event = await on_sale(client, tenant)
    order = await place(client, tenant, event, 1)
    path = f"/api/orders/{order['id']}/pay"
    headers = tenant.auth() | {"idempotency-key": "pay-1"}
    first = await client.post(path, json={"provider": "manual"}, headers=headers)
    replay = await client.post(path, json={"provider": "manual"}, headers=headers)
    assert first.status_code == replay.status_code == 200
    assert first.json() == replay.json()
    other = await client.post(path, json={"provider": "free"}, headers=headers)
    assert_problem(other, 422, "idempotency_key_reused")


# --- a card provider ---------------------------------------------------------------------------


@pytest.fixture
def stripe() -> Iterator[FakeStripe]:
    with running() as fake:
        yield fake


@pytest.fixture
async def card_client(make_app: AppFactory, stripe: FakeStripe) -> AsyncIterator[httpx.AsyncClient]:
    app = make_app(
        stripe_secret_key=stripe.secret_key,
        stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_api_base=stripe.base_url,
    )
    async with running_app(app) as http:
        yield http


async def test_a_card_payment_pays_at_once_and_charges_once(
    card_client: httpx.AsyncClient, tenant: Tenant, stripe: FakeStripe
) -> None:
    client = card_client
    event = await on_sale(client, tenant)
    order = await place(client, tenant, event, 2)
    path = f"/api/orders/{order['id']}/pay"
    body = {"provider": "stripe", "paymentMethod": "pm_card_visa"}
    paid = await client.post(path, json=body, params=buyer(order), headers=storefront(tenant))
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "paid"
    assert len(paid.json()["attendees"]) == 2
    (intent_id,) = stripe.payment_intent_ids
    intent = stripe.payment_intent(intent_id)
    assert intent["amount"] == 5000
    assert intent["metadata"]["order_id"] == order["id"]
    # The webhook for the same payment changes nothing.
    event_body, headers = signed_webhook(
        make_event("payment_intent.succeeded", intent), WEBHOOK_SECRET
    )
    for _ in range(2):
        hook = await client.post(
            "/api/payments/webhooks/stripe", content=event_body, headers=headers
        )
        assert hook.status_code == 200, hook.text
    again = await client.post(path, json=body, params=buyer(order), headers=storefront(tenant))
    assert [a["ticketCode"] for a in again.json()["attendees"]] == [
        a["ticketCode"] for a in paid.json()["attendees"]
    ]
    assert stripe.payment_intent_ids == [intent_id]
    assert (await staff_ticket_type(client, tenant, event))["sold"] == 2


async def test_a_declined_card_leaves_the_order_pending(
    card_client: httpx.AsyncClient, tenant: Tenant
) -> None:
    client = card_client
    event = await on_sale(client, tenant)
    order = await place(client, tenant, event, 1)
    declined = await client.post(
        f"/api/orders/{order['id']}/pay",
        json={"provider": "stripe", "paymentMethod": "pm_card_chargeDeclined"},
        params=buyer(order),
        headers=storefront(tenant),
    )
    assert_problem(declined, 402, "payment_declined")
    read = await client.get(
        f"/api/orders/{order['id']}", params=buyer(order), headers=storefront(tenant)
    )
    assert read.json()["status"] == "pending"


async def test_3d_secure_finishes_through_the_signed_webhook_only(
    card_client: httpx.AsyncClient, tenant: Tenant, stripe: FakeStripe
) -> None:
    client = card_client
    event = await on_sale(client, tenant)
    order = await place(client, tenant, event, 1)
    pending = await client.post(
        f"/api/orders/{order['id']}/pay",
        json={"provider": "stripe", "paymentMethod": "pm_card_threeDSecureRequired"},
        params=buyer(order),
        headers=storefront(tenant),
    )
    assert pending.status_code == 200, pending.text
    assert pending.json()["status"] == "pending"
    assert pending.json()["payment"]["status"] == "requires_action"
    assert pending.json()["payment"]["clientSecret"]
    (intent_id,) = stripe.payment_intent_ids
    succeeded = stripe.succeed(intent_id)
    event_body, headers = signed_webhook(succeeded, WEBHOOK_SECRET)
    forged = await client.post(
        "/api/payments/webhooks/stripe",
        content=event_body,
        headers=signed_webhook(succeeded, "whsec_wrong")[1],
    )
    assert_problem(forged, 400, "bad_request")
    tampered = await client.post(
        "/api/payments/webhooks/stripe", content=event_body + b" ", headers=headers
    )
    assert_problem(tampered, 400, "bad_request")
    still = await client.get(
        f"/api/orders/{order['id']}", params=buyer(order), headers=storefront(tenant)
    )
    assert still.json()["status"] == "pending"
    hook = await client.post("/api/payments/webhooks/stripe", content=event_body, headers=headers)
    assert hook.status_code == 200, hook.text
    paid = await client.get(
        f"/api/orders/{order['id']}", params=buyer(order), headers=storefront(tenant)
    )
    assert paid.json()["status"] == "paid"
    assert len(paid.json()["attendees"]) == 1
    unknown = await client.post(
        "/api/payments/webhooks/paypal",
        content=b"{}",
        headers={"content-type": "application/json"},
    )
    assert_problem(unknown, 404, "not_found")


async def test_a_payment_after_expiry_takes_the_stock_again_or_goes_back(
    card_client: httpx.AsyncClient,
    tenant: Tenant,
    stripe: FakeStripe,
    owner_connection: asyncpg.Connection,
) -> None:
    client = card_client
    event = await on_sale(client, tenant, quantity=1)
    order = await place(client, tenant, event, 1)
    pending = await client.post(
        f"/api/orders/{order['id']}/pay",
        json={"provider": "stripe", "paymentMethod": "pm_card_threeDSecureRequired"},
        params=buyer(order),
        headers=storefront(tenant),
    )
    assert pending.json()["status"] == "pending"
    (intent_id,) = stripe.payment_intent_ids
    # The hold runs out, another buyer takes the last ticket, then the payment arrives.
    await owner_connection.execute(
        "UPDATE orders SET expires_at = now() - interval '1 minute' WHERE id = $1::uuid",
        order["id"],
    )
    rival = await place(client, tenant, event, 1)
    hook_body, headers = signed_webhook(stripe.succeed(intent_id), WEBHOOK_SECRET)
    hook = await client.post("/api/payments/webhooks/stripe", content=hook_body, headers=headers)
    assert hook.status_code == 200, hook.text
    read = await client.get(
        f"/api/orders/{order['id']}", params=buyer(order), headers=storefront(tenant)
    )
    assert read.json()["status"] == "expired"
    refund = await owner_connection.fetchrow(
        "SELECT payload FROM outbox WHERE topic = 'payment.refund' AND payload->>'orderId' = $1",
        order["id"],
    )
    assert refund is not None
    assert rival["status"] == "pending"
    ticket_type = await staff_ticket_type(client, tenant, event)
    assert (ticket_type["sold"], ticket_type["held"]) == (0, 1)
