"""Checkout and the buyer's view of an order on the in-memory adapters: pricing reaches the
order, refusals commit nothing and announce nothing, the access token opens only its order."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest
from tests.unit.application.events.conftest import EventsKit

from ticketbase.adapters.security.buyer_tokens import HmacBuyerTokens
from ticketbase.application.context import Actor
from ticketbase.application.events.create_promo_code import CreatePromoCodeCommand
from ticketbase.application.events.publish_event import PublishEventCommand
from ticketbase.application.orders.access import OrderAccess
from ticketbase.application.orders.checkout import (
    AttendeeInput,
    Checkout,
    CheckoutCommand,
    IdempotencyKeyReused,
    PlacedOrder,
)
from ticketbase.application.orders.get_order import GetOrder
from ticketbase.domain.events.errors import EventNotFound, PromoCodeExpired
from ticketbase.domain.events.event import Event
from ticketbase.domain.events.pricing import PricingTier
from ticketbase.domain.events.promo_code import PercentOff, PromoCodeSpec
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.orders.errors import (
    OrderNotFound,
    QuantityOutOfRange,
    SoldOut,
    UnknownPromoCode,
)
from ticketbase.domain.orders.order import OrderNumber, OrderStatus
from ticketbase.domain.orders.quote import RequestedItem
from ticketbase.domain.shared.errors import DomainError
from ticketbase.domain.shared.ids import EventId, OrderId, TicketTypeId
from ticketbase.domain.shared.values import Money

BUYER_TOKENS = HmacBuyerTokens("unit-test-buyer-token-secret-0123456789")
pytestmark = pytest.mark.anyio


def command(
    organization: Organization,
    event_id: EventId,
    ticket_type_id: TicketTypeId,
    quantity: int = 2,
    **changes: object,
) -> CheckoutCommand:
    fields: dict[str, object] = {
        "organization_id": organization.id,
        "event_id": event_id,
        "items": (RequestedItem(ticket_type_id, quantity),),
        "buyer_full_name": "  Ada   Lovelace ",
        "buyer_email": "Ada@Example.com",
    }
    return CheckoutCommand(**(fields | changes))  # type: ignore[arg-type]


async def on_sale(kit: EventsKit, owner: Actor, **spec: object) -> tuple[Event, TicketTypeId]:
    event = await kit.event(owner)
    ticket_type = await kit.ticket_type(owner, event.id, **spec)
    await kit.publish_event(PublishEventCommand(event.id), owner)
    return event, ticket_type.ticket_type.id


def orders_of(kit: EventsKit, organization: Organization) -> list[object]:
    return [o for o, _ in kit.uow.database.state.orders.get(organization.id, {}).values()]


def order_messages(kit: EventsKit, organization: Organization) -> list[str]:
    return [m.topic for m in kit.outbox(organization.id) if m.topic.startswith("order.")]


async def test_a_tier_a_promo_code_and_tax_price_the_placed_order(
    kit: EventsKit, owner: Actor, acme: Organization
) -> None:
    early = PricingTier(name="Early bird", price=Money(2000, "EUR"), up_to_quantity=10)
    event, ticket_type_id = await on_sale(kit, owner, tax_rate=1900, tiers=[early])
    await kit.create_promo_code(
        CreatePromoCodeCommand(event.id, PromoCodeSpec(code="SAVE10", discount=PercentOff(10))),
        owner,
    )
    placed = await Checkout(kit.uow, kit.clock, kit.ids, BUYER_TOKENS)(
        command(acme, event.id, ticket_type_id, 3, promo_code="save10")
    )
    order = placed.order
    assert order.status is OrderStatus.PENDING
    [line] = order.lines
    assert (line.unit_price, line.discount, line.total) == (
        Money(2000, "EUR"),
        Money(600, "EUR"),
        Money(5400, "EUR"),
    )
    assert order.totals.subtotal == Money(6000, "EUR")
    assert order.totals.tax == Money(862, "EUR")  # 5400 * 1900 / 11900, half-even
    assert order.totals.total == Money(5400, "EUR")
    assert order.promo_code_id is not None
    assert order.buyer.full_name == "Ada Lovelace"
    assert order.buyer.email.value == "ada@example.com"
    assert order.expires_at == kit.clock.now() + timedelta(minutes=15)
    assert str(order.number) == "0000018"
    assert kit.stored_ticket_type(acme.id, ticket_type_id).held == 3
    assert orders_of(kit, acme) == [order]
    assert order_messages(kit, acme) == ["order.created"]
    [message] = [m for m in kit.outbox(acme.id) if m.topic == "order.created"]
    assert message.payload["orderId"] == str(order.id)
    assert message.payload["total"] == {"amount": 5400, "currency": "EUR"}


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        ({"promo_code": "NOPE"}, UnknownPromoCode, "promoCode"),
        ({"promo_code": "x"}, DomainError, "promoCode"),
        ({"buyer_email": "not-an-email"}, DomainError, "buyer.email"),
        (
            {"attendees": (AttendeeInput(TicketTypeId(UUID(int=1)), "A", "a@b.co"),)},
            DomainError,
            None,
        ),
    ],
)
async def test_a_refused_checkout_commits_nothing(
    kit: EventsKit,
    owner: Actor,
    acme: Organization,
    changes: dict[str, object],
    error: type[DomainError],
    field: str | None,
) -> None:
    event, ticket_type_id = await on_sale(kit, owner)
    with pytest.raises(error) as raised:
        await Checkout(kit.uow, kit.clock, kit.ids, BUYER_TOKENS)(
            command(acme, event.id, ticket_type_id, **changes)
        )
    if field is not None:
        assert raised.value.field == field
    assert orders_of(kit, acme) == []
    assert order_messages(kit, acme) == []
    assert kit.stored_ticket_type(acme.id, ticket_type_id).held == 0


async def test_sold_out_and_out_of_range_hold_nothing(
    kit: EventsKit, owner: Actor, acme: Organization
) -> None:
    event, ticket_type_id = await on_sale(kit, owner, quantity=3)
    checkout = Checkout(kit.uow, kit.clock, kit.ids, BUYER_TOKENS)
    with pytest.raises(SoldOut) as sold_out:
        await checkout(command(acme, event.id, ticket_type_id, 4))
    assert sold_out.value.field == "items[0].ticketTypeId"
    with pytest.raises(QuantityOutOfRange):
        await checkout(command(acme, event.id, ticket_type_id, 11))
    assert kit.stored_ticket_type(acme.id, ticket_type_id).held == 0
    assert orders_of(kit, acme) == []
    assert order_messages(kit, acme) == []
    placed = await checkout(command(acme, event.id, ticket_type_id, 3))
    # Each refusal skipped the number it took (numbers.py); the order has the next one.
    assert placed.order.number == OrderNumber.from_sequence(3)


async def test_an_expired_promo_code_is_refused_on_promo_code(
    kit: EventsKit, owner: Actor, acme: Organization
) -> None:
    event, ticket_type_id = await on_sale(kit, owner)
    until = kit.clock.now() + timedelta(hours=1)
    spec = PromoCodeSpec(code="SOON", discount=PercentOff(10), valid_until=until)
    await kit.create_promo_code(CreatePromoCodeCommand(event.id, spec), owner)
    kit.clock.advance(hours=2)
    with pytest.raises(PromoCodeExpired) as raised:
        await Checkout(kit.uow, kit.clock, kit.ids, BUYER_TOKENS)(
            command(acme, event.id, ticket_type_id, promo_code="soon")
        )
    assert raised.value.field == "promoCode"


async def test_a_draft_or_another_tenants_event_is_not_found(
    kit: EventsKit, owner: Actor, rival: Actor, acme: Organization, globex: Organization
) -> None:
    draft = await kit.event(owner, "Draft")
    draft_type = await kit.ticket_type(owner, draft.id)
    theirs, their_type = await on_sale(kit, rival)
    checkout = Checkout(kit.uow, kit.clock, kit.ids, BUYER_TOKENS)
    for event_id, ticket_type_id in (
        (draft.id, draft_type.ticket_type.id),
        (theirs.id, their_type),
    ):
        with pytest.raises(EventNotFound):
            await checkout(command(acme, event_id, ticket_type_id))
    assert orders_of(kit, acme) == orders_of(kit, globex) == []


async def test_the_access_token_opens_only_its_order(
    kit: EventsKit, owner: Actor, acme: Organization, globex: Organization
) -> None:
    event, ticket_type_id = await on_sale(kit, owner)
    placed: PlacedOrder = await Checkout(kit.uow, kit.clock, kit.ids, BUYER_TOKENS)(
        command(acme, event.id, ticket_type_id)
    )
    get_order = GetOrder(kit.uow)
    view = await get_order(placed.order.id, OrderAccess.buyer(acme.id, placed.access_token))
    assert view.order == placed.order
    assert view.attendees == []
    stored_hash = kit.uow.database.state.orders[acme.id][placed.order.id][1]
    assert placed.access_token.encode() not in stored_hash
    for organization_id, order_id, token in (
        (acme.id, placed.order.id, None),
        (acme.id, placed.order.id, ""),
        (acme.id, placed.order.id, placed.access_token + "x"),
        (globex.id, placed.order.id, placed.access_token),
        (acme.id, OrderId(event.id), placed.access_token),
    ):
        with pytest.raises(OrderNotFound):
            await get_order(order_id, OrderAccess.buyer(organization_id, token))


async def test_a_replay_with_the_key_answers_the_first_order_and_another_request_is_refused(
    kit: EventsKit, owner: Actor, acme: Organization
) -> None:
    event, ticket_type_id = await on_sale(kit, owner)
    checkout = Checkout(kit.uow, kit.clock, kit.ids, BUYER_TOKENS)
    first = await checkout(command(acme, event.id, ticket_type_id, idempotency_key="k-1"))
    kit.clock.advance(minutes=5)
    again = await checkout(command(acme, event.id, ticket_type_id, idempotency_key="k-1"))
    assert again == first
    assert orders_of(kit, acme) == [first.order]
    assert order_messages(kit, acme) == ["order.created"]
    assert kit.stored_ticket_type(acme.id, ticket_type_id).held == 2
    with pytest.raises(IdempotencyKeyReused) as reused:
        await checkout(command(acme, event.id, ticket_type_id, 3, idempotency_key="k-1"))
    assert reused.value.field == "Idempotency-Key"
    other_key = await checkout(command(acme, event.id, ticket_type_id, idempotency_key="k-2"))
    assert other_key.order.id != first.order.id
    kit.clock.advance(hours=24)
    after_a_day = await checkout(command(acme, event.id, ticket_type_id, idempotency_key="k-1"))
    assert after_a_day.order.id != first.order.id


async def test_a_refused_checkout_leaves_its_key_free(
    kit: EventsKit, owner: Actor, acme: Organization
) -> None:
    event, ticket_type_id = await on_sale(kit, owner, quantity=3)
    checkout = Checkout(kit.uow, kit.clock, kit.ids, BUYER_TOKENS)
    with pytest.raises(SoldOut):
        await checkout(command(acme, event.id, ticket_type_id, 4, idempotency_key="k"))
    placed = await checkout(command(acme, event.id, ticket_type_id, 3, idempotency_key="k"))
    assert placed.order.ticket_count == 3
    with pytest.raises(DomainError) as invalid:
        await checkout(command(acme, event.id, ticket_type_id, idempotency_key="a key"))
    assert invalid.value.field == "Idempotency-Key"
