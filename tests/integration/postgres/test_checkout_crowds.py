"""Crowds through the whole checkout on a real PostgreSQL: 200 buyers at once through the real
use case and unit of work, a pool of 20, where the binding limit is the event's capacity, a
promo code's uses, or a ticket type whose stock is all in lapsed holds (the refused buyers'
second attempt frees them, locking rows out of the usual order would deadlock). Every outcome
is an order or the domain's refusal: a deadlock or any other error fails the test."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.engine import URL
from tests.integration.postgres.test_event_repositories import a_promo_code
from tests.integration.postgres.test_hold_expiry import Shop, _shop

from ticketbase.application.orders.checkout import PlacedOrder
from ticketbase.domain.events.errors import PromoCodeUsedUp
from ticketbase.domain.orders.errors import EventSoldOut, SoldOut
from ticketbase.domain.orders.order import OrderStatus

pytestmark = pytest.mark.anyio
BUYERS = 200
POOL = 20


@pytest.fixture
async def shop(database_url: URL) -> AsyncIterator[Shop]:
    async with _shop("postgres", database_url, pool=POOL) as made:
        yield made


async def crowd(*buyers: object) -> list[PlacedOrder | str]:
    """Run every buyer at once: each one's order, or the name of its refusal."""

    async def one(buyer: object) -> PlacedOrder | str:
        try:
            return await buyer  # type: ignore[misc, no-any-return]
        except (SoldOut, EventSoldOut, PromoCodeUsedUp) as refused:
            return type(refused).__name__

    outcomes = await asyncio.gather(*(one(b) for b in buyers), return_exceptions=True)
    unexpected = [o for o in outcomes if isinstance(o, BaseException)]
    assert unexpected == [], unexpected[:3]
    return outcomes  # type: ignore[return-value]


def tally(outcomes: list[PlacedOrder | str]) -> Counter[str]:
    return Counter("placed" if isinstance(o, PlacedOrder) else o for o in outcomes)


async def test_200_checkouts_where_the_event_capacity_binds_place_exactly_50(shop: Shop) -> None:
    event, types = await shop.on_sale(100, 100, 100, capacity=50)
    checkout = shop.checkout()
    outcomes = await crowd(
        *(shop.buy(event, types[i % 3], checkout=checkout) for i in range(BUYERS))
    )
    assert tally(outcomes) == Counter({"placed": 50, "EventSoldOut": BUYERS - 50})
    held = [await shop.counts(t) for t in types]
    assert sum(h for _, h in held) == 50
    assert await shop.event_held(event) == 50
    placed = [o for o in outcomes if isinstance(o, PlacedOrder)]
    # Unique, within the 200 numbers the crowd took (refused buyers skip theirs: numbers.py).
    sequences = {int(p.order.number.value[:-1]) for p in placed}
    assert len(sequences) == 50
    assert max(sequences) <= 200


async def test_200_checkouts_with_a_code_of_30_uses_place_exactly_30_with_it(shop: Shop) -> None:
    event, [standard] = await shop.on_sale(BUYERS)
    code = a_promo_code(event, "FIRST30", max_uses=30)
    await shop.given(code)
    checkout = shop.checkout()
    outcomes = await crowd(
        *(shop.buy(event, standard, promo_code="first30", checkout=checkout) for _ in range(BUYERS))
    )
    assert tally(outcomes) == Counter({"placed": 30, "PromoCodeUsedUp": BUYERS - 30})
    placed = [o for o in outcomes if isinstance(o, PlacedOrder)]
    assert {p.order.promo_code_id for p in placed} == {code.id}
    async with shop.uow.for_tenant(shop.tenant) as tx:
        stored = await tx.promo_codes.get(code.id)
    assert stored is not None
    assert stored.uses == 30
    assert await shop.counts(standard) == (0, 30)  # the refused buyers' holds rolled back


async def test_200_checkouts_of_stock_all_in_lapsed_holds_free_it_exactly_once(
    shop: Shop,
) -> None:
    """50 tickets in two types, all in lapsed holds of one or both types; no worker runs. The
    refused buyers free them in their second attempt while others free and hold concurrently:
    each lapsed order is expired once, 50 tickets are held again, nothing deadlocks."""
    event, [a, b] = await shop.on_sale(25, 25)
    lapsed = [await shop.buy(event, (a, b)[i % 2], 5) for i in range(10)]
    assert [await shop.counts(t) for t in (a, b)] == [(0, 25), (0, 25)]
    shop.clock.advance(minutes=15)
    checkout = shop.checkout()
    outcomes = await crowd(
        *(shop.buy(event, (a, b)[i % 2], checkout=checkout) for i in range(BUYERS))
    )
    assert tally(outcomes) == Counter({"placed": 50, "SoldOut": BUYERS - 50})
    assert [await shop.counts(t) for t in (a, b)] == [(0, 25), (0, 25)]
    assert await shop.event_held(event) == 50
    for order in lapsed:
        assert await shop.status(order.order.id) is OrderStatus.EXPIRED
    assert await shop.expired_messages() == Counter(str(o.order.id) for o in lapsed)
