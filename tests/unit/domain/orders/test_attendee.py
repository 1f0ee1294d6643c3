"""Attendees: one ticket per holder of a paid order with its own code, and the check-in rules
at the door (void tickets, another event's tickets, twice, undo)."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from ticketbase.domain.orders.attendee import Attendee, CheckIn, TicketCode
from ticketbase.domain.orders.buyer import NamedAttendee
from ticketbase.domain.orders.errors import AttendeeNotFound, TicketVoid
from ticketbase.domain.orders.order import Order, OrderStatus
from ticketbase.domain.shared.errors import Conflict, NotFound, RuleViolated
from ticketbase.domain.shared.ids import AttendeeId, EventId
from ticketbase.domain.shared.values import EmailAddress

from .builders import EVENT_ID, NOW, ORDER_ID, STANDARD, VIP, a_pending_order, eur

DOOR = NOW + timedelta(days=30)
IDS = [AttendeeId(UUID(int=7000 + n)) for n in range(3)]
CODES = [TicketCode(f"code-{n}-abcdefghijklmnop") for n in range(3)]


def paid_order() -> Order:
    order = a_pending_order()
    order.pay(at=NOW, amount=eur(14_900))
    return order


def tickets() -> list[Attendee]:
    return Attendee.issue_all(paid_order(), ids=IDS, codes=CODES, now=NOW)


class TestTicketCode:
    @pytest.mark.parametrize(
        "raw", ["eyJhbGciOiJFZERTQSJ9.eyJ0IjoiMSJ9.sig_-~", "a" * 16, "a" * 512]
    )
    def test_url_safe_text_fits(self, raw: str) -> None:
        assert str(TicketCode.parse(f" {raw}\n")) == raw

    @pytest.mark.parametrize("raw", ["", "a" * 15, "a" * 513, "code with spaces!", "ä" * 20])
    def test_anything_else_is_not_a_code(self, raw: str) -> None:
        with pytest.raises(RuleViolated) as caught:
            TicketCode.parse(raw)
        assert caught.value.field == "ticketCode"


class TestIssue:
    def test_one_per_ticket_for_its_holder(self) -> None:
        attendees = tickets()
        assert [(a.id, a.ticket_type_id, a.ticket_code) for a in attendees] == [
            (IDS[0], STANDARD, CODES[0]),
            (IDS[1], STANDARD, CODES[1]),
            (IDS[2], VIP, CODES[2]),
        ]
        first = attendees[0]
        assert (first.order_id, first.event_id, first.full_name, first.email) == (
            ORDER_ID,
            EVENT_ID,
            "Ada Lovelace",
            EmailAddress("ada@example.org"),
        )
        assert (first.checked_in_at, first.issued_at, first.version) == (None, NOW, 1)

    def test_named_attendees_get_their_tickets(self) -> None:
        order = paid_order()
        order.attendees = (
            NamedAttendee.parse(ticket_type_id=VIP, full_name="Grace", email="g@x.org"),
        )
        vip_ticket = Attendee.issue_all(order, ids=IDS, codes=CODES, now=NOW)[2]
        assert (vip_ticket.full_name, str(vip_ticket.email)) == ("Grace", "g@x.org")

    def test_only_for_a_paid_order(self) -> None:
        with pytest.raises(TicketVoid):
            Attendee.issue_all(a_pending_order(), ids=IDS, codes=CODES, now=NOW)

    @pytest.mark.parametrize(
        ("ids", "codes"),
        [(IDS[:2], CODES), (IDS, CODES[:2]), ([IDS[0]] * 3, CODES), (IDS, [CODES[0]] * 3)],
    )
    def test_each_ticket_its_own_id_and_code(
        self, ids: list[AttendeeId], codes: list[TicketCode]
    ) -> None:
        with pytest.raises(ValueError, match="ticket"):
            Attendee.issue_all(paid_order(), ids=ids, codes=codes, now=NOW)


class TestCheckIn:
    @pytest.mark.parametrize("status", [OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED])
    def test_a_ticket_of_a_paid_order_is_admitted(self, status: OrderStatus) -> None:
        ticket = tickets()[0]
        result = ticket.check_in(at=DOOR, event_id=EVENT_ID, order_status=status)
        assert result == CheckIn(IDS[0], DOOR, already_checked_in=False)
        assert (ticket.checked_in_at, ticket.is_checked_in, ticket.version) == (DOOR, True, 2)

    def test_twice_says_so_and_keeps_the_first_time(self) -> None:
        ticket = tickets()[0]
        ticket.check_in(at=DOOR, event_id=EVENT_ID, order_status=OrderStatus.PAID)
        again = ticket.check_in(
            at=DOOR + timedelta(hours=1), event_id=EVENT_ID, order_status=OrderStatus.PAID
        )
        assert again == CheckIn(IDS[0], DOOR, already_checked_in=True)
        assert ticket.version == 2

    @pytest.mark.parametrize(
        "status",
        [OrderStatus.REFUNDED, OrderStatus.CANCELLED, OrderStatus.EXPIRED, OrderStatus.PENDING],
    )
    def test_a_void_ticket_admits_nobody(self, status: OrderStatus) -> None:
        ticket = tickets()[0]
        with pytest.raises(TicketVoid) as caught:
            ticket.check_in(at=DOOR, event_id=EVENT_ID, order_status=status)
        assert caught.value.code == "ticket_void"
        assert isinstance(caught.value, Conflict)
        assert ticket.checked_in_at is None

    def test_another_events_ticket_is_unknown(self) -> None:
        with pytest.raises(AttendeeNotFound) as caught:
            tickets()[0].check_in(
                at=DOOR, event_id=EventId(UUID(int=99)), order_status=OrderStatus.PAID
            )
        assert isinstance(caught.value, NotFound)

    def test_undo(self) -> None:
        ticket = tickets()[0]
        assert ticket.undo_check_in(now=DOOR) is False
        ticket.check_in(at=DOOR, event_id=EVENT_ID, order_status=OrderStatus.PAID)
        assert ticket.undo_check_in(now=DOOR) is True
        assert (ticket.checked_in_at, ticket.version) == (None, 3)
        result = ticket.check_in(at=DOOR, event_id=EVENT_ID, order_status=OrderStatus.PAID)
        assert not result.already_checked_in


class TestRename:
    def test_another_holder_keeps_the_code(self) -> None:
        ticket = tickets()[0]
        assert ticket.rename(full_name=" Grace  Hopper ", email="G@X.org", now=DOOR)
        assert (ticket.full_name, str(ticket.email), ticket.ticket_code) == (
            "Grace Hopper",
            "g@x.org",
            CODES[0],
        )
        assert ticket.rename(full_name="Grace Hopper", email="g@x.org", now=DOOR) is False
        assert ticket.version == 2

    def test_refuses_a_bad_name(self) -> None:
        with pytest.raises(RuleViolated) as caught:
            tickets()[0].rename(full_name=" ", email="g@x.org", now=DOOR)
        assert caught.value.field == "fullName"
