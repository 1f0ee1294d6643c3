"""The free and box-office gateways: no provider, answers derived from the request alone."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from ticketbase.adapters.payments import FreeGateway, ManualGateway
from ticketbase.application.ports.payments import (
    ChargeRequest,
    ChargeStatus,
    InvalidWebhookSignature,
    PaymentGatewayError,
    PaymentProvider,
)
from ticketbase.domain.shared.ids import OrderId, OrganizationId
from ticketbase.domain.shared.values import Money

pytestmark = pytest.mark.anyio


def request(amount: int, currency: str = "EUR") -> ChargeRequest:
    order = OrderId(uuid4())
    return ChargeRequest(
        organization_id=OrganizationId(uuid4()),
        order_id=order,
        amount=Money(amount, currency),
        description="2 tickets",
        idempotency_key=str(order),
    )


async def test_the_free_gateway_takes_a_zero_total() -> None:
    charge = request(0)
    result = await FreeGateway().charge(charge)
    assert result.status is ChargeStatus.SUCCEEDED
    assert result.reference == f"free_{charge.order_id}"
    assert result.client_secret is None
    assert await FreeGateway().charge(charge) == result


@pytest.mark.parametrize("amount", [1, -1, 4200])
async def test_the_free_gateway_refuses_anything_but_zero(amount: int) -> None:
    with pytest.raises(PaymentGatewayError) as raised:
        await FreeGateway().charge(request(amount))
    assert raised.value.retryable is False


async def test_the_free_gateway_refunds_only_zero() -> None:
    gateway = FreeGateway()
    assert await gateway.refund("free_x", Money.zero("EUR"), "msg-1") == "free_refund_msg-1"
    with pytest.raises(PaymentGatewayError) as raised:
        await gateway.refund("free_x", Money(100, "EUR"), "msg-2")
    assert raised.value.retryable is False


async def test_the_manual_gateway_records_what_the_box_office_took() -> None:
    charge = request(4200)
    result = await ManualGateway().charge(charge)
    assert result.status is ChargeStatus.SUCCEEDED
    assert result.reference == f"manual_{charge.order_id}"
    assert await ManualGateway().charge(charge) == result


async def test_the_manual_gateway_records_refunds_by_their_key() -> None:
    gateway = ManualGateway()
    first = await gateway.refund("manual_x", Money(1000, "EUR"), "msg-1")
    assert first == "manual_refund_msg-1"
    assert await gateway.refund("manual_x", Money(1000, "EUR"), "msg-1") == first
    assert await gateway.refund("manual_x", Money(1000, "EUR"), "msg-2") != first


async def test_the_manual_gateway_refuses_negative_amounts() -> None:
    with pytest.raises(PaymentGatewayError):
        await ManualGateway().charge(request(-1))
    with pytest.raises(PaymentGatewayError):
        await ManualGateway().refund("manual_x", Money(-1, "EUR"), "msg-1")


@pytest.mark.parametrize(
    ("gateway", "provider"),
    [(FreeGateway(), PaymentProvider.FREE), (ManualGateway(), PaymentProvider.MANUAL)],
)
def test_offline_gateways_name_their_provider_and_take_no_webhooks(
    gateway: FreeGateway | ManualGateway, provider: PaymentProvider
) -> None:
    assert gateway.provider is provider
    with pytest.raises(InvalidWebhookSignature):
        gateway.parse_webhook(b"{}", {"stripe-signature": "t=1,v1=00"}, datetime.now(UTC))
