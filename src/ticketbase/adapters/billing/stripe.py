"""``StripeBilling``: plans billed as Stripe subscriptions, over plain httpx like the payments'
``StripeGateway`` (adapters/payments/stripe.py: the same reasons, timeouts on every call, the
same retry rule with one ``Idempotency-Key`` per change so a retried POST never bills twice).

A paid plan is a subscription of one item whose price is the plan's
(``TICKETBASE_STRIPE_PRICE_PRO`` / ``_ENTERPRISE``), invoiced (``collection_method=send_invoice``,
30 days): an organization needs no card on file to upgrade, Stripe mails the invoice.

- free → paid: a customer (tagged with the organization's id), then its subscription; the
  subscription's id becomes the billing reference.
- paid → paid: the item's price is swapped (``proration_behavior=create_prorations``).
- paid → free: the subscription is cancelled (``DELETE``); the reference is cleared.

Stripe unreachable or failing is ``DependencyUnavailable("billing")`` (503; 504 slow; 502 an
answer without what is needed): the plan change is then refused and nothing is stored.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Mapping
from urllib.parse import urlencode

import httpx
import structlog

from ticketbase.application.ports.errors import (
    DependencyMisbehaved,
    DependencyTimedOut,
    DependencyUnavailable,
)
from ticketbase.application.ports.subscriptions import BillingChange
from ticketbase.domain.shared.ids import OrganizationId
from ticketbase.domain.subscriptions.plan import PlanName

log = structlog.get_logger()

_BILLING = "billing"
_Json = dict[str, object]


class StripeBilling:
    def __init__(
        self,
        secret_key: str,
        prices: Mapping[PlanName, str],
        *,
        api_base: str = "https://api.stripe.com",
        client: httpx.AsyncClient,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        max_attempts: int = 3,
        backoff: float = 0.5,
    ) -> None:
        """``client`` is shared and closed by its owner; ``prices``: the Stripe price of every
        paid plan."""
        missing = {PlanName.PRO, PlanName.ENTERPRISE} - set(prices)
        if not secret_key or missing:
            raise ValueError(
                "Stripe billing needs a secret key and a price for "
                + ", ".join(sorted(p.value for p in missing) or ["every paid plan"])
            )
        self._secret_key, self._prices = secret_key, dict(prices)
        self._api_base = api_base.rstrip("/")
        self._client = client
        self._timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
        self._max_attempts, self._backoff = max_attempts, backoff

    def __repr__(self) -> str:
        return f"StripeBilling(api_base={self._api_base!r})"

    async def change_plan(
        self, organization_id: OrganizationId, plan: PlanName, current_reference: str | None
    ) -> BillingChange:
        if plan is PlanName.FREE:
            if current_reference is not None:
                await self._call("DELETE", f"/v1/subscriptions/{current_reference}")
            return BillingChange("stripe", None)
        price = self._prices[plan]
        if current_reference is None:
            customer = await self._call(
                "POST",
                "/v1/customers",
                [("metadata[organization_id]", str(organization_id))],
            )
            subscription = await self._call(
                "POST",
                "/v1/subscriptions",
                [
                    ("customer", _id(customer)),
                    ("items[0][price]", price),
                    ("collection_method", "send_invoice"),
                    ("days_until_due", "30"),
                    ("metadata[organization_id]", str(organization_id)),
                ],
            )
            return BillingChange("stripe", _id(subscription))
        current = await self._call("GET", f"/v1/subscriptions/{current_reference}")
        items = current.get("items")
        data = items.get("data") if isinstance(items, dict) else None
        if not isinstance(data, list) or len(data) != 1 or not isinstance(data[0], dict):
            raise DependencyMisbehaved(_BILLING)
        await self._call(
            "POST",
            f"/v1/subscriptions/{current_reference}",
            [
                ("items[0][id]", _id(data[0])),
                ("items[0][price]", price),
                ("proration_behavior", "create_prorations"),
            ],
        )
        return BillingChange("stripe", current_reference)

    async def _call(
        self, method: str, path: str, form: list[tuple[str, str]] | None = None
    ) -> _Json:
        """One call, retried with the same idempotency key while the failure may heal."""
        headers = {"Authorization": f"Bearer {self._secret_key}"}
        content = None
        if method == "POST":
            headers["Idempotency-Key"] = str(uuid.uuid4())
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            content = urlencode(form or []).encode()
        failure: DependencyUnavailable = DependencyUnavailable(_BILLING)
        for attempt in range(1, self._max_attempts + 1):
            if attempt > 1:
                pause = self._backoff * 2.0 ** (attempt - 2) * random.uniform(0.5, 1.0)  # noqa: S311
                await asyncio.sleep(pause)
            try:
                response = await self._client.request(
                    method,
                    f"{self._api_base}{path}",
                    content=content,
                    headers=headers,
                    timeout=self._timeout,
                )
            except httpx.TimeoutException:
                failure = DependencyTimedOut(_BILLING)
            except httpx.TransportError:
                failure = DependencyUnavailable(_BILLING)
            else:
                if response.is_success:
                    body = _json(response)
                    if body is None:
                        raise DependencyMisbehaved(_BILLING)
                    return body
                if not _worth_retrying(response):
                    log.warning(
                        "stripe_billing_refused", method=method, status=response.status_code
                    )
                    raise DependencyMisbehaved(_BILLING)
                failure = DependencyUnavailable(_BILLING)
            log.warning(
                "stripe_billing_failed", method=method, attempt=attempt, reason=failure.problem
            )
        raise failure


def _worth_retrying(response: httpx.Response) -> bool:
    should_retry = response.headers.get("stripe-should-retry")
    if should_retry in ("true", "false"):
        return bool(should_retry == "true")
    return response.status_code >= 500 or response.status_code in (409, 429)


def _json(response: httpx.Response) -> _Json | None:
    try:
        parsed = response.json()
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _id(body: _Json) -> str:
    value = body.get("id")
    if not isinstance(value, str) or not value:
        raise DependencyMisbehaved(_BILLING)
    return value
