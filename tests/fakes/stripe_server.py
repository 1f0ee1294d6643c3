"""A fake of the slice of the Stripe API TicketBase uses, served over real HTTP on loopback.

``FakeStripe`` runs a stdlib ``ThreadingHTTPServer`` in a thread, so the gateway under test goes
through real sockets, form encoding, headers and timeouts. It keeps Stripe's rules that matter
to a client:

- ``Authorization: Bearer <secret key>`` or 401 (whose message echoes the key *unmasked*, worse
  than Stripe does, so a test can prove the gateway never repeats it);
- ``Idempotency-Key``: the first answer to a key (success or decline alike) is stored and replayed
  with ``Idempotent-Replayed: true``; the same key with other parameters is a 400
  ``idempotency_error``;
- PaymentIntents with Stripe's test payment methods: ``pm_card_visa`` succeeds,
  ``pm_card_chargeDeclined`` (and ``…InsufficientFunds``) is a 402 ``card_error`` that leaves the
  intent at ``requires_payment_method``, ``pm_card_threeDSecureRequired`` /
  ``pm_card_authenticationRequired`` stop at ``requires_action``; unknown parameters are
  refused; a confirm that could pick a redirecting method needs a ``return_url``;
- refunds of a succeeded intent, never more than is left unrefunded;
- customers and subscriptions for plan billing: a subscription of one item (a price), created
  for an existing customer, its item's price swapped by ``POST /v1/subscriptions/{id}``,
  cancelled by ``DELETE``; unknown parameters and unknown ids are refused.

Knobs for tests: ``fail_next(n)`` answers the next ``n`` requests with a 500 *before* they reach
the idempotency layer (as a load balancer or a crashed API node would: nothing is stored, so a
retry with the same key does the work once); ``delay_next(n, seconds)`` holds answers back;
``requests`` records everything received. ``succeed(pi_id)`` completes a ``requires_action``
intent as the buyer's 3-D Secure would, and ``signed_webhook`` signs an event as Stripe does.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

DEFAULT_SECRET_KEY = "sk_test_fake_4eC39HqLyjWDarjtT1zdp7dc"

_SUCCEEDS = {"pm_card_visa", "pm_card_mastercard"}
_DECLINES = {
    "pm_card_chargeDeclined": ("generic_decline", "Your card was declined."),
    "pm_card_chargeDeclinedInsufficientFunds": (
        "insufficient_funds",
        "Your card has insufficient funds.",
    ),
}
_NEEDS_ACTION = {"pm_card_threeDSecureRequired", "pm_card_authenticationRequired"}

_INTENT_PARAMS = re.compile(
    r"amount|currency|confirm|payment_method|description|receipt_email|return_url"
    r"|metadata\[[A-Za-z0-9_]+\]|payment_method_types\[\d*\]"
    r"|automatic_payment_methods\[(enabled|allow_redirects)\]"
)
_REFUND_PARAMS = re.compile(r"payment_intent|amount|reason|metadata\[[A-Za-z0-9_]+\]")
_CUSTOMER_PARAMS = re.compile(r"email|name|metadata\[[A-Za-z0-9_]+\]")
_SUBSCRIPTION_PARAMS = re.compile(
    r"customer|items\[0\]\[(price|id)\]|collection_method|days_until_due|proration_behavior"
    r"|metadata\[[A-Za-z0-9_]+\]"
)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    """Lower-cased names."""
    form: list[tuple[str, str]]


@dataclass
class _Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class StripeError(Exception):
    def __init__(self, status: int, kind: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.answer = _Answer(status, {"error": {"type": kind, "message": message, **extra}})


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    """The ``Stripe-Signature`` value Stripe sends for ``payload`` at ``timestamp``."""
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def signed_webhook(
    event: dict[str, Any], secret: str, timestamp: int | None = None
) -> tuple[bytes, dict[str, str]]:
    """The body and (lower-cased) headers of Stripe's POST delivering ``event``."""
    body = json.dumps(event, indent=2).encode()  # Stripe's bodies are pretty-printed
    stamp = int(time.time()) if timestamp is None else timestamp
    return body, {"content-type": "application/json", "stripe-signature": sign(body, secret, stamp)}


def make_event(event_type: str, obj: dict[str, Any], created: int | None = None) -> dict[str, Any]:
    return {
        "id": _new_id("evt"),
        "object": "event",
        "api_version": "2024-06-20",
        "created": int(time.time()) if created is None else created,
        "livemode": False,
        "type": event_type,
        "data": {"object": obj},
    }


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


class FakeStripe:
    def __init__(self, secret_key: str = DEFAULT_SECRET_KEY) -> None:
        self.secret_key = secret_key
        self.requests: list[RecordedRequest] = []
        self.events: list[dict[str, Any]] = []
        """Every event the fake's state changes caused, oldest first."""
        self._intents: dict[str, dict[str, Any]] = {}
        self._refunds: dict[str, dict[str, Any]] = {}
        self._customers: dict[str, dict[str, Any]] = {}
        self._subscriptions: dict[str, dict[str, Any]] = {}
        self._idempotent: dict[str, tuple[str, list[tuple[str, str]], _Answer]] = {}
        self._failures: list[int] = []
        self._delays: list[float] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- life --------------------------------------------------------------------------------

    def start(self) -> None:
        fake = self

        class Handler(_Handler):
            stripe = fake

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._server = server
        # A short poll interval: shutdown() waits for the loop to notice, once per test.
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # --- knobs -------------------------------------------------------------------------------

    def fail_next(self, count: int, status: int = 500) -> None:
        with self._lock:
            self._failures.extend([status] * count)

    def delay_next(self, count: int, seconds: float) -> None:
        with self._lock:
            self._delays.extend([seconds] * count)

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self.requests)

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.method == method and r.path == path]

    # --- state seen from the test ------------------------------------------------------------

    def payment_intent(self, pi_id: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._intents[pi_id])

    @property
    def payment_intent_ids(self) -> list[str]:
        with self._lock:
            return list(self._intents)

    def subscription(self, sub_id: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._subscriptions[sub_id])

    def customer(self, cus_id: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._customers[cus_id])

    def refunds_of(self, pi_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self._refunds.values() if r["payment_intent"] == pi_id]

    def succeed(self, pi_id: str) -> dict[str, Any]:
        """The buyer passed 3-D Secure: the ``requires_action`` intent succeeds; answers the
        ``payment_intent.succeeded`` event Stripe would now deliver."""
        with self._lock:
            intent = self._intents[pi_id]
            if intent["status"] != "requires_action":
                raise ValueError(f"{pi_id} is {intent['status']}, not requires_action")
            self._capture(intent)
            return self._emit("payment_intent.succeeded", intent)

    # --- the API -----------------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> _Answer:
        form = parse_qsl(raw.decode(), keep_blank_values=True) if raw else []
        with self._lock:
            self.requests.append(RecordedRequest(method, path, headers, form))
            delay = self._delays.pop(0) if self._delays else 0.0
            failure = self._failures.pop(0) if self._failures else None
        if delay:
            self._stopping.wait(delay)
        if failure is not None:
            return _Answer(
                failure,
                {"error": {"type": "api_error", "message": "An unexpected error occurred."}},
            )
        if headers.get("authorization") != f"Bearer {self.secret_key}":
            given = headers.get("authorization", "").removeprefix("Bearer ")
            return StripeError(
                401, "invalid_request_error", f"Invalid API Key provided: {given}"
            ).answer
        with self._lock:
            try:
                return self._route(method, path, headers.get("idempotency-key"), form)
            except StripeError as error:
                return error.answer

    def _route(
        self, method: str, path: str, key: str | None, form: list[tuple[str, str]]
    ) -> _Answer:
        if method == "GET" and (match := re.fullmatch(r"/v1/payment_intents/([^/]+)", path)):
            intent = self._intents.get(match[1])
            if intent is None:
                raise StripeError(
                    404,
                    "invalid_request_error",
                    f"No such payment_intent: '{match[1]}'",
                    code="resource_missing",
                )
            return _Answer(200, intent)
        subscription = re.fullmatch(r"/v1/subscriptions/([^/]+)", path)
        if method in ("GET", "DELETE") and subscription:
            found = self._subscriptions.get(subscription[1])
            if found is None:
                raise StripeError(
                    404,
                    "invalid_request_error",
                    f"No such subscription: '{subscription[1]}'",
                    code="resource_missing",
                )
            if method == "DELETE":
                found["status"] = "canceled"
            return _Answer(200, found)
        creators = {
            "/v1/payment_intents": self._create_intent,
            "/v1/refunds": self._create_refund,
            "/v1/customers": self._create_customer,
            "/v1/subscriptions": self._create_subscription,
        }
        if method == "POST" and (path in creators or subscription):
            create = creators.get(path) or (
                lambda form: self._update_subscription(subscription[1], form)  # type: ignore[index]
            )
            if key is None:
                return self._answer(create, form)
            if key in self._idempotent:
                first_path, first_form, answer = self._idempotent[key]
                if first_path != path or sorted(first_form) != sorted(form):
                    raise StripeError(
                        400,
                        "idempotency_error",
                        "Keys for idempotent requests can only be used with the same parameters "
                        "they were first used with. Try using a key other than "
                        f"'{key}' if you meant to execute a different request.",
                    )
                return _Answer(answer.status, answer.body, {"Idempotent-Replayed": "true"})
            answer = self._answer(create, form)
            self._idempotent[key] = (path, form, answer)
            return answer
        raise StripeError(404, "invalid_request_error", f"Unrecognized request URL ({path}).")

    @staticmethod
    def _answer(create: Any, form: list[tuple[str, str]]) -> _Answer:
        try:
            return _Answer(200, create(form))
        except StripeError as error:
            # Stripe stores declines (402) under the key; it stores no answer to a request
            # that failed validation, so only 402s are kept.
            if error.answer.status == 402:
                return error.answer
            raise

    def _create_customer(self, form: list[tuple[str, str]]) -> dict[str, Any]:
        params = _params(form, _CUSTOMER_PARAMS)
        customer = {"id": _new_id("cus"), "object": "customer", "metadata": _metadata(params)}
        self._customers[customer["id"]] = customer
        return customer

    def _create_subscription(self, form: list[tuple[str, str]]) -> dict[str, Any]:
        params = _params(form, _SUBSCRIPTION_PARAMS)
        if params.get("customer") not in self._customers:
            raise StripeError(400, "invalid_request_error", "No such customer", param="customer")
        price = params.get("items[0][price]")
        if not price:
            raise StripeError(400, "invalid_request_error", "Missing items", param="items")
        if params.get("collection_method") == "send_invoice" and "days_until_due" not in params:
            raise StripeError(
                400, "invalid_request_error", "days_until_due is required for send_invoice"
            )
        item = {"id": _new_id("si"), "object": "subscription_item", "price": {"id": price}}
        subscription = {
            "id": _new_id("sub"),
            "object": "subscription",
            "customer": params["customer"],
            "status": "active",
            "collection_method": params.get("collection_method", "charge_automatically"),
            "items": {"object": "list", "data": [item]},
            "metadata": _metadata(params),
        }
        self._subscriptions[subscription["id"]] = subscription
        return subscription

    def _update_subscription(self, sub_id: str, form: list[tuple[str, str]]) -> dict[str, Any]:
        params = _params(form, _SUBSCRIPTION_PARAMS)
        subscription = self._subscriptions.get(sub_id)
        if subscription is None or subscription["status"] == "canceled":
            raise StripeError(404, "invalid_request_error", f"No such subscription: '{sub_id}'")
        [item] = subscription["items"]["data"]
        if params.get("items[0][id]") != item["id"]:
            raise StripeError(400, "invalid_request_error", "No such subscription item")
        item["price"] = {"id": params["items[0][price]"]}
        return subscription

    def _create_intent(self, form: list[tuple[str, str]]) -> dict[str, Any]:
        params = _params(form, _INTENT_PARAMS)
        amount = _amount(params.get("amount"), required=True)
        currency = params.get("currency", "")
        if not re.fullmatch(r"[a-z]{3}", currency):
            raise StripeError(
                400, "invalid_request_error", "Invalid currency: " + currency, param="currency"
            )
        confirm = params.get("confirm") == "true"
        payment_method = params.get("payment_method")
        if confirm and payment_method is None:
            raise StripeError(
                400,
                "invalid_request_error",
                "You cannot confirm this PaymentIntent because it's missing a payment method.",
            )
        card_only = any(k.startswith("payment_method_types[") for k, _ in form)
        no_redirects = params.get("automatic_payment_methods[allow_redirects]") == "never"
        if confirm and not (card_only or no_redirects or "return_url" in params):
            raise StripeError(
                400,
                "invalid_request_error",
                "This PaymentIntent is configured to accept payment methods enabled in your "
                "Dashboard, some of which may require a full page redirect; provide a "
                "`return_url` or set `automatic_payment_methods[allow_redirects]=never`.",
            )
        if payment_method is not None and payment_method not in (
            _SUCCEEDS | _NEEDS_ACTION | set(_DECLINES)
        ):
            raise StripeError(
                400,
                "invalid_request_error",
                f"No such PaymentMethod: '{payment_method}'",
                code="resource_missing",
                param="payment_method",
            )
        pi_id = _new_id("pi")
        intent: dict[str, Any] = {
            "id": pi_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_received": 0,
            "currency": currency,
            "status": "requires_payment_method",
            "client_secret": f"{pi_id}_secret_{secrets.token_hex(12)}",
            "description": params.get("description"),
            "receipt_email": params.get("receipt_email"),
            "metadata": {k[len("metadata[") : -1]: v for k, v in form if k.startswith("metadata[")},
            "payment_method": payment_method,
            "latest_charge": None,
            "last_payment_error": None,
            "next_action": None,
            "created": int(time.time()),
            "livemode": False,
        }
        self._intents[pi_id] = intent
        if not confirm or payment_method is None:
            return intent
        if payment_method in _SUCCEEDS:
            self._capture(intent)
            self._emit("payment_intent.succeeded", intent)
        elif payment_method in _NEEDS_ACTION:
            intent["status"] = "requires_action"
            intent["next_action"] = {"type": "use_stripe_sdk", "use_stripe_sdk": {}}
        else:
            decline_code, message = _DECLINES[payment_method]
            error = {
                "type": "card_error",
                "code": "card_declined",
                "decline_code": decline_code,
                "message": message,
                "payment_method": {"id": payment_method},
            }
            intent["last_payment_error"] = error
            self._emit("payment_intent.payment_failed", intent)
            raise StripeError(
                402,
                "card_error",
                message,
                code="card_declined",
                decline_code=decline_code,
                payment_intent=copy.deepcopy(intent),
            )
        return intent

    def _create_refund(self, form: list[tuple[str, str]]) -> dict[str, Any]:
        params = _params(form, _REFUND_PARAMS)
        pi_id = params.get("payment_intent", "")
        intent = self._intents.get(pi_id)
        if intent is None:
            raise StripeError(
                400,
                "invalid_request_error",
                f"No such payment_intent: '{pi_id}'",
                code="resource_missing",
                param="payment_intent",
            )
        if intent["status"] != "succeeded":
            raise StripeError(
                400,
                "invalid_request_error",
                f"This PaymentIntent ({pi_id}) does not have a successful charge to refund.",
            )
        refunded = sum(r["amount"] for r in self._refunds.values() if r["payment_intent"] == pi_id)
        left = intent["amount_received"] - refunded
        amount = _amount(params.get("amount"), required=False)
        amount = left if amount is None else amount
        if left == 0:
            raise StripeError(
                400,
                "invalid_request_error",
                f"Charge {intent['latest_charge']} has already been refunded.",
                code="charge_already_refunded",
            )
        if amount > left:
            raise StripeError(
                400,
                "invalid_request_error",
                f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})",
                param="amount",
            )
        refund = {
            "id": _new_id("re"),
            "object": "refund",
            "amount": amount,
            "currency": intent["currency"],
            "payment_intent": pi_id,
            "charge": intent["latest_charge"],
            "status": "succeeded",
            "reason": params.get("reason"),
            "created": int(time.time()),
        }
        self._refunds[refund["id"]] = refund
        charge = {
            "id": intent["latest_charge"],
            "object": "charge",
            "amount": intent["amount_received"],
            "amount_captured": intent["amount_received"],
            "amount_refunded": refunded + amount,
            "currency": intent["currency"],
            "payment_intent": pi_id,
            "metadata": dict(intent["metadata"]),  # a charge carries its intent's metadata
            "refunded": refunded + amount == intent["amount_received"],
            "status": "succeeded",
        }
        self._emit("charge.refunded", charge)
        return refund

    def _capture(self, intent: dict[str, Any]) -> None:
        intent["status"] = "succeeded"
        intent["amount_received"] = intent["amount"]
        intent["latest_charge"] = _new_id("ch")
        intent["next_action"] = None

    def _emit(self, event_type: str, obj: dict[str, Any]) -> dict[str, Any]:
        event = make_event(event_type, copy.deepcopy(obj))
        self.events.append(event)
        return event


def _params(form: list[tuple[str, str]], allowed: re.Pattern[str]) -> dict[str, str]:
    for key, _ in form:
        if not allowed.fullmatch(key):
            raise StripeError(
                400, "invalid_request_error", f"Received unknown parameter: {key}", param=key
            )
    return dict(form)


def _amount(raw: str | None, *, required: bool) -> int | None:
    if raw is None:
        if required:
            raise StripeError(
                400, "invalid_request_error", "Missing required param: amount.", param="amount"
            )
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise StripeError(
            400,
            "invalid_request_error",
            "This value must be greater than or equal to 1.",
            param="amount",
        )
    return int(raw)


class _Handler(BaseHTTPRequestHandler):
    stripe: FakeStripe
    protocol_version = "HTTP/1.1"  # keep-alive, as httpx's pool expects
    timeout = 10  # an idle kept-alive connection does not hold its thread for ever

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        answer = self.stripe.handle(method, self.path, headers, raw)
        body = json.dumps(answer.body).encode()
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Request-Id", _new_id("req"))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to tell it

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def running(secret_key: str = DEFAULT_SECRET_KEY) -> Iterator[FakeStripe]:
    fake = FakeStripe(secret_key)
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


def _metadata(params: dict[str, str]) -> dict[str, str]:
    return {k[len("metadata[") : -1]: v for k, v in params.items() if k.startswith("metadata[")}
