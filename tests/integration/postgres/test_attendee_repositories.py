"""One contract for attendee storage, on the memory adapter and on PostgreSQL (the app role,
row level security): a paid order's tickets, their codes, holders, check-ins and counts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy.engine import URL
from tests.integration.postgres.test_event_repositories import (
    NOW,
    Subject,
    _subject,
    a_ticket_type,
    an_event,
    given,
)
from tests.integration.postgres.test_order_repositories import IDS, an_order

from ticketbase.application.pagination import PageRequest
from ticketbase.application.ports.attendees import AttendeeFilter, CheckInCount
from ticketbase.domain.events.event import Event
from ticketbase.domain.events.ticket_type import TicketType
from ticketbase.domain.orders.attendee import Attendee, TicketCode
from ticketbase.domain.orders.order import Order, OrderStatus
from ticketbase.domain.shared.errors import StaleVersion
from ticketbase.domain.shared.ids import AttendeeId
from ticketbase.domain.shared.values import Money

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["memory", "postgres"])
async def subject(request: pytest.FixtureRequest, database_url: URL) -> AsyncIterator[Subject]:
    async with _subject(request.param, database_url) as made:
        yield made


async def a_paid_order(
    subject: Subject, event: Event, *types: TicketType, sequence: int = 1
) -> tuple[Order, list[Attendee]]:
    order = an_order(subject.tenant, event, *types, sequence=sequence)
    order.pay(at=NOW, amount=order.total, reference=f"ref-{sequence}", provider="manual")
    holders = order.ticket_holders()
    ids = [AttendeeId(IDS.new()) for _ in holders]
    codes = [TicketCode(f"code-{i.hex}-0123456789") for i in ids]
    tickets = Attendee.issue_all(order, ids=ids, codes=codes, now=NOW)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        await tx.orders.add(order, b"hash")
        await tx.attendees.add_all(tickets)
        await tx.commit()
    return order, tickets


async def setup(subject: Subject) -> tuple[Event, TicketType, TicketType]:
    event = an_event(subject.tenant)
    first, second = a_ticket_type(event, "Standard"), a_ticket_type(event, "VIP")
    await given(subject, event, first, second)
    return event, first, second


async def test_a_paid_orders_tickets_read_back_in_issue_order(subject: Subject) -> None:
    event, first, second = await setup(subject)
    order, tickets = await a_paid_order(subject, event, first, second)  # 1 + 2 tickets
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.attendees.of_order(order.id) == tickets
        assert await tx.attendees.get(tickets[1].id) == tickets[1]
        assert await tx.attendees.by_code(tickets[2].ticket_code) == tickets[2]
        assert await tx.attendees.by_code(TicketCode("no-such-code-at-all")) is None
    assert [t.ticket_type_id for t in tickets] == [first.id, second.id, second.id]
    assert tickets[0].full_name == "Grace Hopper"  # named for the first type, then the buyer


async def test_another_tenant_sees_no_attendee(subject: Subject) -> None:
    event, first, _ = await setup(subject)
    order, tickets = await a_paid_order(subject, event, first)
    async with subject.uow.for_tenant(subject.other) as tx:
        assert await tx.attendees.get(tickets[0].id) is None
        assert await tx.attendees.by_code(tickets[0].ticket_code) is None
        assert await tx.attendees.of_order(order.id) == []
        page = await tx.attendees.of_event(event.id, AttendeeFilter(), PageRequest())
        assert page.items == []
        assert await tx.attendees.check_in_counts(event.id) == []


async def test_check_in_and_rename_are_saved_with_an_optimistic_version(subject: Subject) -> None:
    event, first, _ = await setup(subject)
    order, tickets = await a_paid_order(subject, event, first)
    ticket = tickets[0]
    async with subject.uow.for_tenant(subject.tenant) as tx:
        ticket.check_in(at=NOW + timedelta(hours=1), event_id=event.id, order_status=order.status)
        await tx.attendees.save(ticket)
        ticket.rename(full_name="Alan Turing", email="alan@example.org", now=NOW)
        await tx.attendees.save(ticket)
        await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        stored = await tx.attendees.get(ticket.id)
        assert stored == ticket
        assert stored is not None
        assert stored.checked_in_at == NOW + timedelta(hours=1)
        assert stored is not None
        assert stored.full_name == "Alan Turing"
        with pytest.raises(StaleVersion):
            await tx.attendees.save(ticket)  # its version is stored already


async def test_the_event_list_filters_and_pages_newest_first(subject: Subject) -> None:
    event, first, second = await setup(subject)
    _, a = await a_paid_order(subject, event, first, second, sequence=1)
    _, b = await a_paid_order(subject, event, first, sequence=2)
    everyone = sorted(a + b, key=lambda t: t.id, reverse=True)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        page = await tx.attendees.of_event(event.id, AttendeeFilter(), PageRequest(limit=2))
        assert page.items == everyone[:2]
        assert page.next_after == everyone[1].id
        rest = await tx.attendees.of_event(
            event.id, AttendeeFilter(), PageRequest(limit=10, after=page.next_after)
        )
        assert rest.items == everyone[2:]
        assert rest.next_after is None
        vip = await tx.attendees.of_event(
            event.id, AttendeeFilter(ticket_type_id=second.id), PageRequest()
        )
        assert {t.id for t in vip.items} == {t.id for t in a if t.ticket_type_id == second.id}
        grace = await tx.attendees.of_event(event.id, AttendeeFilter(q="HOPP"), PageRequest())
        assert {t.full_name for t in grace.items} == {"Grace Hopper"}
        literal = await tx.attendees.of_event(event.id, AttendeeFilter(q="%"), PageRequest())
        assert literal.items == []
        ticket = a[0]
        ticket.check_in(at=NOW, event_id=event.id, order_status=OrderStatus.PAID)
        await tx.attendees.save(ticket)
        inside = await tx.attendees.of_event(
            event.id, AttendeeFilter(checked_in=True), PageRequest()
        )
        assert [t.id for t in inside.items] == [ticket.id]
        outside = await tx.attendees.of_event(
            event.id, AttendeeFilter(checked_in=False), PageRequest()
        )
        assert len(outside.items) == len(everyone) - 1


async def test_counts_cover_admitting_orders_only(subject: Subject) -> None:
    event, first, second = await setup(subject)
    paid, tickets = await a_paid_order(subject, event, first, second, sequence=1)
    refunded, _ = await a_paid_order(subject, event, first, sequence=2)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        tickets[0].check_in(at=NOW, event_id=event.id, order_status=paid.status)
        await tx.attendees.save(tickets[0])
        refunded.refund(at=NOW)
        await tx.orders.save(refunded)
        await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        counts = await tx.attendees.check_in_counts(event.id)
    expected = {first.id: CheckInCount(first.id, 1, 1), second.id: CheckInCount(second.id, 2, 0)}
    assert sorted(counts, key=lambda c: c.ticket_type_id) == sorted(
        expected.values(), key=lambda c: c.ticket_type_id
    )
    assert Money(0, "EUR") == refunded.refundable
