"""The order confirmation on the memory adapters: what the buyer receives (escaped HTML, every
ticket's code and link, money written from minor units), when nothing is sent (an order that
does not admit, or is gone), and what a redelivery does (nothing after a recorded send; the same
Message-ID when the send was not recorded)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import count
from uuid import UUID

import pytest
from tests.unit.application.conftest import MakeOrganization
from tests.unit.application.identity.conftest import FakeMailer

from ticketbase.adapters.jinja import JinjaEmailTemplates
from ticketbase.adapters.memory.system import FixedClock, SequentialIds
from ticketbase.adapters.memory.unit_of_work import MemoryUnitOfWork
from ticketbase.adapters.security.buyer_tokens import HmacBuyerTokens
from ticketbase.application.orders.announcements import CONFIRMATION, confirmation
from ticketbase.application.orders.confirmation_email import format_money
from ticketbase.application.orders.send_confirmation import (
    ConfirmationPolicy,
    SendOrderConfirmation,
    message_id_domain,
)
from ticketbase.application.outbox.deliver_outbox import (
    DeliverOutbox,
    DeliveryPolicy,
    MessageHandlers,
    Outcome,
)
from ticketbase.application.ports.mailer import MailDeliveryError, OutgoingEmail
from ticketbase.application.ports.outbox import ClaimedMessage
from ticketbase.domain.events.event import Event
from ticketbase.domain.events.schedule import Schedule
from ticketbase.domain.events.ticket_type import TicketType, TicketTypeSpec
from ticketbase.domain.events.venue import Venue
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.orders.attendee import Attendee, TicketCode
from ticketbase.domain.orders.buyer import Buyer, NamedAttendee
from ticketbase.domain.orders.order import Order, OrderNumber
from ticketbase.domain.orders.quote import PricedLine, Totals
from ticketbase.domain.shared.ids import AttendeeId, EventId, OrderId, TicketTypeId
from ticketbase.domain.shared.values import EmailAddress, Money, Slug

pytestmark = pytest.mark.anyio
PUBLIC_URL = "https://tickets.example.test"
HOSTILE = "<script>alert('x')</script> & Co"
SECRET = "a-test-secret-of-at-least-32-characters!"


def eur(cents: int) -> Money:
    return Money(cents, "EUR")


@dataclass
class Kit:
    uow: MemoryUnitOfWork
    clock: FixedClock
    ids: SequentialIds
    mailer: FakeMailer
    organization: Organization
    send: SendOrderConfirmation
    numbers: Iterator[int] = field(default_factory=lambda: count(42))

    async def an_event(self) -> tuple[Event, TicketType, TicketType]:
        now = self.clock.now()
        starts = now + timedelta(days=30)
        event = Event.create(
            id=EventId(self.ids.new()),
            organization_id=self.organization.id,
            name="Jazz & <Blues> Night",
            description="Two sets.",
            venue=Venue("Konzerthaus", "Lothringerstraße 20", "Wien", "AT"),
            schedule=Schedule(starts, starts + timedelta(hours=3), "Europe/Vienna"),
            now=now,
            slug=Slug(f"jazz-{self.ids.new().hex[-12:]}"),
        )
        standard, vip = (
            TicketType(
                id=TicketTypeId(self.ids.new()),
                event_id=event.id,
                spec=TicketTypeSpec(name=name, price=eur(price), quantity=100),
                created_at=now,
                updated_at=now,
            )
            for name, price in (("Standard", 2500), ("VIP <backstage>", 123456))
        )
        async with self.uow.for_tenant(self.organization.id) as tx:
            await tx.events.add(event)
            await tx.ticket_types.add(standard)
            await tx.ticket_types.add(vip)
            await tx.commit()
        return event, standard, vip

    async def an_order(self, *, paid: bool = True, buyer_name: str = "Ada Lovelace") -> Order:
        """1 Standard at 25.00, 2 VIP at 1,234.56 less 1.00: total 2,493.12 EUR."""
        event, standard, vip = await self.an_event()
        lines = (
            PricedLine.price(standard, 1, unit_price=standard.price, discount=eur(0)),
            PricedLine.price(vip, 2, unit_price=vip.price, discount=eur(100)),
        )
        now = self.clock.now()
        order = Order(
            id=OrderId(self.ids.new()),
            organization_id=self.organization.id,
            event_id=event.id,
            number=OrderNumber.from_sequence(next(self.numbers)),
            buyer=Buyer(buyer_name, EmailAddress.parse("ada@example.com")),
            lines=lines,
            totals=Totals.of(lines),
            created_at=now,
            expires_at=now + timedelta(minutes=15),
            updated_at=now,
            attendees=(NamedAttendee(vip.id, "Grace Hopper", EmailAddress.parse("g@example.org")),),
        )
        tickets: list[Attendee] = []
        if paid:
            order.pay(at=now, amount=order.total, reference="ref-1", provider="manual")
            holders = order.ticket_holders()
            ids = [AttendeeId(self.ids.new()) for _ in holders]
            codes = [TicketCode(f"code-{i.hex}-signed") for i in ids]
            tickets = Attendee.issue_all(order, ids=ids, codes=codes, now=now)
        async with self.uow.for_tenant(self.organization.id) as tx:
            await tx.orders.add(order, b"hash")
            await tx.attendees.add_all(tickets)
            await tx.commit()
        return order

    async def tickets(self, order: Order) -> list[Attendee]:
        async with self.uow.for_tenant(self.organization.id) as tx:
            return await tx.attendees.of_order(order.id)

    def message(
        self, order_id: UUID, *, attempt: int = 1, message_id: UUID | None = None
    ) -> ClaimedMessage:
        made = confirmation(OrderId(order_id), self.clock.now(), message_id or self.ids.new())
        return ClaimedMessage(
            self.organization.id, made.id, made.topic, made.payload, made.created_at, attempt
        )


@pytest.fixture
async def kit(
    uow: MemoryUnitOfWork,
    clock: FixedClock,
    ids: SequentialIds,
    make_organization: MakeOrganization,
) -> Kit:
    organization = await make_organization("acme", HOSTILE)
    mailer = FakeMailer()
    send = SendOrderConfirmation(
        uow,
        mailer,
        HmacBuyerTokens(SECRET),
        clock,
        ConfirmationPolicy(PUBLIC_URL, message_id_domain("Acme <tickets@acme.example>")),
        JinjaEmailTemplates(),
    )
    return Kit(uow, clock, ids, mailer, organization, send)


def header(email: OutgoingEmail, name: str) -> list[str]:
    return [value for key, value in email.headers if key.lower() == name.lower()]


# --- what is sent ------------------------------------------------------------------------------


async def test_the_buyer_receives_every_ticket_with_its_code_and_link(kit: Kit) -> None:
    order = await kit.an_order(buyer_name=HOSTILE)
    message = kit.message(order.id)
    await kit.send(message)

    [email] = kit.mailer.sent
    tickets = await kit.tickets(order)
    assert len(tickets) == 3
    token = HmacBuyerTokens(SECRET).for_order(order.id)
    assert email.to == "ada@example.com"
    assert email.subject == f"Your tickets for Jazz & <Blues> Night (order {order.number})"
    assert header(email, "Message-ID") == [f"<{message.id}@acme.example>"]
    assert email.html is not None
    for ticket in tickets:
        link = f"{PUBLIC_URL}/api/orders/{order.id}/tickets/{ticket.id}?token={token}"
        for body in (email.text, email.html):
            assert ticket.ticket_code.value in body
            assert link in body
    order_link = f"{PUBLIC_URL}/api/orders/{order.id}?token={token}"
    assert order_link in email.text
    assert f'href="{order_link}"' in email.html
    assert email.text.count("Holder: Grace Hopper") == 1  # named for one VIP ticket
    assert email.text.count(f"Holder: {HOSTILE}") == 2  # the buyer holds the others
    assert str(order.number) in email.text
    assert str(order.number) in email.html


async def test_the_html_escapes_what_tenants_and_buyers_wrote(kit: Kit) -> None:
    order = await kit.an_order(buyer_name=HOSTILE)
    await kit.send(kit.message(order.id))

    [email] = kit.mailer.sent
    assert email.html is not None
    assert "<script" not in email.html
    assert "<backstage>" not in email.html
    assert "<Blues>" not in email.html
    escaped = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co"
    assert f"Hello {escaped}," in email.html  # the buyer
    assert f">{escaped}</h1>" in email.html  # the organization
    assert "VIP &lt;backstage&gt;" in email.html
    assert "Jazz &amp; &lt;Blues&gt; Night" in email.html
    assert f"Hello {HOSTILE}," in email.text  # plain text is not HTML: shown as written


async def test_lines_and_totals_are_written_as_money(kit: Kit) -> None:
    order = await kit.an_order()
    await kit.send(kit.message(order.id))

    [email] = kit.mailer.sent
    assert email.html is not None
    assert order.total == eur(2500 + 2 * 123456 - 100)
    expected = [
        "1 x Standard at 25.00 EUR: 25.00 EUR",
        "2 x VIP <backstage> at 1,234.56 EUR (discount 1.00 EUR): 2,468.12 EUR",
        "Subtotal: 2,494.12 EUR",
        "Discount: -1.00 EUR",
        "Total paid: 2,493.12 EUR",
    ]
    for line in expected:
        assert f"  {line}\n" in email.text
    assert ">2,493.12 EUR</td>" in email.html


@pytest.mark.parametrize(
    ("amount", "currency", "written"),
    [
        (0, "EUR", "0.00 EUR"),
        (5, "EUR", "0.05 EUR"),
        (-5, "USD", "-0.05 USD"),
        (123456789, "GBP", "1,234,567.89 GBP"),
        (1200, "JPY", "1,200 JPY"),
    ],
)
def test_money_is_written_from_minor_units(amount: int, currency: str, written: str) -> None:
    assert format_money(Money(amount, currency)) == written


@pytest.mark.parametrize(
    ("mail_from", "domain"),
    [
        ("TicketBase <no-reply@ticketbase.localhost>", "ticketbase.localhost"),
        ("tickets@Acme.Example", "acme.example"),
        ("no address at all", "ticketbase"),
        ("Literal <x@[192.0.2.1]>", "ticketbase"),
    ],
)
def test_the_message_id_domain_comes_from_the_sender(mail_from: str, domain: str) -> None:
    assert message_id_domain(mail_from) == domain


# --- when nothing is sent ----------------------------------------------------------------------


async def test_a_pending_order_gets_no_confirmation(kit: Kit) -> None:
    order = await kit.an_order(paid=False)
    await kit.send(kit.message(order.id))
    assert kit.mailer.sent == []


async def test_a_cancelled_or_fully_refunded_order_gets_no_confirmation(kit: Kit) -> None:
    cancelled = await kit.an_order(paid=False)
    refunded = await kit.an_order()
    async with kit.uow.for_tenant(kit.organization.id) as tx:
        cancelled.cancel(at=kit.clock.now())
        refunded.refund(at=kit.clock.now())
        await tx.orders.save(cancelled)
        await tx.orders.save(refunded)
        await tx.commit()
    await kit.send(kit.message(cancelled.id))
    await kit.send(kit.message(refunded.id))
    assert kit.mailer.sent == []


async def test_a_partially_refunded_order_is_still_confirmed(kit: Kit) -> None:
    order = await kit.an_order()
    async with kit.uow.for_tenant(kit.organization.id) as tx:
        order.refund(at=kit.clock.now(), amount=eur(500))
        await tx.orders.save(order)
        await tx.commit()
    await kit.send(kit.message(order.id))
    assert len(kit.mailer.sent) == 1


async def test_a_missing_order_is_dropped_without_an_error(kit: Kit) -> None:
    await kit.send(kit.message(kit.ids.new()))  # e.g. its tenant was deleted
    assert kit.mailer.sent == []


async def test_a_message_naming_no_order_fails_clearly(kit: Kit) -> None:
    broken = ClaimedMessage(
        kit.organization.id, kit.ids.new(), CONFIRMATION, {}, kit.clock.now(), 1
    )
    with pytest.raises(ValueError, match="names no order"):
        await kit.send(broken)


# --- redelivery --------------------------------------------------------------------------------


async def test_a_redelivery_after_a_recorded_send_sends_nothing(kit: Kit) -> None:
    order = await kit.an_order()
    message = kit.message(order.id)
    await kit.send(message)
    await kit.send(kit.message(order.id, attempt=2, message_id=message.id))
    assert len(kit.mailer.sent) == 1


class AcceptedThenLost(FakeMailer):
    """The server accepted the message, but its answer never arrived (the connection dropped
    after the data): the sender saw a failure."""

    async def send(self, email: OutgoingEmail) -> None:
        self.sent.append(email)
        if len(self.sent) == 1:
            raise MailDeliveryError("connection lost after DATA")


async def test_an_unrecorded_send_is_repeated_with_the_same_message_id(kit: Kit) -> None:
    order = await kit.an_order()
    kit.send._mailer = mailer = AcceptedThenLost()
    message = kit.message(order.id)
    with pytest.raises(MailDeliveryError):
        await kit.send(message)
    await kit.send(kit.message(order.id, attempt=2, message_id=message.id))
    await kit.send(kit.message(order.id, attempt=3, message_id=message.id))

    first, second = mailer.sent  # the third delivery found the second recorded
    assert header(first, "Message-ID") == header(second, "Message-ID")
    assert header(first, "Message-ID") == [f"<{message.id}@acme.example>"]
    assert (first.text, first.html) == (second.text, second.html)


async def test_a_resend_is_another_message_and_is_sent_again(kit: Kit) -> None:
    order = await kit.an_order()
    first, resend = kit.message(order.id), kit.message(order.id)
    await kit.send(first)
    await kit.send(resend)
    ids = [header(email, "Message-ID") for email in kit.mailer.sent]
    assert ids == [[f"<{first.id}@acme.example>"], [f"<{resend.id}@acme.example>"]]


async def test_a_permanent_refusal_raises_and_records_nothing(kit: Kit) -> None:
    order = await kit.an_order()

    class Refusing(FakeMailer):
        async def send(self, email: OutgoingEmail) -> None:
            raise MailDeliveryError("550 no such user", permanent=True)

    kit.send._mailer = Refusing()
    message = kit.message(order.id)
    with pytest.raises(MailDeliveryError) as raised:
        await kit.send(message)
    assert raised.value.permanent
    async with kit.uow.for_tenant(kit.organization.id) as tx:
        assert not await tx.sent_mail.was_sent(message.id)


async def test_the_outbox_delivers_the_confirmation_written_with_the_payment(kit: Kit) -> None:
    order = await kit.an_order()
    written = confirmation(order.id, kit.clock.now(), kit.ids.new())
    async with kit.uow.for_tenant(kit.organization.id) as tx:
        await tx.outbox.add(written)
        await tx.commit()
    deliver = DeliverOutbox(
        kit.uow,
        kit.clock,
        MessageHandlers({CONFIRMATION: kit.send}),
        DeliveryPolicy(),
        jitter=lambda: 0.5,
    )
    report = await deliver()
    assert [(d.message_id, d.outcome) for d in report.deliveries] == [
        (written.id, Outcome.DELIVERED)
    ]
    [email] = kit.mailer.sent
    assert header(email, "Message-ID") == [f"<{written.id}@acme.example>"]
    assert re.search(rf"order {order.number}\b", email.text)
