"""StripeBilling against the fake Stripe API over real HTTP on loopback (tests/fakes): a plan's
whole life (free → pro → enterprise → free), a retried failure billing once, outages and
refusals as the billing dependency's trouble."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from uuid import uuid4

import httpx
import pytest
from tests.fakes.stripe_server import FakeStripe, running

from ticketbase.adapters.billing.stripe import StripeBilling
from ticketbase.application.ports.errors import (
    DependencyMisbehaved,
    DependencyTimedOut,
    DependencyUnavailable,
)
from ticketbase.domain.shared.ids import OrganizationId
from ticketbase.domain.subscriptions.plan import PlanName

pytestmark = pytest.mark.anyio

PRICES = {PlanName.PRO: "price_pro_monthly", PlanName.ENTERPRISE: "price_enterprise_monthly"}
ORG = OrganizationId(uuid4())


@pytest.fixture
def stripe() -> Iterator[FakeStripe]:
    with running() as fake:
        yield fake


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as shared:
        yield shared


def billing_for(
    stripe: FakeStripe, client: httpx.AsyncClient, *, secret_key: str | None = None, **kw: float
) -> StripeBilling:
    return StripeBilling(
        secret_key or stripe.secret_key,
        PRICES,
        api_base=stripe.base_url,
        client=client,
        backoff=0.0,
        **kw,  # type: ignore[arg-type]
    )


async def test_a_plans_life_creates_swaps_and_cancels_one_subscription(
    stripe: FakeStripe, client: httpx.AsyncClient
) -> None:
    billing = billing_for(stripe, client)

    pro = await billing.change_plan(ORG, PlanName.PRO, None)

    assert pro.provider == "stripe"
    assert pro.reference is not None
    subscription = stripe.subscription(pro.reference)
    assert subscription["items"]["data"][0]["price"]["id"] == "price_pro_monthly"
    assert subscription["collection_method"] == "send_invoice"
    assert subscription["metadata"] == {"organization_id": str(ORG)}
    assert stripe.customer(subscription["customer"])["metadata"] == {"organization_id": str(ORG)}

    enterprise = await billing.change_plan(ORG, PlanName.ENTERPRISE, pro.reference)

    assert enterprise.reference == pro.reference
    swapped = stripe.subscription(pro.reference)
    assert swapped["items"]["data"][0]["price"]["id"] == "price_enterprise_monthly"
    [update] = stripe.requests_to("POST", f"/v1/subscriptions/{pro.reference}")
    assert ("proration_behavior", "create_prorations") in update.form

    free = await billing.change_plan(ORG, PlanName.FREE, pro.reference)

    assert free.reference is None
    assert stripe.subscription(pro.reference)["status"] == "canceled"
    assert len(stripe.requests_to("POST", "/v1/subscriptions")) == 1


async def test_a_failure_that_heals_is_retried_with_the_same_key_and_bills_once(
    stripe: FakeStripe, client: httpx.AsyncClient
) -> None:
    billing = billing_for(stripe, client)
    stripe.fail_next(1)  # the customer's first attempt

    pro = await billing.change_plan(ORG, PlanName.PRO, None)

    customers = stripe.requests_to("POST", "/v1/customers")
    assert len(customers) == 2
    assert customers[0].headers["idempotency-key"] == customers[1].headers["idempotency-key"]
    assert pro.reference is not None


async def test_outages_slowness_and_refusals_are_the_billing_dependencys_trouble(
    stripe: FakeStripe, client: httpx.AsyncClient
) -> None:
    stripe.fail_next(3)
    with pytest.raises(DependencyUnavailable) as down:
        await billing_for(stripe, client).change_plan(ORG, PlanName.PRO, None)
    assert down.value.dependency == "billing"

    stripe.delay_next(1, 0.5)
    with pytest.raises(DependencyTimedOut):
        await billing_for(stripe, client, read_timeout=0.1, max_attempts=1).change_plan(
            ORG, PlanName.PRO, None
        )

    with pytest.raises(DependencyMisbehaved):  # a wrong key: refused, never retried
        await billing_for(stripe, client, secret_key="sk_test_wrong_0000000000").change_plan(
            ORG, PlanName.PRO, None
        )
    with pytest.raises(DependencyMisbehaved):  # an unknown subscription
        await billing_for(stripe, client).change_plan(ORG, PlanName.ENTERPRISE, "sub_missing")


async def test_every_paid_plan_needs_a_price(client: httpx.AsyncClient) -> None:
    with pytest.raises(ValueError, match="enterprise"):
        StripeBilling("sk_test_x", {PlanName.PRO: "price_pro"}, client=client)
