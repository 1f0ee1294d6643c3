"""``StripeGateway``: card payments through any Stripe-compatible API, spoken over plain httpx.

Two endpoints and one signature scheme are all TicketBase needs, so the official ``stripe``
library would add a dependency with its own HTTP layer, retry policy and global configuration
for little: here the timeouts, the retry rule and what an error may say (never a secret) are
ours and visible in one file.

- **Charges** are PaymentIntents created and confirmed in one ``POST /v1/payment_intents``,
  card-only (``payment_method_types[0]=card``: no redirecting method can be chosen, so Stripe
  needs no ``return_url`` for a server-side confirm). Without a payment method the intent is
  only created: the buyer's browser confirms it with the returned ``client_secret``.
- **Retries are safe** because every attempt carries the same ``Idempotency-Key``: Stripe answers
  a repeated key with the first result, never a second charge. Only what may heal is retried
  (connection errors, timeouts, 429, 409 lock conflicts, 5xx unless ``Stripe-Should-Retry:
  false``), a bounded number of times with exponential backoff and jitter.
- **Webhooks** are verified exactly as Stripe signs them (``Stripe-Signature: t=…,v1=…``, an
  HMAC-SHA256 of ``"{t}.{body}"`` with the endpoint's secret), within a tolerance both ways,
  before a byte of the body is believed.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import random
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Self, TypeAlias
from urllib.parse import urlencode
from uuid import UUID

import httpx
import structlog

from ticketbase.application.ports.payments import (
    ChargeRequest,
    ChargeResult,
    ChargeStatus,
    InvalidWebhookSignature,
    NoticeKind,
    PaymentGatewayError,
    PaymentNotice,
    PaymentProvider,
)
from ticketbase.domain.shared.errors import DomainError
from ticketbase.domain.shared.ids import OrderId, OrganizationId
from ticketbase.domain.shared.values import Money

DEFAULT_API_BASE = "https://api.stripe.com"

# A PaymentIntent in one of these waits for the buyer (3-D Secure) or for Stripe; a webhook
# tells the outcome. ``requires_capture`` only appears with manual capture, which we never ask
# for, but it is money held, not a failure.
_PENDING = frozenset({"requires_action", "processing", "requires_confirmation", "requires_capture"})

log = structlog.get_logger()

_Json: TypeAlias = dict[str, object]


class StripeGateway:
    def __init__(
        self,
        secret_key: str,
        webhook_secret: str,
        *,
        api_base: str = DEFAULT_API_BASE,
        client: httpx.AsyncClient | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        webhook_tolerance: timedelta = timedelta(seconds=300),
        max_attempts: int = 3,
        backoff: float = 0.5,
    ) -> None:
        """``client`` is shared (the caller closes it) or, when ``None``, owned and closed by
        ``aclose``. The timeouts are set on every request, so a shared client's own defaults do
        not apply. ``max_attempts`` counts the first try; ``backoff`` is the first pause in
        seconds, doubled after each retry."""
        if not secret_key or not webhook_secret:
            raise ValueError("a Stripe secret key and webhook signing secret are required")
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._secret_key = secret_key
        self._webhook_secret = webhook_secret
        self._api_base = api_base.rstrip("/")
        self._owns_client = client is None
        self._client = client if client is not None else httpx.AsyncClient()
        self._timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
        self._tolerance = webhook_tolerance
        self._max_attempts = max_attempts
        self._backoff = backoff

    def __repr__(self) -> str:
        return f"StripeGateway(api_base={self._api_base!r}, secret_key={_mask(self._secret_key)!r})"

    @property
    def provider(self) -> PaymentProvider:
        return PaymentProvider.STRIPE

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # --- charges and refunds ---------------------------------------------------------------------

    async def charge(self, request: ChargeRequest) -> ChargeResult:
        if request.amount.amount <= 0:
            raise ValueError("Stripe charges a positive amount (the free gateway takes zero)")
        form: list[tuple[str, str]] = [
            ("amount", str(request.amount.amount)),
            ("currency", request.amount.currency.lower()),
            ("description", request.description),
            ("metadata[organization_id]", str(request.organization_id)),
            ("metadata[order_id]", str(request.order_id)),
            ("payment_method_types[0]", "card"),
        ]
        confirm = request.payment_method is not None
        if request.payment_method is not None:
            form += [("payment_method", request.payment_method), ("confirm", "true")]
        if request.receipt_email is not None:
            form.append(("receipt_email", request.receipt_email))

        status, body = await self._post("/v1/payment_intents", form, request.idempotency_key)
        if status == 200:
            return _charge_result(body, confirmed=confirm)
        error = _dict(body.get("error"))
        if status == 402 and error.get("type") == "card_error":
            intent = _dict(error.get("payment_intent"))
            return ChargeResult(
                status=ChargeStatus.FAILED,
                reference=_str(intent.get("id")) or "",
                failure_message=_str(error.get("message")) or "the card was declined",
            )
        raise self._refused("/v1/payment_intents", status, body)

    async def refund(self, reference: str, amount: Money, idempotency_key: str) -> str:
        if amount.amount <= 0:
            raise ValueError("a refund gives back a positive amount")
        form = [("payment_intent", reference), ("amount", str(amount.amount))]
        status, body = await self._post("/v1/refunds", form, idempotency_key)
        if status != 200:
            raise self._refused("/v1/refunds", status, body)
        refund_id = _str(body.get("id"))
        if refund_id is None:
            raise PaymentGatewayError("Stripe answered a refund without an id")
        return refund_id

    async def _post(
        self, path: str, form: list[tuple[str, str]], idempotency_key: str
    ) -> tuple[int, _Json]:
        """One call, retried with the same key while the failure may heal. Answers the status
        and JSON body of the last attempt that did not need a retry; raises
        ``PaymentGatewayError(retryable=True)`` when the attempts ran out."""
        headers = {
            "Authorization": f"Bearer {self._secret_key}",
            "Idempotency-Key": idempotency_key,
            "Content-Type": "application/x-www-form-urlencoded",
        }
        content = urlencode(form).encode()
        failure = PaymentGatewayError("no attempt was made")
        for attempt in range(1, self._max_attempts + 1):
            if attempt > 1:
                await asyncio.sleep(self._pause(attempt - 1))
            try:
                response = await self._client.post(
                    f"{self._api_base}{path}",
                    content=content,
                    headers=headers,
                    timeout=self._timeout,
                )
            except httpx.TimeoutException as error:
                failure = PaymentGatewayError(
                    f"Stripe did not answer POST {path} in time ({type(error).__name__})"
                )
            except httpx.TransportError as error:
                failure = PaymentGatewayError(
                    self._masked(
                        f"Stripe could not be reached for POST {path}: "
                        f"{type(error).__name__}: {error}"
                    )
                )
            else:
                body = _json_body(response)
                if not _worth_retrying(response):
                    return response.status_code, body
                failure = self._refused(path, response.status_code, body)
            log.warning(
                "stripe_request_failed",
                path=path,
                attempt=attempt,
                of=self._max_attempts,
                reason=str(failure),
            )
        raise failure

    def _pause(self, retry: int) -> float:
        # Full backoff with jitter between half and all of it, so a fleet of workers that
        # failed together does not come back together.
        return self._backoff * 2.0 ** (retry - 1) * random.uniform(0.5, 1.0)  # noqa: S311

    def _refused(self, path: str, status: int, body: _Json) -> PaymentGatewayError:
        error = _dict(body.get("error"))
        kind = _str(error.get("type")) or "unknown"
        code = _str(error.get("code"))
        message = _str(error.get("message")) or "no message"
        detail = f"{kind}/{code}" if code else kind
        # 409: another request with this key is still running; 429: rate limited. Both heal.
        retryable = status >= 500 or status in (409, 429)
        return PaymentGatewayError(
            self._masked(f"Stripe refused POST {path} ({status} {detail}): {message}"),
            retryable=retryable,
        )

    def _masked(self, text: str) -> str:
        for secret in (self._secret_key, self._webhook_secret):
            text = text.replace(secret, _mask(secret))
        return text

    # --- webhooks --------------------------------------------------------------------------------

    def parse_webhook(
        self, body: bytes, headers: Mapping[str, str], now: datetime
    ) -> PaymentNotice:
        self._verify(body, headers.get("stripe-signature"), now)
        return _notice(body)

    def _verify(self, body: bytes, header: str | None, now: datetime) -> None:
        if not header:
            raise InvalidWebhookSignature("no Stripe-Signature header")
        timestamps: list[str] = []
        signatures: list[str] = []
        for item in header.split(","):
            key, sep, value = item.strip().partition("=")
            if not sep:
                raise InvalidWebhookSignature("a malformed Stripe-Signature header")
            if key == "t":
                timestamps.append(value)
            elif key == "v1":
                signatures.append(value)
            # Other schemes (v0: test-mode only) are ignored, as Stripe's libraries do.
        if len(timestamps) != 1 or not (timestamps[0].isascii() and timestamps[0].isdigit()):
            raise InvalidWebhookSignature("a Stripe-Signature header without one timestamp")
        if not signatures:
            raise InvalidWebhookSignature("a Stripe-Signature header without a v1 signature")
        timestamp = int(timestamps[0])
        if abs(now.timestamp() - timestamp) > self._tolerance.total_seconds():
            raise InvalidWebhookSignature("the webhook's timestamp is outside the tolerance")
        signed = timestamps[0].encode() + b"." + body
        expected = hmac.new(self._webhook_secret.encode(), signed, hashlib.sha256).hexdigest()
        # Bytes, not str: compare_digest refuses non-ASCII str, and a header is attacker input.
        if not any(
            hmac.compare_digest(expected.encode(), candidate.encode()) for candidate in signatures
        ):
            raise InvalidWebhookSignature("no v1 signature matches")


def _charge_result(intent: _Json, *, confirmed: bool) -> ChargeResult:
    reference = _str(intent.get("id"))
    status = _str(intent.get("status"))
    if reference is None or status is None:
        raise PaymentGatewayError("Stripe answered a PaymentIntent without an id or status")
    client_secret = _str(intent.get("client_secret"))
    if status == "succeeded":
        return ChargeResult(status=ChargeStatus.SUCCEEDED, reference=reference)
    if status in _PENDING or (status == "requires_payment_method" and not confirmed):
        return ChargeResult(
            status=ChargeStatus.PENDING, reference=reference, client_secret=client_secret
        )
    if status in ("requires_payment_method", "canceled"):
        # A confirmed intent back at requires_payment_method: its payment method failed.
        last_error = _dict(intent.get("last_payment_error"))
        return ChargeResult(
            status=ChargeStatus.FAILED,
            reference=reference,
            failure_message=_str(last_error.get("message")) or f"the payment is {status}",
        )
    raise PaymentGatewayError(
        f"Stripe answered a PaymentIntent in an unknown status {status!r}", retryable=False
    )


def _worth_retrying(response: httpx.Response) -> bool:
    # Stripe says so itself when it knows (e.g. false on a 500 its idempotency layer would
    # only replay); otherwise retry what may heal.
    should_retry = response.headers.get("stripe-should-retry")
    if should_retry == "true":
        return True
    if should_retry == "false":
        return False
    return response.status_code >= 500 or response.status_code in (409, 429)


def _json_body(response: httpx.Response) -> _Json:
    try:
        parsed = response.json()
    except ValueError:
        return {}
    return _dict(parsed)


def _mask(secret: str) -> str:
    """``sk_test_…1234``: enough to tell which key was used, not enough to use it."""
    if len(secret) <= 12:
        return "…"
    cut = secret.rfind("_", 0, 16)
    return f"{secret[: cut + 1]}…{secret[-4:]}"


# --- reading an event ----------------------------------------------------------------------------

_KINDS = {
    "payment_intent.succeeded": NoticeKind.SUCCEEDED,
    "payment_intent.payment_failed": NoticeKind.FAILED,
    "charge.refunded": NoticeKind.REFUNDED,
}


def _notice(body: bytes) -> PaymentNotice:
    """The notice a verified event body says; ``ValueError`` when it is not a Stripe event."""
    try:
        event = json.loads(body)
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError
        raise ValueError(f"a Stripe event is JSON: {error}") from error
    if not isinstance(event, dict):
        raise ValueError("a Stripe event is a JSON object")
    event_id, event_type, created = event.get("id"), event.get("type"), event.get("created")
    if not isinstance(event_id, str) or not isinstance(event_type, str):
        raise ValueError("a Stripe event has a string id and type")
    if type(created) is not int:
        raise ValueError("a Stripe event has an integer created time")
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(obj, dict):
        raise ValueError("a Stripe event has a data.object")
    try:
        created_at = datetime.fromtimestamp(created, UTC)
    except (OverflowError, OSError) as error:
        raise ValueError(f"a Stripe event created at {created} cannot be a time") from error

    kind = _KINDS.get(event_type, NoticeKind.OTHER)
    metadata = _dict(obj.get("metadata"))
    organization = _uuid(metadata.get("organization_id"))
    order = _uuid(metadata.get("order_id"))
    if kind is NoticeKind.OTHER:
        reference, amount = _str(obj.get("id")), None
    elif kind is NoticeKind.REFUNDED:
        # A charge: what the refunds name is its PaymentIntent, and what was given back so far
        # is ``amount_refunded`` (its ``amount`` is what was charged, refunded or not).
        reference = _required_str(obj, "payment_intent")
        amount = _money(obj, "amount_refunded")
    else:
        reference = _required_str(obj, "id")
        amount = _money(obj, "amount_received" if kind is NoticeKind.SUCCEEDED else "amount")
    return PaymentNotice(
        event_id=event_id,
        kind=kind,
        reference=reference,
        organization_id=OrganizationId(organization) if organization else None,
        order_id=OrderId(order) if order else None,
        amount=amount,
        created_at=created_at,
    )


def _money(obj: _Json, field: str) -> Money:
    amount, currency = obj.get(field), obj.get("currency")
    if type(amount) is not int or not isinstance(currency, str):
        raise ValueError(f"a Stripe object without an integer {field} and a currency")
    try:
        return Money(amount, currency.upper())
    except DomainError as error:
        raise ValueError(f"a Stripe object with an unreadable amount: {error}") from error


def _required_str(obj: _Json, field: str) -> str:
    value = obj.get(field)
    if not isinstance(value, str) or not value:
        raise ValueError(f"a Stripe object without its {field}")
    return value


def _uuid(value: object) -> UUID | None:
    if not isinstance(value, str):
        return None
    try:
        return UUID(value)
    except ValueError:
        return None


def _dict(value: object) -> _Json:
    return value if isinstance(value, dict) else {}


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None
