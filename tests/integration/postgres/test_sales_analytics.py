"""One contract for the sales analytics, on the memory adapter and on PostgreSQL (the app role,
row level security), against numbers computed by hand.

Two days in New York (UTC-5 in early March 2026): an order paid at 23:30 on the 1st local time
(04:30 UTC on the 2nd) counts on the 1st, one at 00:30 on the 2nd on the 2nd; one paid a minute
before the period, a pending one and another tenant's paid one count nowhere. Refunds: one
order partially refunded (its tickets still count), one fully (money only)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.engine import URL
from tests.integration.postgres.test_event_repositories import (
    Subject,
    _subject,
    a_ticket_type,
    an_event,
    given,
)
from tests.integration.postgres.test_order_repositories import IDS, an_order

from ticketbase.application.ports.analytics import (
    CurrencyTotals,
    DayFigures,
    EventFigures,
    Period,
    TicketTypeFigures,
)
from ticketbase.domain.events.event import Event
from ticketbase.domain.events.ticket_type import TicketType
from ticketbase.domain.orders.attendee import Attendee, TicketCode
from ticketbase.domain.orders.order import Order
from ticketbase.domain.shared.ids import AttendeeId, OrganizationId
from ticketbase.domain.shared.values import Money

pytestmark = pytest.mark.anyio

NEW_YORK = "America/New_York"
PERIOD = Period(
    datetime(2026, 3, 1, 5, tzinfo=UTC),  # midnight of March 1st in New York
    datetime(2026, 3, 3, 5, tzinfo=UTC),  # midnight after March 2nd
    NEW_YORK,
)


@pytest.fixture(params=["memory", "postgres"])
async def subject(request: pytest.FixtureRequest, database_url: URL) -> AsyncIterator[Subject]:
    async with _subject(request.param, database_url) as made:
        yield made


def eur(amount: int) -> Money:
    return Money(amount, "EUR")


async def sold(
    subject: Subject,
    event: Event,
    *types: TicketType,
    paid_at: datetime | None,
    sequence: int,
    refund: int = 0,
    check_in: int | None = None,
    tenant: OrganizationId | None = None,
) -> Order:
    """An order of ``types`` (line i has i + 1 tickets and 100 x i off), paid at ``paid_at``,
    ``refund`` given back after, its ticket number ``check_in`` admitted before the refund."""
    order = an_order(tenant or subject.tenant, event, *types, sequence=sequence)
    tickets: list[Attendee] = []
    if paid_at is not None:
        order.expires_at = paid_at + timedelta(minutes=5)  # paid within its hold
        order.pay(at=paid_at, amount=order.total, reference=f"r{sequence}", provider="manual")
        holders = order.ticket_holders()
        ids = [AttendeeId(IDS.new()) for _ in holders]
        codes = [TicketCode(f"code-{i.hex}-0123456789") for i in ids]
        tickets = Attendee.issue_all(order, ids=ids, codes=codes, now=paid_at)
        if check_in is not None:
            tickets[check_in].check_in(at=paid_at, event_id=event.id, order_status=order.status)
        if refund:
            order.refund(at=paid_at, amount=eur(refund))
    async with subject.uow.for_tenant(tenant or subject.tenant) as tx:
        await tx.orders.add(order, b"hash")
        await tx.attendees.add_all(tickets)
        await tx.commit()
    return order


async def scene(subject: Subject) -> tuple[Event, Event, TicketType, TicketType]:
    gala, jazz = an_event(subject.tenant, name="Gala"), an_event(subject.tenant, name="Jazz")
    standard = a_ticket_type(gala, "Standard", price=eur(2500))
    vip = a_ticket_type(gala, "VIP", price=eur(4000))
    club = a_ticket_type(jazz, "Club", price=eur(1000))
    await given(subject, gala, jazz, standard, vip, club)
    # 1: Standard x1 = 2500, paid 23:30 on March 1st in New York.
    await sold(subject, gala, standard, paid_at=datetime(2026, 3, 2, 4, 30, tzinfo=UTC), sequence=1)
    # 2: Standard x1 + VIP x2 - 100 = 10400, 00:30 on the 2nd; 1000 refunded; a VIP admitted.
    await sold(
        subject,
        gala,
        standard,
        vip,
        paid_at=datetime(2026, 3, 2, 5, 30, tzinfo=UTC),
        sequence=2,
        refund=1000,
        check_in=1,
    )
    # 3: Club x1 = 1000 on the 2nd, admitted, then refunded in full.
    await sold(
        subject,
        jazz,
        club,
        paid_at=datetime(2026, 3, 2, 15, tzinfo=UTC),
        sequence=3,
        refund=1000,
        check_in=0,
    )
    # 4: 23:59 on February 28th in New York, 5: never paid.
    await sold(subject, gala, standard, paid_at=datetime(2026, 3, 1, 4, 59, tzinfo=UTC), sequence=4)
    await sold(subject, gala, vip, paid_at=None, sequence=5)
    # Another tenant's order paid in the period.
    rival = an_event(subject.other, name="Rival")
    rival_type = a_ticket_type(rival, "Rival", price=eur(9900))
    await given(subject, rival, rival_type, tenant=subject.other)
    await sold(
        subject,
        rival,
        rival_type,
        paid_at=datetime(2026, 3, 2, 12, tzinfo=UTC),
        sequence=1,
        tenant=subject.other,
    )
    return gala, jazz, standard, vip


async def test_the_summary_adds_up_by_hand(subject: Subject) -> None:
    gala, jazz, _, _ = await scene(subject)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        figures = await tx.analytics.figures(PERIOD, "EUR")
    # Kept 2500 + 9400 + 0; given back 1000 + 1000.
    assert figures.money == [CurrencyTotals("EUR", 11900, 2000)]
    assert (figures.orders, figures.tickets, figures.checked_in) == (2, 4, 1)
    assert figures.daily == [
        DayFigures(date(2026, 3, 1), 1, 1, 2500),
        DayFigures(date(2026, 3, 2), 1, 3, 9400),
    ]
    assert figures.top_events == [
        EventFigures(gala.id, "Gala", 4, 11900),
        EventFigures(jazz.id, "Jazz", 0, 0),
    ]
    assert figures.ticket_types == []


async def test_one_event_has_its_ticket_types(subject: Subject) -> None:
    gala, _, standard, vip = await scene(subject)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        figures = await tx.analytics.figures(PERIOD, "EUR", gala.id)
    assert figures.money == [CurrencyTotals("EUR", 11900, 1000)]
    assert (figures.orders, figures.tickets, figures.checked_in) == (2, 4, 1)
    assert figures.top_events == [EventFigures(gala.id, "Gala", 4, 11900)]
    # Lines: Standard 2500 + 2500, VIP 2 x 4000 - 100 (the refund is the order's, not a line's).
    assert figures.ticket_types == [
        TicketTypeFigures(standard.id, "Standard", 2, 5000, 0),
        TicketTypeFigures(vip.id, "VIP", 2, 7900, 1),
    ]


async def test_days_follow_the_zone_and_other_tenants_see_nothing(subject: Subject) -> None:
    await scene(subject)
    utc = Period(datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 3, tzinfo=UTC), "UTC")
    async with subject.uow.for_tenant(subject.tenant) as tx:
        figures = await tx.analytics.figures(utc, "EUR")
    # In UTC, orders 1, 2 and 3 are all of March 2nd.
    assert figures.daily == [DayFigures(date(2026, 3, 2), 2, 4, 11900)]
    async with subject.uow.for_tenant(subject.other) as tx:
        rival = await tx.analytics.figures(PERIOD, "EUR")
    assert rival.money == [CurrencyTotals("EUR", 9900, 0)]
    assert (rival.orders, rival.tickets, rival.checked_in) == (1, 1, 0)


async def test_money_in_another_currency_is_kept_apart(subject: Subject) -> None:
    await scene(subject)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        figures = await tx.analytics.figures(PERIOD, "USD")
    assert figures.money == [CurrencyTotals("EUR", 11900, 2000)]
    assert figures.daily == [
        DayFigures(date(2026, 3, 1), 1, 1, 0),
        DayFigures(date(2026, 3, 2), 1, 3, 0),
    ]
    assert [(e.tickets, e.revenue) for e in figures.top_events] == [(4, 0)]  # Jazz: 0, 0


async def test_counts_follow_payment_check_in_and_its_undo(subject: Subject) -> None:
    """The way the API writes: a pending order saved paid, tickets issued, one admitted and
    let out again (on PostgreSQL the order's counts are kept by migration 0017's triggers)."""
    gala = an_event(subject.tenant, name="Gala")
    standard = a_ticket_type(gala, "Standard", price=eur(2500))
    await given(subject, gala, standard)
    at = datetime(2026, 3, 2, 12, tzinfo=UTC)
    order = an_order(subject.tenant, gala, standard, standard_vip := a_ticket_type(gala, "VIP"))
    async with subject.uow.for_tenant(subject.tenant) as tx:
        await tx.ticket_types.add(standard_vip)
        await tx.orders.add(order, b"hash")
        await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert (await tx.analytics.figures(PERIOD, "EUR")).orders == 0  # pending
        order.expires_at = at + timedelta(minutes=5)
        order.pay(at=at, amount=order.total, reference="r", provider="manual")
        await tx.orders.save(order)
        holders = order.ticket_holders()
        ids = [AttendeeId(IDS.new()) for _ in holders]
        codes = [TicketCode(f"code-{i.hex}-0123456789") for i in ids]
        tickets = Attendee.issue_all(order, ids=ids, codes=codes, now=at)
        await tx.attendees.add_all(tickets)
        await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        figures = await tx.analytics.figures(PERIOD, "EUR")
        assert (figures.orders, figures.tickets, figures.checked_in) == (1, 3, 0)
        ticket = tickets[2]
        ticket.check_in(at=at, event_id=gala.id, order_status=order.status)
        await tx.attendees.save(ticket)
        await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert (await tx.analytics.figures(PERIOD, "EUR")).checked_in == 1
        ticket.rename(full_name="Alan Turing", email="alan@example.org", now=at)
        await tx.attendees.save(ticket)  # another change leaves the count alone
        await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert (await tx.analytics.figures(PERIOD, "EUR")).checked_in == 1
        assert ticket.undo_check_in(now=at)
        await tx.attendees.save(ticket)
        await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        figures = await tx.analytics.figures(PERIOD, "EUR", gala.id)
        assert (figures.tickets, figures.checked_in) == (3, 0)
        assert [(t.tickets, t.checked_in) for t in figures.ticket_types] == [(1, 0), (2, 0)]
