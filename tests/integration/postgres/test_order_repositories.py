"""One contract for the orders area's storage (orders, the number sequence, the inventory), run
against the memory adapters and against PostgreSQL (real migrations, the app role, row level
security), so the fakes the checkout's tests will rely on cannot drift from the database."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import URL
from tests.integration.postgres.test_event_repositories import (
    NOW,
    Subject,
    _subject,
    a_promo_code,
    a_ticket_type,
    an_event,
    eur,
    given,
)

from ticketbase.adapters.system import Uuid7Generator
from ticketbase.application.pagination import PageRequest
from ticketbase.application.ports.cache import event_tag
from ticketbase.application.ports.orders import OrderFilter, StoredAnswer
from ticketbase.domain.events.errors import PromoCodeUsedUp, TicketTypeHasSales
from ticketbase.domain.events.event import Event
from ticketbase.domain.events.ticket_type import TicketType
from ticketbase.domain.orders.buyer import Buyer, NamedAttendee
from ticketbase.domain.orders.errors import (
    EventSoldOut,
    SoldOut,
    UnknownPromoCode,
    UnknownTicketType,
)
from ticketbase.domain.orders.order import Order, OrderNumber, OrderStatus
from ticketbase.domain.orders.quote import PricedLine, Totals
from ticketbase.domain.shared.errors import StaleVersion
from ticketbase.domain.shared.ids import OrderId, OrganizationId, PromoCodeId
from ticketbase.domain.shared.values import EmailAddress

pytestmark = pytest.mark.anyio
IDS = Uuid7Generator()


@pytest.fixture(params=["memory", "postgres"])
async def subject(request: pytest.FixtureRequest, database_url: URL) -> AsyncIterator[Subject]:
    async with _subject(request.param, database_url) as made:
        yield made


def an_order(
    organization_id: OrganizationId,
    event: Event,
    *types: TicketType,
    sequence: int = 1,
    promo_code_id: PromoCodeId | None = None,
) -> Order:
    lines = tuple(
        PricedLine.price(t, i + 1, unit_price=t.price, discount=eur(100 * i))
        for i, t in enumerate(types)
    )
    buyer = Buyer("Ada Lovelace", EmailAddress.parse("ada@example.com"))
    return Order(
        id=OrderId(IDS.new()),
        organization_id=organization_id,
        event_id=event.id,
        number=OrderNumber.from_sequence(sequence),
        buyer=buyer,
        lines=lines,
        totals=Totals.of(lines),
        created_at=NOW,
        expires_at=NOW + timedelta(minutes=15),
        updated_at=NOW,
        promo_code_id=promo_code_id,
        attendees=(
            NamedAttendee(types[0].id, "Grace Hopper", EmailAddress.parse("g@example.org")),
        ),
    )


async def counts(subject: Subject, *types: TicketType) -> list[tuple[int, int]]:
    async with subject.uow.for_tenant(subject.tenant) as tx:
        found = [await tx.ticket_types.get(t.id) for t in types]
    return [(t.sold, t.held) for t in found if t is not None]


async def uses(subject: Subject, promo_code_id: PromoCodeId) -> int:
    async with subject.uow.for_tenant(subject.tenant) as tx:
        code = await tx.promo_codes.get(promo_code_id)
    assert code is not None
    return code.uses


# --- orders ---------------------------------------------------------------------------------------


async def test_an_order_reads_back_whole_with_its_lines_totals_and_token_hash(
    subject: Subject,
) -> None:
    event = an_event(subject.tenant)
    vip, standard = a_ticket_type(event, "VIP", tax_rate=2000), a_ticket_type(event)
    code = a_promo_code(event)
    await given(subject, event, vip, standard, code)
    order = an_order(subject.tenant, event, vip, standard, promo_code_id=code.id)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        await tx.orders.add(order, b"\x01hash")
        await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.orders.get(order.id) == order
        assert await tx.orders.access_token_hash(order.id) == b"\x01hash"
    assert order.totals.discount == eur(100)
    assert [line.tax_rate for line in order.lines] == [2000, 0]


async def test_an_order_saved_keeps_its_changes_and_refuses_a_stale_version(
    subject: Subject,
) -> None:
    event = an_event(subject.tenant)
    standard = a_ticket_type(event)
    await given(subject, event, standard)
    order = an_order(subject.tenant, event, standard)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        await tx.orders.add(order, b"h")
        await tx.commit()
    stale = dataclasses.replace(order)
    order.pay(at=NOW + timedelta(minutes=1), amount=order.total, reference="pi_1")
    async with subject.uow.for_tenant(subject.tenant) as tx:
        await tx.orders.save(order)
        await tx.commit()
    stale.cancel(at=NOW + timedelta(minutes=2))
    async with subject.uow.for_tenant(subject.tenant) as tx:
        with pytest.raises(StaleVersion):
            await tx.orders.save(stale)
        found = await tx.orders.get(order.id)
    assert found == order
    assert found.status is OrderStatus.PAID
    assert found.payment_reference == "pi_1"


async def test_order_numbers_count_per_organization_and_a_rollback_leaves_no_gap(
    subject: Subject,
) -> None:
    numbers = []
    for commit in (True, False, True, True):
        async with subject.uow.for_tenant(subject.tenant) as tx:
            numbers.append(await tx.orders.next_number())
            if commit:
                await tx.commit()
    async with subject.uow.for_tenant(subject.other) as tx:
        numbers.append(await tx.orders.next_number())
    assert numbers == [1, 2, 2, 3, 1]


async def test_another_tenant_sees_no_order(subject: Subject) -> None:
    event = an_event(subject.tenant)
    standard = a_ticket_type(event)
    await given(subject, event, standard)
    order = an_order(subject.tenant, event, standard)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        await tx.orders.add(order, b"h")
        await tx.commit()
    async with subject.uow.for_tenant(subject.other) as tx:
        assert await tx.orders.get(order.id) is None
        assert await tx.orders.access_token_hash(order.id) is None
        with pytest.raises(StaleVersion):
            await tx.orders.save(dataclasses.replace(order, version=2))


async def test_orders_match_every_filter_newest_first_whole_and_page_by_key(
    subject: Subject,
) -> None:
    event, other_event = an_event(subject.tenant), an_event(subject.tenant)
    standard, vip = a_ticket_type(event), a_ticket_type(event, "VIP")
    elsewhere = a_ticket_type(other_event)
    await given(subject, event, other_event, standard, vip, elsewhere)
    grace = Buyer("Grace Hopper", EmailAddress.parse("Grace@Example.org"))
    made = [
        dataclasses.replace(
            an_order(subject.tenant, other_event if n == 3 else event, *types, sequence=n + 1),
            created_at=NOW + timedelta(hours=n),
            buyer=grace if n in (1, 4) else an_order(subject.tenant, event, standard).buyer,
        )
        for n, types in enumerate(
            [(standard,), (standard, vip), (vip,), (elsewhere,), (standard,), (vip, standard)]
        )
    ]
    made[2].pay(at=NOW + timedelta(minutes=1), amount=made[2].total, reference="pi_2")
    made[4].pay(at=NOW + timedelta(minutes=1), amount=made[4].total, reference="pi_4")
    async with subject.uow.for_tenant(subject.tenant) as tx:
        for order in made:
            await tx.orders.add(order, b"h")
        await tx.commit()
    newest_first = list(reversed(made))

    async def matching(where: OrderFilter, page: PageRequest | None = None) -> list[Order]:
        async with subject.uow.for_tenant(subject.tenant) as tx:
            return (await tx.orders.matching(where, page or PageRequest())).items

    # Whole orders (lines, totals, attendees, payment), newest first.
    assert await matching(OrderFilter()) == newest_first
    assert await matching(OrderFilter(event_id=other_event.id)) == [made[3]]
    assert await matching(OrderFilter(status=OrderStatus.PAID)) == [made[4], made[2]]
    assert await matching(OrderFilter(buyer_email="grace@example.org")) == [made[4], made[1]]
    assert await matching(OrderFilter(buyer_email="Grace@Example.org")) == []  # stored lowered
    assert await matching(
        OrderFilter(created_from=NOW + timedelta(hours=1), created_before=NOW + timedelta(hours=4))
    ) == [made[3], made[2], made[1]]
    assert await matching(
        OrderFilter(event_id=event.id, status=OrderStatus.PENDING, buyer_email="grace@example.org")
    ) == [made[1]]
    # Keyset pages: each page continues after the last key of the one before, to the end.
    seen: list[Order] = []
    request = PageRequest(limit=4)
    while True:
        async with subject.uow.for_tenant(subject.tenant) as tx:
            page = await tx.orders.matching(OrderFilter(event_id=event.id), request)
        seen += page.items
        if page.next_after is None:
            break
        assert page.next_after == page.items[-1].id
        request = PageRequest(limit=4, after=page.next_after)
    assert seen == [o for o in newest_first if o.event_id == event.id]
    assert len(seen) == 5
    # Another tenant sees none of them.
    async with subject.uow.for_tenant(subject.other) as tx:
        assert (await tx.orders.matching(OrderFilter(), PageRequest())).items == []


# --- inventory ------------------------------------------------------------------------------------


async def test_hold_release_and_confirm_move_the_counts_and_announce_nothing(
    subject: Subject,
) -> None:
    event = an_event(subject.tenant)
    vip, standard = a_ticket_type(event, "VIP", quantity=5), a_ticket_type(event)
    await given(subject, event, vip, standard)
    subject.feed.published.clear()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        await tx.inventory.hold(event.id, [(standard.id, 3), (vip.id, 5)])
        await tx.commit()
    assert await counts(subject, vip, standard) == [(0, 5), (0, 3)]
    # Sales tell no cache: the storefront's availability is at most a second old by itself.
    assert not any(event_tag(event.id) in tags for tags in subject.feed.published)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        await tx.inventory.release(event.id, [(vip.id, 2)])
        await tx.inventory.confirm(event.id, [(standard.id, 3), (vip.id, 1)])
        await tx.commit()
    assert await counts(subject, vip, standard) == [(1, 2), (3, 0)]
    async with subject.uow.for_tenant(subject.tenant) as tx:
        with pytest.raises(RuntimeError):
            await tx.inventory.release(event.id, [(standard.id, 1)])


async def test_unsell_puts_sold_tickets_back_on_sale_never_below_zero(subject: Subject) -> None:
    event = an_event(subject.tenant)
    event.capacity = 6
    vip, standard = a_ticket_type(event, "VIP", quantity=3), a_ticket_type(event, quantity=5)
    code = a_promo_code(event)
    await given(subject, event, vip, standard, code)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        await tx.inventory.hold(event.id, [(vip.id, 3), (standard.id, 3)], code.id)
        await tx.inventory.confirm(event.id, [(vip.id, 3), (standard.id, 3)])
        await tx.commit()
    subject.feed.published.clear()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        await tx.inventory.unsell(event.id, [(standard.id, 2), (vip.id, 1)])
        await tx.commit()
    assert await counts(subject, vip, standard) == [(2, 0), (1, 0)]
    # Sales tell no cache: the storefront's availability is at most a second old by itself.
    assert not any(event_tag(event.id) in tags for tags in subject.feed.published)
    assert await uses(subject, code.id) == 1  # no code given: its use stays
    async with subject.uow.for_tenant(subject.tenant) as tx:
        await tx.inventory.unsell(event.id, [(standard.id, 1)], code.id)
        await tx.commit()
    assert await uses(subject, code.id) == 0  # a full refund gives the code's use back
    async with subject.uow.for_tenant(subject.tenant) as tx:
        await tx.inventory.hold(event.id, [(standard.id, 1)], code.id)
        await tx.inventory.confirm(event.id, [(standard.id, 1)])
        await tx.commit()
    # The event's sold count went down too: its capacity (6) has room for 3 again, not 4.
    async with subject.uow.for_tenant(subject.tenant) as tx:
        with pytest.raises(EventSoldOut):
            await tx.inventory.hold(event.id, [(standard.id, 4)])
    async with subject.uow.for_tenant(subject.tenant) as tx:
        await tx.inventory.hold(event.id, [(standard.id, 3)])
    # More than was sold is refused, and nothing of the refused call stays.
    async with subject.uow.for_tenant(subject.tenant) as tx:
        with pytest.raises(RuntimeError):
            await tx.inventory.unsell(event.id, [(vip.id, 3)])
    assert await counts(subject, vip, standard) == [(2, 0), (1, 0)]
    async with subject.uow.for_tenant(subject.other) as tx:
        with pytest.raises(RuntimeError):
            await tx.inventory.unsell(event.id, [(vip.id, 1)])


async def test_a_short_ticket_type_is_sold_out_by_name_and_line(subject: Subject) -> None:
    event = an_event(subject.tenant)
    vip, standard = a_ticket_type(event, "VIP", quantity=4), a_ticket_type(event)
    await given(subject, event, vip, standard)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        await tx.inventory.hold(event.id, [(vip.id, 3)])
        await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        with pytest.raises(SoldOut) as refused:
            await tx.inventory.hold(event.id, [(standard.id, 1), (vip.id, 2)])
    assert refused.value.ticket_type_id == vip.id
    assert refused.value.field == "items[1].ticketTypeId"
    assert "VIP" in refused.value.detail
    assert await counts(subject, vip, standard) == [(0, 3), (0, 0)]
    async with subject.uow.for_tenant(subject.tenant) as tx:
        await tx.inventory.hold(event.id, [(standard.id, 1), (vip.id, 1)])


async def test_the_event_capacity_binds_across_ticket_types(subject: Subject) -> None:
    event = an_event(subject.tenant)
    event.capacity = 10
    a, b = a_ticket_type(event, "A", quantity=8), a_ticket_type(event, "B", quantity=8)
    await given(subject, event, a, b)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        await tx.inventory.hold(event.id, [(a.id, 6)])
        await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        with pytest.raises(EventSoldOut) as refused:
            await tx.inventory.hold(event.id, [(b.id, 5)])
    assert refused.value.code == "sold_out"
    async with subject.uow.for_tenant(subject.tenant) as tx:
        await tx.inventory.hold(event.id, [(b.id, 4)])
        await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        await tx.inventory.release(event.id, [(a.id, 1)])
        await tx.inventory.hold(event.id, [(b.id, 1)])
        await tx.commit()
    assert await counts(subject, a, b) == [(0, 5), (0, 5)]


async def test_a_promo_code_is_used_at_most_max_uses_times(subject: Subject) -> None:
    event = an_event(subject.tenant)
    standard = a_ticket_type(event)
    code = a_promo_code(event, max_uses=2)
    await given(subject, event, standard, code)
    for _ in range(2):
        async with subject.uow.for_tenant(subject.tenant) as tx:
            await tx.inventory.hold(event.id, [(standard.id, 1)], code.id)
            await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        with pytest.raises(PromoCodeUsedUp) as refused:
            await tx.inventory.hold(event.id, [(standard.id, 1)], code.id)
    assert refused.value.field == "promoCode"
    assert await uses(subject, code.id) == 2
    async with subject.uow.for_tenant(subject.tenant) as tx:
        await tx.inventory.release(event.id, [(standard.id, 1)], code.id)
        await tx.inventory.hold(event.id, [(standard.id, 1)], code.id)
        await tx.commit()
    assert await uses(subject, code.id) == 2
    assert await counts(subject, standard) == [(0, 2)]


async def test_a_ticket_type_or_code_of_another_event_is_unknown(subject: Subject) -> None:
    event, other = an_event(subject.tenant), an_event(subject.tenant)
    mine, theirs = a_ticket_type(event), a_ticket_type(other)
    their_code = a_promo_code(other)
    await given(subject, event, other, mine, theirs, their_code)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        with pytest.raises(UnknownTicketType) as refused:
            await tx.inventory.hold(event.id, [(mine.id, 1), (theirs.id, 1)])
    assert refused.value.field == "items[1].ticketTypeId"
    async with subject.uow.for_tenant(subject.tenant) as tx:
        with pytest.raises(UnknownPromoCode):
            await tx.inventory.hold(event.id, [(mine.id, 1)], their_code.id)


async def test_another_tenant_cannot_hold_a_tenants_tickets(subject: Subject) -> None:
    event = an_event(subject.tenant)
    standard = a_ticket_type(event)
    await given(subject, event, standard)
    async with subject.uow.for_tenant(subject.other) as tx:
        with pytest.raises(UnknownTicketType):
            await tx.inventory.hold(event.id, [(standard.id, 1)])
    assert await counts(subject, standard) == [(0, 0)]


# --- what orders keep of the events area ----------------------------------------------------------


async def test_a_ticket_type_an_order_names_is_not_deleted_even_when_nothing_is_held(
    subject: Subject,
) -> None:
    event = an_event(subject.tenant)
    standard = a_ticket_type(event)
    await given(subject, event, standard)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        await tx.orders.add(an_order(subject.tenant, event, standard), b"h")
        await tx.commit()
    with pytest.raises(TicketTypeHasSales):
        async with subject.uow.for_tenant(subject.tenant) as tx:
            await tx.ticket_types.delete(standard.id)


async def test_a_deleted_promo_code_leaves_its_orders_without_it(subject: Subject) -> None:
    event = an_event(subject.tenant)
    standard = a_ticket_type(event)
    code = a_promo_code(event)
    await given(subject, event, standard, code)
    order = an_order(subject.tenant, event, standard, promo_code_id=code.id)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        await tx.orders.add(order, b"h")
        await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        await tx.promo_codes.delete(code.id)
        await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        found = await tx.orders.get(order.id)
    assert found == dataclasses.replace(order, promo_code_id=None)


# --- idempotency keys -----------------------------------------------------------------------------


async def test_an_idempotency_key_is_claimed_once_kept_with_its_answer_then_forgotten(
    subject: Subject,
) -> None:
    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    keep = timedelta(hours=24)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.idempotency_keys.claim("k-1", b"first", now=now, keep=keep) is None
        await tx.idempotency_keys.record("k-1", 201, {"orderId": "o-1"})
        await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.idempotency_keys.claim("k-2", b"rolled back", now=now, keep=keep) is None
    async with subject.uow.for_tenant(subject.tenant) as tx:
        later = now + timedelta(hours=23)
        assert await tx.idempotency_keys.claim("k-1", b"other", now=later, keep=keep) == (
            StoredAnswer(b"first", 201, {"orderId": "o-1"})
        )
        assert await tx.idempotency_keys.claim("k-2", b"again", now=later, keep=keep) is None
    async with subject.uow.for_tenant(subject.other) as tx:
        assert await tx.idempotency_keys.claim("k-1", b"theirs", now=now, keep=keep) is None
    async with subject.uow.for_tenant(subject.tenant) as tx:
        expired = now + keep
        assert await tx.idempotency_keys.claim("k-1", b"new", now=expired, keep=keep) is None
