"""StripeGateway against a fake Stripe API over real HTTP on loopback (tests/fakes)."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from uuid import uuid4

import httpx
import pytest
from tests.fakes.stripe_server import FakeStripe, running, signed_webhook

from ticketbase.adapters.payments import StripeGateway
from ticketbase.application.ports.payments import (
    ChargeRequest,
    ChargeStatus,
    NoticeKind,
    PaymentGatewayError,
)
from ticketbase.domain.shared.ids import OrderId, OrganizationId
from ticketbase.domain.shared.values import Money

pytestmark = pytest.mark.anyio

WEBHOOK_SECRET = "whsec_test_fake_0123456789"


@pytest.fixture
def stripe() -> Iterator[FakeStripe]:
    with running() as fake:
        yield fake


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as shared:
        yield shared


def gateway_for(
    stripe: FakeStripe,
    client: httpx.AsyncClient,
    *,
    secret_key: str | None = None,
    max_attempts: int = 3,
    read_timeout: float = 5.0,
) -> StripeGateway:
    return StripeGateway(
        secret_key or stripe.secret_key,
        WEBHOOK_SECRET,
        api_base=stripe.base_url,
        client=client,
        read_timeout=read_timeout,
        max_attempts=max_attempts,
        backoff=0.0,  # no pauses in tests
    )


@pytest.fixture
def gateway(stripe: FakeStripe, client: httpx.AsyncClient) -> StripeGateway:
    return gateway_for(stripe, client)


def charge_of(
    amount: int = 4200, payment_method: str | None = "pm_card_visa", *, key: str | None = None
) -> ChargeRequest:
    order = OrderId(uuid4())
    return ChargeRequest(
        organization_id=OrganizationId(uuid4()),
        order_id=order,
        amount=Money(amount, "EUR"),
        description="Order #12 — 2 tickets",
        idempotency_key=key or str(order),
        payment_method=payment_method,
        receipt_email="zoë@example.com",
    )


# --- charges ------------------------------------------------------------------------------------


async def test_a_good_card_is_charged(stripe: FakeStripe, gateway: StripeGateway) -> None:
    request = charge_of()
    result = await gateway.charge(request)

    assert result.status is ChargeStatus.SUCCEEDED
    assert result.reference.startswith("pi_")
    intent = stripe.payment_intent(result.reference)
    assert intent["status"] == "succeeded"
    assert (intent["amount"], intent["amount_received"], intent["currency"]) == (4200, 4200, "eur")
    assert intent["description"] == "Order #12 — 2 tickets"
    assert intent["receipt_email"] == "zoë@example.com"
    assert intent["metadata"] == {
        "organization_id": str(request.organization_id),
        "order_id": str(request.order_id),
    }
    [sent] = stripe.requests_to("POST", "/v1/payment_intents")
    assert sent.headers["idempotency-key"] == request.idempotency_key
    assert sent.headers["authorization"] == f"Bearer {stripe.secret_key}"


async def test_a_declined_card_fails_with_the_decline_message(
    stripe: FakeStripe, gateway: StripeGateway
) -> None:
    result = await gateway.charge(charge_of(payment_method="pm_card_chargeDeclined"))

    assert result.status is ChargeStatus.FAILED
    assert result.failure_message == "Your card was declined."
    assert stripe.payment_intent(result.reference)["status"] == "requires_payment_method"


async def test_insufficient_funds_say_so(gateway: StripeGateway) -> None:
    result = await gateway.charge(
        charge_of(payment_method="pm_card_chargeDeclinedInsufficientFunds")
    )
    assert result.status is ChargeStatus.FAILED
    assert result.failure_message == "Your card has insufficient funds."


async def test_3d_secure_is_pending_until_the_buyer_passes_it_and_the_webhook_says_so(
    stripe: FakeStripe, gateway: StripeGateway
) -> None:
    request = charge_of(payment_method="pm_card_threeDSecureRequired")
    result = await gateway.charge(request)

    assert result.status is ChargeStatus.PENDING
    intent = stripe.payment_intent(result.reference)
    assert intent["status"] == "requires_action"
    assert result.client_secret == intent["client_secret"]

    event = stripe.succeed(result.reference)
    body, headers = signed_webhook(event, WEBHOOK_SECRET)
    notice = gateway.parse_webhook(body, headers, datetime.now(UTC))
    assert notice.kind is NoticeKind.SUCCEEDED
    assert notice.reference == result.reference
    assert (notice.organization_id, notice.order_id) == (request.organization_id, request.order_id)
    assert notice.amount == Money(4200, "EUR")


async def test_without_a_payment_method_the_intent_waits_for_the_browser(
    stripe: FakeStripe, gateway: StripeGateway
) -> None:
    result = await gateway.charge(charge_of(payment_method=None))

    assert result.status is ChargeStatus.PENDING
    intent = stripe.payment_intent(result.reference)
    assert intent["status"] == "requires_payment_method"
    assert result.client_secret == intent["client_secret"]


async def test_a_decline_is_announced_by_a_webhook_naming_the_order(
    stripe: FakeStripe, gateway: StripeGateway
) -> None:
    request = charge_of(payment_method="pm_card_chargeDeclined")
    result = await gateway.charge(request)

    [event] = stripe.events
    body, headers = signed_webhook(event, WEBHOOK_SECRET)
    notice = gateway.parse_webhook(body, headers, datetime.now(UTC))
    assert notice.kind is NoticeKind.FAILED
    assert (notice.reference, notice.order_id) == (result.reference, request.order_id)


async def test_charging_again_with_the_same_key_answers_the_first_charge(
    stripe: FakeStripe, gateway: StripeGateway
) -> None:
    request = charge_of()
    first = await gateway.charge(request)
    again = await gateway.charge(request)

    assert again == first
    assert stripe.payment_intent_ids == [first.reference]
    assert len(stripe.requests_to("POST", "/v1/payment_intents")) == 2


async def test_a_declined_charge_replays_as_the_same_decline(
    stripe: FakeStripe, gateway: StripeGateway
) -> None:
    request = charge_of(payment_method="pm_card_chargeDeclined")
    assert await gateway.charge(request) == await gateway.charge(request)
    assert len(stripe.payment_intent_ids) == 1


async def test_the_same_key_with_another_amount_is_refused_for_good(
    stripe: FakeStripe, gateway: StripeGateway
) -> None:
    request = charge_of(4200)
    await gateway.charge(request)
    with pytest.raises(PaymentGatewayError, match="idempotency_error") as raised:
        await gateway.charge(charge_of(9900, key=request.idempotency_key))

    assert raised.value.retryable is False
    assert len(stripe.payment_intent_ids) == 1


async def test_a_500_is_retried_with_the_same_key_and_charges_once(
    stripe: FakeStripe, gateway: StripeGateway
) -> None:
    stripe.fail_next(2)
    request = charge_of()
    result = await gateway.charge(request)

    assert result.status is ChargeStatus.SUCCEEDED
    sent = stripe.requests_to("POST", "/v1/payment_intents")
    assert len(sent) == 3
    assert {r.headers["idempotency-key"] for r in sent} == {request.idempotency_key}
    assert [r.form for r in sent] == [sent[0].form] * 3
    assert stripe.payment_intent_ids == [result.reference]


async def test_rate_limiting_is_retried(stripe: FakeStripe, gateway: StripeGateway) -> None:
    stripe.fail_next(1, status=429)
    assert (await gateway.charge(charge_of())).status is ChargeStatus.SUCCEEDED
    assert stripe.request_count == 2


async def test_when_the_attempts_run_out_the_error_is_retryable(
    stripe: FakeStripe, client: httpx.AsyncClient
) -> None:
    gateway = gateway_for(stripe, client, max_attempts=3)
    stripe.fail_next(5, status=503)
    with pytest.raises(PaymentGatewayError, match="503") as raised:
        await gateway.charge(charge_of())

    assert raised.value.retryable is True
    assert stripe.request_count == 3
    assert stripe.payment_intent_ids == []


async def test_a_slow_stripe_is_a_retryable_timeout_and_a_later_try_charges_once(
    stripe: FakeStripe, client: httpx.AsyncClient
) -> None:
    gateway = gateway_for(stripe, client, read_timeout=0.2, max_attempts=2)
    stripe.delay_next(2, 1.0)
    request = charge_of()
    with pytest.raises(PaymentGatewayError, match="in time") as raised:
        await gateway.charge(request)
    assert raised.value.retryable is True
    assert stripe.request_count == 2

    # The worker's later try: the slow attempts went through on Stripe's side meanwhile or
    # will, but under the same key there is only ever one PaymentIntent.
    result = await gateway.charge(request)
    assert result.status is ChargeStatus.SUCCEEDED
    assert stripe.payment_intent_ids == [result.reference]


async def test_an_unreachable_stripe_is_retryable(client: httpx.AsyncClient) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nobody listens there
    gateway = StripeGateway(
        "sk_test_abc_0123456789",
        WEBHOOK_SECRET,
        api_base=f"http://127.0.0.1:{port}",
        client=client,
        backoff=0.0,
    )
    with pytest.raises(PaymentGatewayError, match="could not be reached") as raised:
        await gateway.charge(charge_of())
    assert raised.value.retryable is True


async def test_a_wrong_key_is_refused_for_good_and_never_repeated(
    stripe: FakeStripe, client: httpx.AsyncClient
) -> None:
    wrong = "sk_test_wrong_9f8e7d6c5b4a3210"
    gateway = gateway_for(stripe, client, secret_key=wrong)
    with pytest.raises(PaymentGatewayError, match="401") as raised:
        await gateway.charge(charge_of())

    assert raised.value.retryable is False
    assert stripe.request_count == 1  # not retried
    assert wrong not in str(raised.value)
    assert "3210" in str(raised.value)  # masked, still recognisable
    assert wrong not in repr(gateway)


async def test_an_invalid_request_is_not_retried(
    stripe: FakeStripe, gateway: StripeGateway
) -> None:
    with pytest.raises(PaymentGatewayError, match="No such PaymentMethod") as raised:
        await gateway.charge(charge_of(payment_method="pm_card_nonexistent"))
    assert raised.value.retryable is False
    assert stripe.request_count == 1


# --- refunds ------------------------------------------------------------------------------------


async def paid(gateway: StripeGateway, amount: int = 4200) -> str:
    result = await gateway.charge(charge_of(amount))
    assert result.status is ChargeStatus.SUCCEEDED
    return result.reference


async def test_a_full_refund(stripe: FakeStripe, gateway: StripeGateway) -> None:
    reference = await paid(gateway)
    refund_id = await gateway.refund(reference, Money(4200, "EUR"), "msg-1")

    assert refund_id.startswith("re_")
    [refund] = stripe.refunds_of(reference)
    assert (refund["id"], refund["amount"]) == (refund_id, 4200)
    [sent] = stripe.requests_to("POST", "/v1/refunds")
    assert sent.headers["idempotency-key"] == "msg-1"


async def test_partial_refunds_until_nothing_is_left(
    stripe: FakeStripe, gateway: StripeGateway
) -> None:
    reference = await paid(gateway)
    first = await gateway.refund(reference, Money(1000, "EUR"), "msg-1")
    second = await gateway.refund(reference, Money(3000, "EUR"), "msg-2")
    assert first != second
    with pytest.raises(PaymentGatewayError, match="greater than unrefunded") as raised:
        await gateway.refund(reference, Money(201, "EUR"), "msg-3")
    assert raised.value.retryable is False
    await gateway.refund(reference, Money(200, "EUR"), "msg-4")

    assert [r["amount"] for r in stripe.refunds_of(reference)] == [1000, 3000, 200]


async def test_a_refund_again_under_its_key_refunds_nothing_more(
    stripe: FakeStripe, gateway: StripeGateway
) -> None:
    reference = await paid(gateway)
    first = await gateway.refund(reference, Money(1000, "EUR"), "msg-1")
    stripe.fail_next(1)
    again = await gateway.refund(reference, Money(1000, "EUR"), "msg-1")

    assert again == first
    assert len(stripe.refunds_of(reference)) == 1


async def test_a_refund_is_announced_with_the_amount_refunded_so_far(
    stripe: FakeStripe, gateway: StripeGateway
) -> None:
    request = charge_of()
    reference = (await gateway.charge(request)).reference
    await gateway.refund(reference, Money(1000, "EUR"), "msg-1")
    await gateway.refund(reference, Money(500, "EUR"), "msg-2")

    body, headers = signed_webhook(stripe.events[-1], WEBHOOK_SECRET)
    notice = gateway.parse_webhook(body, headers, datetime.now(UTC))
    assert notice.kind is NoticeKind.REFUNDED
    assert notice.reference == reference
    assert notice.order_id == request.order_id
    assert notice.amount == Money(1500, "EUR")


async def test_refunding_an_unknown_charge_is_refused_for_good(gateway: StripeGateway) -> None:
    with pytest.raises(PaymentGatewayError, match="No such payment_intent") as raised:
        await gateway.refund("pi_missing", Money(100, "EUR"), "msg-1")
    assert raised.value.retryable is False


# --- the client ---------------------------------------------------------------------------------


async def test_a_shared_client_is_left_open_and_an_owned_one_is_closed(
    stripe: FakeStripe, client: httpx.AsyncClient
) -> None:
    await gateway_for(stripe, client).aclose()
    assert not client.is_closed

    async with StripeGateway(stripe.secret_key, WEBHOOK_SECRET, api_base=stripe.base_url) as owning:
        assert (await owning.charge(charge_of())).status is ChargeStatus.SUCCEEDED
    assert owning._client.is_closed
