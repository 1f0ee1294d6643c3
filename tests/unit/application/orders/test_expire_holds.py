"""Hold expiry on the in-memory adapters: the worker's sweep gives back exactly the lapsed holds
(tickets, the event's capacity, promo code uses) and announces each once; a checkout that finds
the stock short frees lapsed holds itself, and one that finds its tickets leaves them alone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.unit.application.events.conftest import EventsKit
from tests.unit.application.orders.test_checkout import BUYER_TOKENS, command, on_sale

from ticketbase.application.context import Actor
from ticketbase.application.events.create_promo_code import CreatePromoCodeCommand
from ticketbase.application.events.update_event import UpdateEventCommand
from ticketbase.application.orders.checkout import Checkout
from ticketbase.application.orders.expire_holds import ExpireHolds, ExpiryPolicy
from ticketbase.domain.events.errors import PromoCodeUsedUp
from ticketbase.domain.events.promo_code import PercentOff, PromoCodeSpec
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.orders.errors import EventSoldOut, SoldOut
from ticketbase.domain.orders.order import Order, OrderStatus
from ticketbase.domain.shared.ids import OrderId, TicketTypeId

pytestmark = pytest.mark.anyio
HOLD = timedelta(minutes=15)


def checkout(kit: EventsKit) -> Checkout:
    return Checkout(kit.uow, kit.clock, kit.ids, BUYER_TOKENS)


def sweep(kit: EventsKit, batch_size: int = 100) -> ExpireHolds:
    return ExpireHolds(kit.uow, kit.clock, kit.ids, ExpiryPolicy(batch_size=batch_size))


def stored(kit: EventsKit, organization: Organization, order_id: OrderId) -> Order:
    return kit.uow.database.state.orders[organization.id][order_id][0]


def expired_messages(kit: EventsKit, organization: Organization) -> list[str]:
    return [
        str(m.payload["orderId"]) for m in kit.outbox(organization.id) if m.topic == "order.expired"
    ]


async def pay(kit: EventsKit, organization: Organization, order_id: OrderId) -> None:
    """What a payment does to a pending order: lock it, pay it, its held tickets become sold."""
    async with kit.uow.for_tenant(organization.id) as tx:
        order = await tx.orders.lock(order_id)
        assert order is not None
        order.pay(at=kit.clock.now(), amount=order.total, reference=f"pi_{order_id.hex[-6:]}")
        await tx.inventory.confirm(
            order.event_id, [(t.ticket_type_id, t.quantity) for t in order.lines]
        )
        await tx.orders.save(order)
        await tx.commit()


async def cancel(kit: EventsKit, organization: Organization, order_id: OrderId) -> None:
    async with kit.uow.for_tenant(organization.id) as tx:
        order = await tx.orders.lock(order_id)
        assert order is not None
        order.cancel(at=kit.clock.now())
        lines = [(t.ticket_type_id, t.quantity) for t in order.lines]
        await tx.inventory.release(order.event_id, lines, order.promo_code_id)
        await tx.orders.save(order)
        await tx.commit()


async def test_the_sweep_expires_exactly_the_lapsed_pending_holds_and_gives_them_back(
    kit: EventsKit, owner: Actor, acme: Organization
) -> None:
    event, ticket_type_id = await on_sale(kit, owner, quantity=20)
    buy = checkout(kit)
    lapsing = [await buy(command(acme, event.id, ticket_type_id, 2)) for _ in range(3)]
    paid = await buy(command(acme, event.id, ticket_type_id, 1))
    cancelled = await buy(command(acme, event.id, ticket_type_id, 1))
    await pay(kit, acme, paid.order.id)
    await cancel(kit, acme, cancelled.order.id)
    kit.clock.advance(minutes=10)
    fresh = await buy(command(acme, event.id, ticket_type_id, 3))  # held until +25 min
    assert kit.stored_ticket_type(acme.id, ticket_type_id).held == 6 + 3

    kit.clock.advance(minutes=5)  # the first holds end now (at their expires_at exactly)
    report = await sweep(kit)()

    assert sorted(h.order_id for h in report.expired) == sorted(p.order.id for p in lapsing)
    assert report.failed == ()
    assert report.found == 3
    assert not report.full
    for placed in lapsing:
        order = stored(kit, acme, placed.order.id)
        assert order.status is OrderStatus.EXPIRED
        assert order.expired_at == kit.clock.now()
        assert order.version == placed.order.version + 1
    assert stored(kit, acme, paid.order.id).status is OrderStatus.PAID
    assert stored(kit, acme, cancelled.order.id).status is OrderStatus.CANCELLED
    assert stored(kit, acme, fresh.order.id).status is OrderStatus.PENDING
    ticket_type = kit.stored_ticket_type(acme.id, ticket_type_id)
    assert (ticket_type.sold, ticket_type.held) == (1, 3)
    assert sorted(expired_messages(kit, acme)) == sorted(str(p.order.id) for p in lapsing)

    # Nothing is expired (or given back) twice.
    again = await sweep(kit)()
    assert again.expired == ()
    assert kit.stored_ticket_type(acme.id, ticket_type_id).held == 3
    assert len(expired_messages(kit, acme)) == 3


async def test_the_sweep_covers_every_tenant_in_bounded_batches(
    kit: EventsKit, owner: Actor, rival: Actor, acme: Organization, globex: Organization
) -> None:
    ours, our_type = await on_sale(kit, owner)
    theirs, their_type = await on_sale(kit, rival)
    buy = checkout(kit)
    for _ in range(3):
        await buy(command(acme, ours.id, our_type, 1))
        await buy(command(globex, theirs.id, their_type, 1))
    kit.clock.advance(minutes=16)

    first = await sweep(kit, batch_size=4)()
    assert len(first.expired) == 4
    assert first.full
    rest = await sweep(kit, batch_size=4)()
    assert len(rest.expired) == 2
    assert not rest.full
    assert kit.stored_ticket_type(acme.id, our_type).held == 0
    assert kit.stored_ticket_type(globex.id, their_type).held == 0
    assert len(expired_messages(kit, acme)) == len(expired_messages(kit, globex)) == 3


async def test_the_sweep_gives_back_promo_code_uses_and_the_events_capacity(
    kit: EventsKit, owner: Actor, acme: Organization
) -> None:
    event, ticket_type_id = await on_sale(kit, owner, quantity=50)
    await kit.update_event(UpdateEventCommand(event.id, capacity=4), owner)
    spec = PromoCodeSpec(code="ONCE", discount=PercentOff(10), max_uses=1)
    await kit.create_promo_code(CreatePromoCodeCommand(event.id, spec), owner)
    buy = checkout(kit)
    await buy(command(acme, event.id, ticket_type_id, 4, promo_code="once"))
    with pytest.raises(EventSoldOut):
        await buy(command(acme, event.id, ticket_type_id, 1))

    kit.clock.advance(minutes=15)
    report = await sweep(kit)()

    assert len(report.expired) == 1
    [code] = kit.uow.database.state.promo_codes[acme.id].values()
    assert code.uses == 0
    assert kit.stored_ticket_type(acme.id, ticket_type_id).held == 0
    placed = await buy(command(acme, event.id, ticket_type_id, 4, promo_code="once"))
    assert placed.order.status is OrderStatus.PENDING


async def test_a_checkout_counts_lapsed_holds_as_free_when_the_worker_is_stopped(
    kit: EventsKit, owner: Actor, acme: Organization
) -> None:
    event, ticket_type_id = await on_sale(kit, owner, quantity=5)
    buy = checkout(kit)
    old = [await buy(command(acme, event.id, ticket_type_id, 1)) for _ in range(5)]
    with pytest.raises(SoldOut):
        await buy(command(acme, event.id, ticket_type_id, 1))

    kit.clock.advance(minutes=15)  # no sweep runs
    placed = await buy(command(acme, event.id, ticket_type_id, 1))

    assert placed.order.status is OrderStatus.PENDING
    assert {stored(kit, acme, p.order.id).status for p in old} == {OrderStatus.EXPIRED}
    assert kit.stored_ticket_type(acme.id, ticket_type_id).held == 1
    assert sorted(expired_messages(kit, acme)) == sorted(str(p.order.id) for p in old)
    topics = [m.topic for m in kit.outbox(acme.id) if m.topic.startswith("order.")]
    assert topics.count("order.created") == 6


async def test_a_checkout_frees_only_holds_that_give_back_what_it_lacks(
    kit: EventsKit, owner: Actor, acme: Organization
) -> None:
    event, scarce = await on_sale(kit, owner, quantity=1)
    plenty = (await kit.ticket_type(owner, event.id, "Plenty", quantity=100)).ticket_type.id
    buy = checkout(kit)
    other = await buy(command(acme, event.id, TicketTypeId(plenty), 1))
    mine = await buy(command(acme, event.id, scarce, 1))
    kit.clock.advance(minutes=15)

    # Stock is there: the fast path expires nothing, however lapsed the other holds are.
    await buy(command(acme, event.id, TicketTypeId(plenty), 1))
    assert stored(kit, acme, other.order.id).status is OrderStatus.PENDING
    assert stored(kit, acme, mine.order.id).status is OrderStatus.PENDING

    # Short of the scarce type: only the hold of that type goes.
    await buy(command(acme, event.id, scarce, 1))
    assert stored(kit, acme, mine.order.id).status is OrderStatus.EXPIRED
    assert stored(kit, acme, other.order.id).status is OrderStatus.PENDING


async def test_a_used_up_promo_code_comes_back_from_a_lapsed_hold(
    kit: EventsKit, owner: Actor, acme: Organization
) -> None:
    event, ticket_type_id = await on_sale(kit, owner)
    spec = PromoCodeSpec(code="ONCE", discount=PercentOff(10), max_uses=1)
    await kit.create_promo_code(CreatePromoCodeCommand(event.id, spec), owner)
    buy = checkout(kit)
    first = await buy(command(acme, event.id, ticket_type_id, 1, promo_code="once"))
    with pytest.raises(PromoCodeUsedUp):
        await buy(command(acme, event.id, ticket_type_id, 1, promo_code="once"))
    kit.clock.advance(minutes=15)
    second = await buy(command(acme, event.id, ticket_type_id, 1, promo_code="once"))
    assert second.order.promo_code_id == first.order.promo_code_id
    assert stored(kit, acme, first.order.id).status is OrderStatus.EXPIRED
    [code] = kit.uow.database.state.promo_codes[acme.id].values()
    assert code.uses == 1


async def test_a_checkout_still_refused_after_freeing_holds_commits_nothing(
    kit: EventsKit, owner: Actor, acme: Organization
) -> None:
    event, ticket_type_id = await on_sale(kit, owner, quantity=3)
    buy = checkout(kit)
    lapsing = await buy(command(acme, event.id, ticket_type_id, 1))
    kit.clock.advance(minutes=10)
    await buy(command(acme, event.id, ticket_type_id, 2))
    kit.clock.advance(minutes=5)
    with pytest.raises(SoldOut):
        await buy(command(acme, event.id, ticket_type_id, 2))  # 1 freed, 2 still held
    # The freeing went with the refused transaction: the sweep finds the hold still lapsed.
    assert stored(kit, acme, lapsing.order.id).status is OrderStatus.PENDING
    assert expired_messages(kit, acme) == []
    assert kit.stored_ticket_type(acme.id, ticket_type_id).held == 3


def test_a_batch_is_1_to_500() -> None:
    for wrong in (0, 501):
        with pytest.raises(ValueError, match="batch"):
            ExpiryPolicy(batch_size=wrong)
