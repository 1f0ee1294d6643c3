"""Which member hears which announcement, what the worker hands the bus, and the bound on a
message's size (PostgreSQL refuses NOTIFY payloads of 8000 bytes or more)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from ticketbase.adapters.local.realtime import MAX_ENVELOPE_BYTES, encode_envelope, route_of
from ticketbase.application.ports.outbox import ClaimedMessage
from ticketbase.application.ports.realtime import RealtimeMessage
from ticketbase.application.realtime.audience import may_hear
from ticketbase.application.realtime.push import PushToRealtime
from ticketbase.domain.identity.permissions import Permission, Role, effective_permissions
from ticketbase.domain.shared.ids import OrganizationId

P = Permission
ORGANIZATION = OrganizationId(uuid.uuid4())


@pytest.mark.parametrize(
    ("topic", "permissions", "hears"),
    [
        ("order.paid", {P.ORDERS_READ}, True),
        ("order.created", {P.EVENTS_READ, P.ORGANIZATION_READ}, False),
        ("order.refunded", set(), False),
        ("attendee.checked_in", {P.ATTENDEES_CHECKIN}, True),
        ("attendee.checked_in", {P.ORDERS_READ}, True),
        ("attendee.checked_in", {P.EVENTS_READ}, False),
        ("event.published", {P.EVENTS_READ}, True),
        ("event.published", {P.ORDERS_READ}, False),
        ("plugin.status_changed", {P.ORGANIZATION_READ}, True),
        ("plugin.status_changed", {P.PLUGINS_MANAGE}, True),
        ("plugin.status_changed", {P.EVENTS_READ}, False),
        ("order.confirmation", set(Permission), False),  # a command, never pushed
        ("event.cancelled", set(Permission), False),
    ],
)
def test_a_topic_is_heard_with_any_one_of_its_permissions(
    topic: str, permissions: set[Permission], hears: bool
) -> None:
    assert may_hear(permissions, topic) is hears


def test_every_role_hears_orders_and_events_by_default_and_revokes_take_it_away() -> None:
    for role in Role:
        assert may_hear(effective_permissions(role, frozenset(), frozenset()), "order.paid")
    analyst = effective_permissions(Role.ANALYST, frozenset(), frozenset({P.ORDERS_READ}))
    assert not may_hear(analyst, "order.paid")
    assert may_hear(analyst, "event.published")


class RecordingBus:
    def __init__(self) -> None:
        self.published: list[RealtimeMessage] = []

    async def publish(self, message: RealtimeMessage) -> None:
        self.published.append(message)


@pytest.mark.anyio
async def test_the_worker_hands_the_announcement_over_as_an_envelope() -> None:
    bus = RecordingBus()
    at = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    message_id, order_id = uuid.uuid4(), str(uuid.uuid4())
    await PushToRealtime(bus)(
        ClaimedMessage(
            organization_id=ORGANIZATION,
            id=message_id,
            topic="order.paid",
            payload={
                "organizationId": str(ORGANIZATION),
                "orderId": order_id,
                "at": at.isoformat(),
                "ticketCount": 2,
            },
            created_at=at,
            attempt=1,
        )
    )
    (pushed,) = bus.published
    envelope = json.loads(encode_envelope(pushed))
    assert envelope == {
        "id": str(message_id),
        "type": "order.paid",
        "organizationId": str(ORGANIZATION),
        "data": {"orderId": order_id, "ticketCount": 2},
        "at": at.isoformat(),
    }
    route = route_of(encode_envelope(pushed))
    assert route is not None
    assert (route.type, route.organization_id) == ("order.paid", str(ORGANIZATION))


def test_a_large_message_keeps_only_its_ids_under_the_notify_limit() -> None:
    event_id = str(uuid.uuid4())
    message = RealtimeMessage(
        uuid.uuid4(),
        "plugin.status_changed",
        ORGANIZATION,
        {"pluginId": "seating", "eventId": event_id, "detail": "x" * 20_000, "count": 3},
        "2026-05-01T12:00:00+00:00",
    )
    text = encode_envelope(message)
    assert len(text.encode()) <= MAX_ENVELOPE_BYTES
    assert json.loads(text)["data"] == {
        "pluginId": "seating",
        "eventId": event_id,
        "truncated": True,
    }
    huge_ids = {f"k{n}Id": "y" * 100 for n in range(200)}
    bounded = encode_envelope(
        RealtimeMessage(uuid.uuid4(), "order.paid", ORGANIZATION, huge_ids, "-")
    )
    assert json.loads(bounded)["data"] == {"truncated": True}


def test_garbage_on_the_bus_is_not_routed() -> None:
    assert route_of("not json") is None
    assert route_of('{"type": "order.paid"}') is None
