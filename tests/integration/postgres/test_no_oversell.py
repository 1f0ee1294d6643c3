"""Nothing is ever oversold: many buyers at once on a real PostgreSQL, each in its own
``uow.for_tenant`` transaction through the real unit of work and a pool smaller than the crowd
(so transactions queue for connections and for row locks, as under load).

Every buyer starts at once (``asyncio.gather``; no barrier, no sleep). Each outcome must be a hold
or the domain's refusal — a deadlock or any other error fails the test — and the counts read back
as the owner must equal the holds that succeeded, within every limit."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import asyncpg
import pytest
from sqlalchemy.engine import URL
from tests.integration.postgres.test_event_repositories import (
    _organization,
    a_promo_code,
    a_ticket_type,
    an_event,
)
from tests.integration.postgres.test_order_repositories import an_order

from ticketbase.adapters.postgres.engine import app_role_url, create_engine
from ticketbase.adapters.postgres.unit_of_work import PostgresUnitOfWork
from ticketbase.application.ports.orders import HoldLine
from ticketbase.domain.events.errors import PromoCodeUsedUp
from ticketbase.domain.events.event import Event
from ticketbase.domain.events.promo_code import PromoCode
from ticketbase.domain.events.ticket_type import TicketType
from ticketbase.domain.orders.errors import EventSoldOut, SoldOut
from ticketbase.domain.shared.errors import DomainError
from ticketbase.domain.shared.ids import OrganizationId, PromoCodeId

pytestmark = pytest.mark.anyio
BUYERS = 200
POOL = 20


@dataclass
class Shop:
    uow: PostgresUnitOfWork
    tenant: OrganizationId

    async def given(self, *rows: Event | TicketType | PromoCode) -> None:
        async with self.uow.for_tenant(self.tenant) as tx:
            for row in rows:
                if isinstance(row, Event):
                    await tx.events.add(row)
                elif isinstance(row, TicketType):
                    await tx.ticket_types.add(row)
                else:
                    await tx.promo_codes.add(row)
            await tx.commit()

    async def hold(
        self, event: Event, lines: Sequence[HoldLine], promo: PromoCodeId | None = None
    ) -> str:
        """One buyer: ``held`` or the refusal's code; any other error propagates."""
        try:
            async with self.uow.for_tenant(self.tenant) as tx:
                await tx.inventory.hold(event.id, lines, promo)
                await tx.commit()
        except (SoldOut, EventSoldOut, PromoCodeUsedUp) as refused:
            return type(refused).__name__
        return "held"


@pytest.fixture
async def shop(database_url: URL) -> AsyncIterator[Shop]:
    engine = create_engine(app_role_url(database_url), pool_size=POOL, max_overflow=0)
    try:
        uow = PostgresUnitOfWork(engine)
        yield Shop(uow, await _organization(uow, "Crowded"))
    finally:
        await engine.dispose()


async def crowd(*buyers: object) -> list[str]:
    """Run every buyer at once; each one's outcome, in order."""
    started = time.perf_counter()
    outcomes = await asyncio.gather(*buyers, return_exceptions=True)  # type: ignore[call-overload]
    elapsed = time.perf_counter() - started
    unexpected = [o for o in outcomes if isinstance(o, BaseException)]
    assert unexpected == [], unexpected[:3]
    print(f"\n{BUYERS} buyers, pool {POOL}: {elapsed * 1000:.0f} ms")
    return outcomes  # type: ignore[no-any-return]


async def held(owner: asyncpg.Connection, *types: TicketType) -> list[int]:
    rows = await owner.fetch(
        "SELECT id, sold, held FROM ticket_types WHERE id = ANY($1::uuid[])", [t.id for t in types]
    )
    by_id = {r["id"]: r["held"] for r in rows}
    return [by_id[t.id] for t in types]


async def event_held(owner: asyncpg.Connection, event: Event) -> int:
    value = await owner.fetchval("SELECT held FROM events WHERE id = $1", event.id)
    return int(value)


async def test_200_buyers_of_one_ticket_type_of_50_hold_exactly_50(
    shop: Shop, owner_connection: asyncpg.Connection
) -> None:
    event = an_event(shop.tenant)
    standard = a_ticket_type(event, quantity=50)
    await shop.given(event, standard)
    outcomes = Counter(await crowd(*(shop.hold(event, [(standard.id, 1)]) for _ in range(BUYERS))))
    assert outcomes == Counter({"held": 50, "SoldOut": BUYERS - 50})
    assert await held(owner_connection, standard) == [50]
    assert await event_held(owner_connection, event) == 50


async def test_the_event_capacity_binds_when_the_ticket_types_would_allow_more(
    shop: Shop, owner_connection: asyncpg.Connection
) -> None:
    event = an_event(shop.tenant)
    event.capacity = 60
    a, b = a_ticket_type(event, "A", quantity=100), a_ticket_type(event, "B", quantity=100)
    await shop.given(event, a, b)
    outcomes = Counter(
        await crowd(*(shop.hold(event, [((a, b)[i % 2].id, 1)]) for i in range(BUYERS)))
    )
    assert outcomes == Counter({"held": 60, "EventSoldOut": BUYERS - 60})
    assert sum(await held(owner_connection, a, b)) == 60
    assert await event_held(owner_connection, event) == 60


async def test_a_promo_code_with_30_uses_is_used_exactly_30_times(
    shop: Shop, owner_connection: asyncpg.Connection
) -> None:
    event = an_event(shop.tenant)
    standard = a_ticket_type(event, quantity=BUYERS)
    code = a_promo_code(event, max_uses=30)
    await shop.given(event, standard, code)
    outcomes = Counter(
        await crowd(*(shop.hold(event, [(standard.id, 1)], code.id) for _ in range(BUYERS)))
    )
    assert outcomes == Counter({"held": 30, "PromoCodeUsedUp": BUYERS - 30})
    assert (
        await owner_connection.fetchval("SELECT uses FROM promo_codes WHERE id = $1", code.id) == 30
    )
    # A refused buyer's ticket hold went with its rolled-back transaction.
    assert await held(owner_connection, standard) == [30]


async def test_buyers_of_several_types_in_random_orders_never_deadlock_or_oversell(
    shop: Shop, owner_connection: asyncpg.Connection
) -> None:
    event = an_event(shop.tenant)
    event.capacity = 250
    types = [a_ticket_type(event, f"T{i}", quantity=80) for i in range(4)]
    await shop.given(event, *types)
    chance = random.Random(8)
    requests = [
        [(t.id, chance.randint(1, 2)) for t in chance.sample(types, chance.randint(2, 4))]
        for _ in range(BUYERS)
    ]
    results = await crowd(*(shop.hold(event, lines) for lines in requests))
    outcomes = Counter(results)
    assert set(outcomes) <= {"held", "SoldOut", "EventSoldOut"}
    assert outcomes["held"] > 0
    assert outcomes["SoldOut"] + outcomes["EventSoldOut"] > 0, "the limits were never reached"
    # The counts are exactly what the successful holds asked for, within every limit.
    expected: Counter[object] = Counter()
    for lines, result in zip(requests, results, strict=True):
        if result == "held":
            expected.update(dict(lines))
    counted = await held(owner_connection, *types)
    assert counted == [expected[t.id] for t in types]
    assert all(n <= 80 for n in counted)
    assert sum(counted) == await event_held(owner_connection, event) <= 250


async def test_200_checkouts_of_50_tickets_make_50_orders_numbered_1_to_50(
    shop: Shop, owner_connection: asyncpg.Connection
) -> None:
    """Hold, number, insert: the counter row and the foreign keys add their locks to the
    inventory's, and still nothing waits in a cycle."""
    event = an_event(shop.tenant)
    standard = a_ticket_type(event, quantity=50)
    await shop.given(event, standard)

    async def checkout() -> str:
        try:
            async with shop.uow.for_tenant(shop.tenant) as tx:
                await tx.inventory.hold(event.id, [(standard.id, 1)])
                number = await tx.orders.next_number()
                await tx.orders.add(an_order(shop.tenant, event, standard, sequence=number), b"h")
                await tx.commit()
        except DomainError as refused:
            return refused.code
        return "placed"

    outcomes = Counter(await crowd(*(checkout() for _ in range(BUYERS))))
    assert outcomes == Counter({"placed": 50, "sold_out": BUYERS - 50})
    numbers = await owner_connection.fetch(
        "SELECT number FROM orders WHERE organization_id = $1", shop.tenant
    )
    assert sorted(int(r["number"][:-1]) for r in numbers) == list(range(1, 51))
    assert await held(owner_connection, standard) == [50]
