"""StripeGateway.parse_webhook: Stripe's signature scheme, its tolerance, and what events say."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.fakes.stripe_server import make_event, sign, signed_webhook

from ticketbase.adapters.payments import StripeGateway
from ticketbase.application.ports.payments import InvalidWebhookSignature, NoticeKind
from ticketbase.domain.shared.values import Money

SECRET = "whsec_test_0123456789abcdef"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
T = int(NOW.timestamp())


# parse_webhook makes no call: the gateway's client is never used. One gateway for the module:
# building an httpx client (its TLS context) for each hypothesis example would cost seconds.
GATEWAY = StripeGateway("sk_test_unused_key_0000", SECRET)


@pytest.fixture
def gateway() -> StripeGateway:
    return GATEWAY


def intent(**fields: Any) -> dict[str, Any]:
    return {
        "id": "pi_123",
        "object": "payment_intent",
        "amount": 4200,
        "amount_received": 4200,
        "currency": "eur",
        "status": "succeeded",
        "metadata": {"organization_id": str(uuid4()), "order_id": str(uuid4())},
        **fields,
    }


def body_of(event: dict[str, Any]) -> bytes:
    return json.dumps(event).encode()


# --- the signature ------------------------------------------------------------------------------


def test_a_signature_computed_outside_python_is_accepted() -> None:
    # The v1 value below was computed with `openssl dgst -sha256 -hmac whsec_known` over
    # "1700000000.<body>", independently of this code base.
    body = (
        b'{"id":"evt_kat","type":"customer.created","created":1700000000,'
        b'"data":{"object":{"id":"cus_1"}}}'
    )
    header = "t=1700000000,v1=38c16354b845d552ab12f05575ec64c3e24263096d3fa49b1bb62c7b0d43c535"
    gateway = StripeGateway("sk_test_unused_key_0000", "whsec_known")
    notice = gateway.parse_webhook(
        body, {"stripe-signature": header}, datetime.fromtimestamp(1700000000, UTC)
    )
    assert notice.event_id == "evt_kat"
    assert notice.kind is NoticeKind.OTHER


def test_a_good_signature_is_accepted(gateway: StripeGateway) -> None:
    event = make_event("payment_intent.succeeded", intent(), created=T)
    body, headers = signed_webhook(event, SECRET, timestamp=T)
    assert gateway.parse_webhook(body, headers, NOW).event_id == event["id"]


def test_another_endpoints_secret_is_refused(gateway: StripeGateway) -> None:
    body, headers = signed_webhook(make_event("x.y", {}), "whsec_someone_else", timestamp=T)
    with pytest.raises(InvalidWebhookSignature):
        gateway.parse_webhook(body, headers, NOW)


def test_a_tampered_body_is_refused(gateway: StripeGateway) -> None:
    body, headers = signed_webhook(make_event("payment_intent.succeeded", intent()), SECRET, T)
    tampered = body.replace(b"4200", b"1")
    assert tampered != body
    with pytest.raises(InvalidWebhookSignature):
        gateway.parse_webhook(tampered, headers, NOW)


def test_a_signature_for_another_timestamp_is_refused(gateway: StripeGateway) -> None:
    body = body_of(make_event("x.y", {}))
    v1 = sign(body, SECRET, T - 1).split("v1=")[1]
    with pytest.raises(InvalidWebhookSignature):
        gateway.parse_webhook(body, {"stripe-signature": f"t={T},v1={v1}"}, NOW)


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [(-300, True), (300, True), (-301, False), (301, False), (-86400, False), (86400, False)],
)
def test_the_timestamp_must_be_within_five_minutes_either_way(
    gateway: StripeGateway, offset: int, accepted: bool
) -> None:
    body, headers = signed_webhook(make_event("x.y", {}), SECRET, timestamp=T + offset)
    if accepted:
        gateway.parse_webhook(body, headers, NOW)
    else:
        with pytest.raises(InvalidWebhookSignature, match="tolerance"):
            gateway.parse_webhook(body, headers, NOW)


def test_the_tolerance_is_configurable() -> None:
    strict = StripeGateway(
        "sk_test_unused_key_0000", SECRET, webhook_tolerance=timedelta(seconds=5)
    )
    body, headers = signed_webhook(make_event("x.y", {}), SECRET, timestamp=T - 6)
    with pytest.raises(InvalidWebhookSignature):
        strict.parse_webhook(body, headers, NOW)


def test_one_matching_v1_among_several_is_enough(gateway: StripeGateway) -> None:
    # Stripe sends one v1 per active secret while a secret is being rolled.
    body = body_of(make_event("x.y", {}))
    good = sign(body, SECRET, T).split("v1=")[1]
    bad = sign(body, "whsec_old", T).split("v1=")[1]
    header = f"t={T},v1={bad},v0=deadbeef,v1={good}"
    gateway.parse_webhook(body, {"stripe-signature": header}, NOW)


def test_v0_signatures_alone_are_not_enough(gateway: StripeGateway) -> None:
    body = body_of(make_event("x.y", {}))
    good = sign(body, SECRET, T).split("v1=")[1]
    with pytest.raises(InvalidWebhookSignature):
        gateway.parse_webhook(body, {"stripe-signature": f"t={T},v0={good}"}, NOW)


def test_a_missing_header_is_refused(gateway: StripeGateway) -> None:
    body, _ = signed_webhook(make_event("x.y", {}), SECRET, T)
    with pytest.raises(InvalidWebhookSignature, match="no Stripe-Signature"):
        gateway.parse_webhook(body, {"content-type": "application/json"}, NOW)


@pytest.mark.parametrize(
    "header",
    [
        "",
        "garbage",
        "t=,v1={v1}",
        "t=abc,v1={v1}",
        "t=-{t},v1={v1}",
        "t=+{t},v1={v1}",
        "t=\uff11\uff12\uff13,v1={v1}",  # full-width digits: int() would read them
        "v1={v1}",
        "t={t}",
        "t={t},v1=",
        "t={t},t={t},v1={v1}",
        "t={t},v1={v1}é",
        "t={t};v1={v1}",
    ],
)
def test_a_malformed_header_is_refused(gateway: StripeGateway, header: str) -> None:
    body = body_of(make_event("x.y", {}))
    v1 = sign(body, SECRET, T).split("v1=")[1]
    with pytest.raises(InvalidWebhookSignature):
        gateway.parse_webhook(body, {"stripe-signature": header.format(t=T, v1=v1)}, NOW)


def test_spaces_after_commas_are_tolerated(gateway: StripeGateway) -> None:
    body = body_of(make_event("x.y", {}))
    v1 = sign(body, SECRET, T).split("v1=")[1]
    gateway.parse_webhook(body, {"stripe-signature": f"t={T}, v1={v1}"}, NOW)


BODY = body_of(make_event("payment_intent.succeeded", intent(), created=T))
HEADERS = {"stripe-signature": sign(BODY, SECRET, T)}


@given(st.data())
def test_any_change_of_one_body_byte_invalidates_the_signature(data: st.DataObject) -> None:
    position = data.draw(st.integers(0, len(BODY) - 1))
    byte = data.draw(st.integers(0, 255).filter(lambda b: b != BODY[position]))
    changed = BODY[:position] + bytes([byte]) + BODY[position + 1 :]
    with pytest.raises(InvalidWebhookSignature):
        GATEWAY.parse_webhook(changed, HEADERS, NOW)


@given(st.binary(max_size=8))
def test_any_bytes_added_or_cut_invalidate_the_signature(extra: bytes) -> None:
    for changed in (BODY + extra, extra + BODY, BODY[: -len(extra) or None]):
        if changed != BODY:
            with pytest.raises(InvalidWebhookSignature):
                GATEWAY.parse_webhook(changed, HEADERS, NOW)


# --- what the event says ------------------------------------------------------------------------


def parse(gateway: StripeGateway, event: dict[str, Any]) -> Any:
    body, headers = signed_webhook(event, SECRET, timestamp=T)
    return gateway.parse_webhook(body, headers, NOW)


def test_payment_intent_succeeded_names_the_order_and_what_was_received(
    gateway: StripeGateway,
) -> None:
    organization, order = uuid4(), uuid4()
    obj = intent(
        amount=5000,
        amount_received=4200,
        metadata={"organization_id": str(organization), "order_id": str(order)},
    )
    notice = parse(gateway, make_event("payment_intent.succeeded", obj, created=T - 60))
    assert notice.kind is NoticeKind.SUCCEEDED
    assert notice.reference == "pi_123"
    assert notice.organization_id == organization
    assert notice.order_id == order
    assert notice.amount == Money(4200, "EUR")
    assert notice.created_at == NOW - timedelta(seconds=60)


def test_payment_failed_carries_the_intended_amount(gateway: StripeGateway) -> None:
    obj = intent(status="requires_payment_method", amount=1999, amount_received=0, currency="usd")
    notice = parse(gateway, make_event("payment_intent.payment_failed", obj))
    assert notice.kind is NoticeKind.FAILED
    assert notice.reference == "pi_123"
    assert notice.amount == Money(1999, "USD")


def test_charge_refunded_names_the_payment_intent_and_the_amount_refunded(
    gateway: StripeGateway,
) -> None:
    order = uuid4()
    charge = {
        "id": "ch_9",
        "object": "charge",
        "amount": 4200,
        "amount_refunded": 1000,
        "currency": "eur",
        "payment_intent": "pi_123",
        "metadata": {"organization_id": str(uuid4()), "order_id": str(order)},
    }
    notice = parse(gateway, make_event("charge.refunded", charge))
    assert notice.kind is NoticeKind.REFUNDED
    assert notice.reference == "pi_123"
    assert notice.order_id == order
    assert notice.amount == Money(1000, "EUR")


@pytest.mark.parametrize(
    "event_type", ["payment_intent.created", "charge.succeeded", "customer.created", "x"]
)
def test_other_events_are_other(gateway: StripeGateway, event_type: str) -> None:
    notice = parse(gateway, make_event(event_type, intent()))
    assert notice.kind is NoticeKind.OTHER
    assert notice.amount is None


@pytest.mark.parametrize(
    "metadata",
    [
        None,
        {},
        {"organization_id": "not-a-uuid", "order_id": "42"},
        {"organization_id": 7, "order_id": ["x"]},
        "a string",
    ],
)
def test_a_charge_ticketbase_did_not_make_names_no_order(
    gateway: StripeGateway, metadata: object
) -> None:
    obj = intent(metadata=metadata)
    notice = parse(gateway, make_event("payment_intent.succeeded", obj))
    assert notice.kind is NoticeKind.SUCCEEDED
    assert notice.organization_id is None
    assert notice.order_id is None


def test_each_metadata_id_is_read_on_its_own(gateway: StripeGateway) -> None:
    order = uuid4()
    obj = intent(metadata={"organization_id": "nope", "order_id": str(order)})
    notice = parse(gateway, make_event("payment_intent.succeeded", obj))
    assert (notice.organization_id, notice.order_id) == (None, order)


def good_event() -> dict[str, Any]:
    return make_event("payment_intent.succeeded", intent(), created=T)


def without(path: list[str]) -> dict[str, Any]:
    event = good_event()
    target = event
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return event


def replaced(path: list[str], value: object) -> dict[str, Any]:
    event = good_event()
    target = event
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return event


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe\x00",
        b"[]",
        b'"event"',
        body_of(without(["id"])),
        body_of(without(["type"])),
        body_of(without(["created"])),
        body_of(replaced(["created"], "1700000000")),
        body_of(replaced(["created"], True)),
        body_of(replaced(["created"], 10**20)),
        body_of(without(["data"])),
        body_of(replaced(["data"], {"object": None})),
        body_of(without(["data", "object", "id"])),
        body_of(without(["data", "object", "amount_received"])),
        body_of(replaced(["data", "object", "amount_received"], 42.0)),
        body_of(replaced(["data", "object", "currency"], "euro")),
        body_of(
            make_event("charge.refunded", {"id": "ch_1", "amount_refunded": 1, "currency": "eur"})
        ),
    ],
)
def test_a_signed_body_that_is_not_a_readable_event_is_a_value_error(
    gateway: StripeGateway, body: bytes
) -> None:
    with pytest.raises(ValueError, match=r"^a Stripe (event|object)"):
        gateway.parse_webhook(body, {"stripe-signature": sign(body, SECRET, T)}, NOW)
