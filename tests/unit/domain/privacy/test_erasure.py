"""Erasing a person from an order: only their places change, to a placeholder unique per order
that no mail can reach; amounts, lines and everyone else stay."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from uuid import uuid4

from tests.unit.domain.orders.builders import NOW, a_pending_order, standard, vip

from ticketbase.domain.orders.buyer import Buyer, NamedAttendee
from ticketbase.domain.orders.order import Order
from ticketbase.domain.privacy.erasure import (
    ERASED_NAME,
    erase_from_order,
    erased_email,
    is_erased,
    mentions,
)
from ticketbase.domain.shared.values import EmailAddress

ADA = EmailAddress("ada@example.org")
GRACE = EmailAddress("grace@example.org")
LATER = NOW + timedelta(days=30)


def named(order_email: EmailAddress, *people: EmailAddress) -> Order:
    order = a_pending_order()
    return dataclasses.replace(
        order,
        buyer=Buyer("Someone", order_email),
        attendees=tuple(
            NamedAttendee(t.id, f"Person {i}", p)
            for i, (t, p) in enumerate(zip((standard(), vip()), people, strict=False))
        ),
    )


def test_the_buyer_is_replaced_and_nothing_else_changes() -> None:
    order = named(ADA, GRACE)
    before = dataclasses.replace(order)
    assert erase_from_order(order, ADA, now=LATER)
    assert order.buyer == Buyer(ERASED_NAME, erased_email(order.id))
    assert order.attendees == before.attendees  # Grace stays
    assert (order.totals, order.lines, order.status) == (before.totals, before.lines, before.status)
    assert (order.version, order.updated_at) == (before.version + 1, LATER)
    assert not mentions(order, ADA)


def test_a_named_attendee_is_replaced_and_the_buyer_stays() -> None:
    order = named(GRACE, ADA, GRACE)
    assert erase_from_order(order, ADA, now=LATER)
    assert order.buyer.email == GRACE
    assert [a.email for a in order.attendees] == [erased_email(order.id), GRACE]
    assert order.attendees[0].full_name == ERASED_NAME


def test_someone_not_in_the_order_changes_nothing() -> None:
    order = named(GRACE, GRACE)
    before = dataclasses.replace(order)
    assert not erase_from_order(order, ADA, now=LATER)
    assert order == before


def test_placeholders_are_per_record_undeliverable_and_valid_addresses() -> None:
    one, two = erased_email(uuid4()), erased_email(uuid4())
    assert one != two
    assert one.value.endswith("@erased.invalid")  # RFC 2606: never resolves
    assert EmailAddress.parse(one.value) == one
    assert is_erased(one)
    assert not is_erased(ADA)
