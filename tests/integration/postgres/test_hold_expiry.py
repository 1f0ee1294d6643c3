"""Hold expiry on a real PostgreSQL: the cross-tenant look of migration 0009 (one contract, run on
the memory twin too), the worker's sweep through the real unit of work as the app role, several
sweepers at once, a payment racing the sweep, and a checkout that frees lapsed holds itself.

Each test works at its own instant far in the past, earlier than the test before, so that the
orders other tests leave in the shared database are never due for it; assertions look at the
test's own tenants only."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from sqlalchemy.engine import URL
from tests.integration.postgres.test_event_repositories import (
    _organization,
    a_promo_code,
    a_ticket_type,
    an_event,
)
from tests.integration.support import raw_dsn

from ticketbase.adapters.memory.system import FixedClock
from ticketbase.adapters.memory.unit_of_work import MemoryDatabase, MemoryUnitOfWork
from ticketbase.adapters.postgres.engine import app_role_url, create_engine
from ticketbase.adapters.postgres.unit_of_work import PostgresUnitOfWork
from ticketbase.adapters.security.buyer_tokens import HmacBuyerTokens
from ticketbase.adapters.system import Uuid7Generator
from ticketbase.application.orders.checkout import Checkout, CheckoutCommand, PlacedOrder
from ticketbase.application.orders.expire_holds import ExpireHolds, ExpiryPolicy, ExpiryReport
from ticketbase.application.ports.unit_of_work import (
    SystemLookups,
    SystemQueries,
    TenantTransaction,
    UnitOfWork,
)
from ticketbase.domain.events.event import Event, EventStatus
from ticketbase.domain.events.promo_code import PromoCode
from ticketbase.domain.events.ticket_type import TicketType
from ticketbase.domain.orders.errors import SoldOut
from ticketbase.domain.orders.order import OrderStatus
from ticketbase.domain.orders.quote import RequestedItem
from ticketbase.domain.shared.ids import OrderId, OrganizationId

pytestmark = pytest.mark.anyio
IDS = Uuid7Generator()
TOKENS = HmacBuyerTokens("integration-test-buyer-token-secret-0123456789")
HOLD = timedelta(minutes=15)
_epochs = itertools.count()


@dataclass
class Shop:
    """One tenant's storefront at a fixed instant, on PostgreSQL or in memory."""

    uow: UnitOfWork
    memory: MemoryDatabase | None  # None: PostgreSQL
    database_url: URL
    tenant: OrganizationId
    rival: OrganizationId
    clock: FixedClock
    start: datetime  # where the clock started: the sweeps' instants count from here

    def checkout(self) -> Checkout:
        return Checkout(self.uow, self.clock, IDS, TOKENS)

    def sweep(self, batch_size: int = 100, at: timedelta = HOLD) -> ExpireHolds:
        return ExpireHolds(
            self.uow, FixedClock(self.start + at), IDS, ExpiryPolicy(batch_size=batch_size)
        )

    async def given(
        self, *rows: Event | TicketType | PromoCode, tenant: OrganizationId | None = None
    ) -> None:
        async with self.uow.for_tenant(tenant or self.tenant) as tx:
            for row in rows:
                if isinstance(row, Event):
                    await tx.events.add(row)
                elif isinstance(row, TicketType):
                    await tx.ticket_types.add(row)
                else:
                    await tx.promo_codes.add(row)
            await tx.commit()

    async def on_sale(
        self, *quantities: int, capacity: int | None = None, tenant: OrganizationId | None = None
    ) -> tuple[Event, list[TicketType]]:
        event = an_event(tenant or self.tenant, status=EventStatus.PUBLISHED)
        event.capacity = capacity
        types = [a_ticket_type(event, f"T{i}", quantity=q) for i, q in enumerate(quantities)]
        await self.given(event, *types, tenant=tenant)
        return event, types

    async def buy(
        self,
        event: Event,
        ticket_type: TicketType,
        quantity: int = 1,
        *,
        promo_code: str | None = None,
        tenant: OrganizationId | None = None,
        checkout: Checkout | None = None,
    ) -> PlacedOrder:
        command = CheckoutCommand(
            organization_id=tenant or self.tenant,
            event_id=event.id,
            items=(RequestedItem(ticket_type.id, quantity),),
            buyer_full_name="Ada Lovelace",
            buyer_email="ada@example.com",
            promo_code=promo_code,
        )
        return await (checkout or self.checkout())(command)

    async def status(self, order_id: OrderId, tenant: OrganizationId | None = None) -> OrderStatus:
        async with self.uow.for_tenant(tenant or self.tenant) as tx:
            order = await tx.orders.get(order_id)
        assert order is not None
        return order.status

    async def counts(self, ticket_type: TicketType) -> tuple[int, int]:
        """(sold, held) of the ticket type."""
        async with self.uow.for_tenant(self.tenant) as tx:
            found = await tx.ticket_types.get(ticket_type.id)
        assert found is not None
        return found.sold, found.held

    async def owner_fetch(self, query: str, *args: object) -> list[asyncpg.Record]:
        connection = await asyncpg.connect(raw_dsn(self.database_url))
        try:
            return list(await connection.fetch(query, *args))
        finally:
            await connection.close()

    async def expired_messages(self) -> Counter[str]:
        """order.expired messages per order id, of this shop's tenant."""
        if self.memory is not None:
            return Counter(
                str(m.payload["orderId"])
                for o, m in self.memory.state.outbox
                if o == self.tenant and m.topic == "order.expired"
            )
        rows = await self.owner_fetch(
            "SELECT payload->>'orderId' AS id FROM outbox "
            "WHERE organization_id = $1 AND topic = 'order.expired'",
            self.tenant,
        )
        return Counter(r["id"] for r in rows)

    async def event_held(self, event: Event) -> int:
        """The event's own count (PostgreSQL's column; in memory, the sum over its types)."""
        if self.memory is not None:
            types = self.memory.state.ticket_types[self.tenant].values()
            return sum(t.held for t in types if t.event_id == event.id)
        [row] = await self.owner_fetch("SELECT held FROM events WHERE id = $1", event.id)
        return int(row["held"])


@asynccontextmanager
async def _shop(kind: str, database_url: URL, pool: int = 4) -> AsyncIterator[Shop]:
    async with AsyncExitStack() as stack:
        memory: MemoryDatabase | None = None
        uow: UnitOfWork
        if kind == "memory":
            memory = MemoryDatabase()
            uow = MemoryUnitOfWork(memory)
        else:
            engine = create_engine(app_role_url(database_url), pool_size=pool, max_overflow=0)
            stack.push_async_callback(engine.dispose)
            uow = PostgresUnitOfWork(engine)
        tenant, rival = await _organization(uow, "Acme"), await _organization(uow, "Rival")
        start = datetime(2000, 1, 1, tzinfo=UTC) - timedelta(days=10 * next(_epochs))
        yield Shop(uow, memory, database_url, tenant, rival, FixedClock(start), start)


@pytest.fixture(params=["memory", "postgres"])
async def shop(request: pytest.FixtureRequest, database_url: URL) -> AsyncIterator[Shop]:
    async with _shop(request.param, database_url) as made:
        yield made


@pytest.fixture
async def on_postgres(database_url: URL) -> AsyncIterator[Shop]:
    async with _shop("postgres", database_url, pool=12) as made:
        yield made


async def pay(shop: Shop, order_id: OrderId, at: datetime) -> None:
    async with shop.uow.for_tenant(shop.tenant) as tx:
        order = await tx.orders.lock(order_id)
        assert order is not None
        order.pay(at=at, amount=order.total, reference=f"pi_{order_id.hex[-8:]}")
        lines = [(line.ticket_type_id, line.quantity) for line in order.lines]
        await tx.inventory.confirm(order.event_id, lines)
        await tx.orders.save(order)
        await tx.commit()


async def cancel(shop: Shop, order_id: OrderId) -> None:
    async with shop.uow.for_tenant(shop.tenant) as tx:
        order = await tx.orders.lock(order_id)
        assert order is not None
        order.cancel(at=shop.clock.now())
        lines = [(line.ticket_type_id, line.quantity) for line in order.lines]
        await tx.inventory.release(order.event_id, lines, order.promo_code_id)
        await tx.orders.save(order)
        await tx.commit()


def mine(shop: Shop, report: ExpiryReport) -> list[OrderId]:
    return [h.order_id for h in report.expired if h.organization_id in (shop.tenant, shop.rival)]


# --- the cross-tenant look ------------------------------------------------------------------------


async def test_the_look_finds_due_pending_orders_of_every_tenant_oldest_first(shop: Shop) -> None:
    ours, [our_type] = await shop.on_sale(50)
    theirs, [their_type] = await shop.on_sale(50, tenant=shop.rival)
    first = await shop.buy(ours, our_type)
    shop.clock.advance(minutes=1)
    second = await shop.buy(theirs, their_type, tenant=shop.rival)
    paid = await shop.buy(ours, our_type)
    await pay(shop, paid.order.id, shop.clock.now())
    shop.clock.advance(minutes=1)
    later = await shop.buy(ours, our_type)  # due a minute after the others
    at = later.order.expires_at - timedelta(microseconds=1)

    async with shop.uow.system() as system:
        due = await system.expiring_holds.due(at, 500)
        await system.commit()
    found = [
        (d.organization_id, d.order_id)
        for d in due
        if d.organization_id in (shop.tenant, shop.rival)
    ]
    assert found == [(shop.tenant, first.order.id), (shop.rival, second.order.id)]

    async with shop.uow.system() as system:
        [oldest] = await system.expiring_holds.due(at, 1)
    assert oldest.order_id == first.order.id


async def test_the_look_skips_an_order_another_transaction_holds(on_postgres: Shop) -> None:
    shop = on_postgres
    event, [ticket_type] = await shop.on_sale(50)
    busy = await shop.buy(event, ticket_type)
    free = await shop.buy(event, ticket_type)
    async with shop.uow.for_tenant(shop.tenant) as payment:
        assert await payment.orders.lock(busy.order.id) is not None
        async with shop.uow.system() as system:
            due = await system.expiring_holds.due(shop.start + HOLD, 500)
    assert {d.order_id for d in due} & {busy.order.id, free.order.id} == {free.order.id}


async def test_the_app_role_reads_no_order_without_a_tenant_but_through_the_function(
    on_postgres: Shop,
) -> None:
    shop = on_postgres
    event, [ticket_type] = await shop.on_sale(5)
    await shop.buy(event, ticket_type)
    app = await asyncpg.connect(raw_dsn(app_role_url(shop.database_url)))
    try:
        assert await app.fetchval("SELECT count(*) FROM orders") == 0
        rows = await app.fetch("SELECT * FROM tb_orders_due_for_expiry($1, 500)", shop.start + HOLD)
        assert {tuple(r.keys()) for r in rows} == {("organization_id", "id")}
        assert shop.tenant in {r["organization_id"] for r in rows}
    finally:
        await app.close()


# --- the sweep ------------------------------------------------------------------------------------


async def test_the_sweep_expires_exactly_the_due_holds_and_gives_everything_back(
    shop: Shop,
) -> None:
    event, [standard, vip] = await shop.on_sale(20, 10, capacity=25)
    code = a_promo_code(event, "HALF", max_uses=5)
    await shop.given(code)
    lapsing = [
        await shop.buy(event, standard, 2, promo_code="half"),
        await shop.buy(event, vip, 3),
        await shop.buy(event, standard, 1, promo_code="half"),
    ]
    paid = await shop.buy(event, vip, 1, promo_code="half")
    await pay(shop, paid.order.id, shop.start + timedelta(minutes=5))
    cancelled = await shop.buy(event, standard, 1)
    await cancel(shop, cancelled.order.id)
    shop.clock.advance(minutes=1)
    not_yet = await shop.buy(event, standard, 4)
    shop.clock.advance(minutes=-1)
    assert await shop.counts(standard) == (0, 2 + 1 + 4)
    assert await shop.event_held(event) == 2 + 3 + 1 + 4

    report = await shop.sweep()()

    assert sorted(mine(shop, report)) == sorted(p.order.id for p in lapsing)
    for placed in lapsing:
        assert await shop.status(placed.order.id) is OrderStatus.EXPIRED
    assert await shop.status(paid.order.id) is OrderStatus.PAID
    assert await shop.status(cancelled.order.id) is OrderStatus.CANCELLED
    assert await shop.status(not_yet.order.id) is OrderStatus.PENDING
    assert await shop.counts(standard) == (0, 4)
    assert await shop.counts(vip) == (1, 0)
    assert await shop.event_held(event) == 4
    async with shop.uow.for_tenant(shop.tenant) as tx:
        stored_code = await tx.promo_codes.get(code.id)
    assert stored_code is not None
    assert stored_code.uses == 1  # the paid order's
    assert await shop.expired_messages() == Counter(str(p.order.id) for p in lapsing)

    again = await shop.sweep()()
    assert mine(shop, again) == []
    assert await shop.counts(standard) == (0, 4)


async def test_concurrent_sweepers_never_expire_an_order_twice(on_postgres: Shop) -> None:
    shop = on_postgres
    event, [ticket_type] = await shop.on_sale(100)
    lapsing = [await shop.buy(event, ticket_type, 2) for _ in range(30)]
    shop.clock.advance(minutes=5)
    live = await shop.buy(event, ticket_type, 3)
    assert await shop.counts(ticket_type) == (0, 63)

    sweepers = [shop.sweep(batch_size=10) for _ in range(6)]
    reports = await asyncio.gather(*(s() for s in sweepers))
    every = [order_id for report in reports for order_id in mine(shop, report)]
    assert len(every) == len(set(every)), "an order was expired twice"
    assert all(report.failed == () for report in reports)
    while more := mine(shop, await shop.sweep(batch_size=10)()):  # the skipped rest
        every += more
    assert sorted(every) == sorted(p.order.id for p in lapsing)
    assert await shop.counts(ticket_type) == (0, 3)
    assert await shop.event_held(event) == 3
    assert await shop.expired_messages() == Counter(str(p.order.id) for p in lapsing)
    assert await shop.status(live.order.id) is OrderStatus.PENDING


class GatedUnitOfWork:
    """The real unit of work, whose tenant transactions wait at the door until ``gate`` opens:
    the test can step in between the sweep's look and its expiry of an order."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self.reached, self.gate = asyncio.Event(), asyncio.Event()

    def system(self) -> AbstractAsyncContextManager[SystemQueries]:
        return self._uow.system()

    def lookups(self) -> AbstractAsyncContextManager[SystemLookups]:
        return self._uow.lookups()

    @asynccontextmanager
    async def for_tenant(self, organization_id: OrganizationId) -> AsyncIterator[TenantTransaction]:
        self.reached.set()
        await self.gate.wait()
        async with self._uow.for_tenant(organization_id) as tx:
            yield tx


async def test_a_payment_racing_the_sweep_wins_cleanly(on_postgres: Shop) -> None:
    """The sweep found the order due; before it expires it, a payment locks the order. The
    sweep waits for the payment, then finds the order paid and leaves it (and its stock)."""
    shop = on_postgres
    event, [ticket_type] = await shop.on_sale(10)
    placed = await shop.buy(event, ticket_type, 2)
    gated = GatedUnitOfWork(shop.uow)
    sweep = ExpireHolds(gated, FixedClock(shop.start + HOLD), IDS, ExpiryPolicy(batch_size=500))
    running = asyncio.create_task(sweep())
    await gated.reached.wait()  # the look is done and committed: the order is on its list
    async with shop.uow.for_tenant(shop.tenant) as payment:
        order = await payment.orders.lock(placed.order.id)
        assert order is not None
        gated.gate.set()
        await _until_waiting_for_a_lock(shop)
        order.pay(at=shop.start + timedelta(minutes=14), amount=order.total, reference="pi_race")
        await payment.inventory.confirm(event.id, [(ticket_type.id, 2)])
        await payment.orders.save(order)
        await payment.commit()
    report = await running
    assert placed.order.id not in mine(shop, report)
    assert report.failed == ()
    assert await shop.status(placed.order.id) is OrderStatus.PAID
    assert await shop.counts(ticket_type) == (2, 0)
    assert await shop.expired_messages() == Counter()


async def _until_waiting_for_a_lock(shop: Shop) -> None:
    """Until a session of the test database waits for a row lock (the sweep, behind us)."""
    for _ in range(500):
        rows = await shop.owner_fetch(
            "SELECT 1 FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        if rows:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the sweep never waited for the payment's lock")


# --- a checkout with the worker stopped -----------------------------------------------------------


async def test_a_checkout_frees_lapsed_holds_when_no_worker_ran(shop: Shop) -> None:
    event, [ticket_type] = await shop.on_sale(5)
    old = [await shop.buy(event, ticket_type) for _ in range(5)]
    with pytest.raises(SoldOut):
        await shop.buy(event, ticket_type)
    shop.clock.advance(minutes=15)

    placed = await shop.buy(event, ticket_type)

    assert placed.order.status is OrderStatus.PENDING
    for order in old:
        assert await shop.status(order.order.id) is OrderStatus.EXPIRED
    assert await shop.counts(ticket_type) == (0, 1)
    assert await shop.event_held(event) == 1
    assert await shop.expired_messages() == Counter(str(o.order.id) for o in old)


async def test_a_checkout_skips_a_lapsed_hold_that_a_payment_holds(on_postgres: Shop) -> None:
    shop = on_postgres
    event, [ticket_type] = await shop.on_sale(1)
    held = await shop.buy(event, ticket_type)
    shop.clock.advance(minutes=15)
    async with shop.uow.for_tenant(shop.tenant) as payment:
        assert await payment.orders.lock(held.order.id) is not None
        with pytest.raises(SoldOut):  # never waits for the payment: skips its order
            await shop.buy(event, ticket_type)
    assert await shop.status(held.order.id) is OrderStatus.PENDING
    assert await shop.counts(ticket_type) == (0, 1)


async def test_the_freed_ticket_types_and_the_held_one_may_differ(on_postgres: Shop) -> None:
    """Capacity binds: lapsed holds of other types are given back, in lock order, then held."""
    shop = on_postgres
    event, [a, b, c] = await shop.on_sale(10, 10, 10, capacity=4)
    for ticket_type in (c, a):
        await shop.buy(event, ticket_type, 2)
    shop.clock.advance(minutes=15)
    placed = await shop.buy(event, b, 4)
    assert placed.order.ticket_count == 4
    assert [await shop.counts(t) for t in (a, b, c)] == [(0, 0), (0, 4), (0, 0)]
    assert await shop.event_held(event) == 4


async def test_late_payments_racing_the_sweep_never_deadlock_nor_miscount(
    on_postgres: Shop,
) -> None:
    """Card payments (the real RecordPayment) of orders past their hold arrive while two
    sweepers expire those very orders: every order ends paid (its stock taken again if the
    sweep released it first), nothing deadlocks, and the counts match the orders."""
    from tests.unit.application.orders.test_pay_order import SIGNER

    from ticketbase.application.orders.record_payment import ReceivedPayment, RecordPayment
    from ticketbase.application.ports.payments import PaymentProvider

    shop = on_postgres
    event, [ticket_type] = await shop.on_sale(100)
    placed = [await shop.buy(event, ticket_type, 1) for _ in range(12)]
    late = FixedClock(shop.start + HOLD + timedelta(minutes=1))
    record = RecordPayment(shop.uow, late, IDS, SIGNER)

    async def pay_late(order: PlacedOrder) -> None:
        await record(
            ReceivedPayment(
                shop.tenant,
                order.order.id,
                PaymentProvider.MANUAL,
                f"pi_{order.order.id.hex[-12:]}",
                order.order.total,
            )
        )

    await asyncio.gather(
        shop.sweep(at=HOLD + timedelta(minutes=1))(),
        *(pay_late(p) for p in placed),
        shop.sweep(at=HOLD + timedelta(minutes=1))(),
    )
    statuses = [await shop.status(p.order.id) for p in placed]
    assert statuses == [OrderStatus.PAID] * len(placed)
    assert await shop.counts(ticket_type) == (len(placed), 0)
    assert await shop.event_held(event) == 0
