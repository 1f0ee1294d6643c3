"""Checking tickets in on the memory adapters: the first scan admits, audits and announces;
later scans answer the first time and change nothing; a code that does not verify, another
tenant's or another event's is unknown (and a bad signature costs no lookup); a refunded
order's ticket admits nobody; two scanners racing give exactly one first check-in; undo."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from tests.unit.application.attendees.conftest import AttendeesKit, new_signer
from tests.unit.application.conftest import MakeMember

from ticketbase.adapters.memory.attendees import MemoryAttendeeRepository
from ticketbase.application.attendees.check_in import CheckInAttendee, CheckInCommand
from ticketbase.application.context import Actor
from ticketbase.domain.events.event import Event
from ticketbase.domain.events.ticket_type import TicketType
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.identity.permissions import Permission, Role
from ticketbase.domain.orders.attendee import Attendee
from ticketbase.domain.orders.errors import AttendeeNotFound, TicketVoid
from ticketbase.domain.shared.errors import PermissionDenied, StaleVersion
from ticketbase.domain.shared.ids import OrganizationId
from ticketbase.domain.shared.values import Money

pytestmark = pytest.mark.anyio


async def event_with_type(
    attendees: AttendeesKit, actor: Actor, name: str = "Summer Festival"
) -> tuple[Event, TicketType]:
    event = await attendees.events.event(actor, name)
    view = await attendees.events.ticket_type(actor, event.id)
    return event, view.ticket_type


def scan(attendee: Attendee, event: Event | None = None) -> CheckInCommand:
    return CheckInCommand(attendee.ticket_code.value, (event.id if event else attendee.event_id))


def flip(code: str, at: int) -> str:
    return code[:at] + ("B" if code[at] == "A" else "A") + code[at + 1 :]


async def test_the_first_scan_admits_audits_and_announces_once(
    attendees: AttendeesKit, owner: Actor, acme: Organization
) -> None:
    event, ticket_type = await event_with_type(attendees, owner)
    order, (ticket, other) = await attendees.paid_tickets(owner, event.id, ticket_type)
    first_time = attendees.clock.now()
    done = await attendees.check_in(scan(ticket), owner)
    assert done.check_in.already_checked_in is False
    assert done.check_in.checked_in_at == first_time
    assert done.attendee.id == ticket.id
    stored = attendees.stored(acme.id, ticket.id)
    assert stored.checked_in_at == first_time
    assert stored.version == ticket.version + 1
    assert attendees.stored(acme.id, other.id).checked_in_at is None
    (message,) = attendees.outbox(acme.id)
    assert message.topic == "attendee.checked_in"
    assert message.payload == {
        "organizationId": str(acme.id),
        "eventId": str(event.id),
        "attendeeId": str(ticket.id),
        "orderId": str(order.id),
        "ticketTypeId": str(ticket_type.id),
        "at": first_time.isoformat(),
    }
    (entry,) = attendees.audit(acme.id)
    assert (entry.action, entry.target_id, entry.actor_id) == (
        "attendee.checked_in",
        str(ticket.id),
        owner.user_id,
    )
    # Later scans answer the first time and change nothing.
    attendees.clock.advance(minutes=5)
    again = await attendees.check_in(scan(ticket), owner)
    assert again.check_in.already_checked_in is True
    assert again.check_in.checked_in_at == first_time
    assert attendees.stored(acme.id, ticket.id).version == stored.version
    assert len(attendees.outbox(acme.id)) == 1
    assert len(attendees.audit(acme.id)) == 1


async def test_a_code_that_does_not_verify_is_unknown_without_a_lookup(
    attendees: AttendeesKit, owner: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    event, ticket_type = await event_with_type(attendees, owner)
    _, (ticket,) = await attendees.paid_tickets(owner, event.id, ticket_type, 1)
    code = ticket.ticket_code.value
    payload_end = code.index(".")

    def no_transaction(*_: Any) -> AbstractAsyncContextManager[Any]:
        raise AssertionError("a code that does not verify costs no query")

    monkeypatch.setattr(attendees.uow, "for_tenant", no_transaction)
    forged = (
        flip(code, 3),  # in the payload
        flip(code, payload_end + 2),  # in the key id
        flip(code, len(code) - 5),  # in the signature
        code + "A",
        "not a ticket at all!",
        "https://example.com/?t=" + code,
        " ",
        new_signer().sign(OrganizationId(owner.organization_id), event.id, ticket.id).value,
    )
    for text in forged:
        with pytest.raises(AttendeeNotFound) as refused:
            await attendees.check_in(CheckInCommand(text, event.id), owner)
        assert refused.value.field == "ticketCode"


async def test_another_tenants_genuine_code_is_unknown(
    attendees: AttendeesKit, owner: Actor, rival: Actor, globex: Organization
) -> None:
    theirs, ticket_type = await event_with_type(attendees, rival, "Their Show")
    _, (ticket,) = await attendees.paid_tickets(rival, theirs.id, ticket_type, 1)
    with pytest.raises(AttendeeNotFound):
        await attendees.check_in(scan(ticket), owner)
    assert attendees.stored(globex.id, ticket.id).checked_in_at is None
    # Their own staff admit it.
    assert (await attendees.check_in(scan(ticket), rival)).check_in.already_checked_in is False


async def test_a_code_of_another_event_is_unknown_at_this_door(
    attendees: AttendeesKit, owner: Actor, acme: Organization
) -> None:
    event, ticket_type = await event_with_type(attendees, owner)
    elsewhere, _ = await event_with_type(attendees, owner, "Winter Gala")
    _, (ticket,) = await attendees.paid_tickets(owner, event.id, ticket_type, 1)
    with pytest.raises(AttendeeNotFound):
        await attendees.check_in(scan(ticket, elsewhere), owner)
    assert attendees.stored(acme.id, ticket.id).checked_in_at is None
    assert attendees.outbox(acme.id) == []


async def test_a_ticket_of_a_refunded_order_admits_nobody_a_partial_refund_keeps_it(
    attendees: AttendeesKit, owner: Actor, acme: Organization
) -> None:
    event, ticket_type = await event_with_type(attendees, owner)
    refunded, (void,) = await attendees.paid_tickets(owner, event.id, ticket_type, 1)
    partial, (kept,) = await attendees.paid_tickets(owner, event.id, ticket_type, 1)
    now = attendees.clock.now()
    attendees.stored_order(acme.id, refunded.id).refund(at=now)
    attendees.stored_order(acme.id, partial.id).refund(at=now, amount=Money(100, "EUR"))
    with pytest.raises(TicketVoid) as refused:
        await attendees.check_in(scan(void), owner)
    assert refused.value.code == "ticket_void"
    assert attendees.stored(acme.id, void.id).checked_in_at is None
    assert (await attendees.check_in(scan(kept), owner)).check_in.already_checked_in is False


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.MANAGER, Role.SUPPORT])
async def test_every_role_with_attendees_checkin_scans_and_undoes(
    attendees: AttendeesKit, owner: Actor, acme: Organization, make_member: MakeMember, role: Role
) -> None:
    event, ticket_type = await event_with_type(attendees, owner)
    _, (ticket,) = await attendees.paid_tickets(owner, event.id, ticket_type, 1)
    scanner = make_member(acme.id, role)
    assert (await attendees.check_in(scan(ticket), scanner)).check_in.already_checked_in is False
    assert await attendees.undo_check_in(ticket.id, scanner) is True


async def test_without_attendees_checkin_nobody_scans_or_undoes(
    attendees: AttendeesKit, owner: Actor, acme: Organization, make_member: MakeMember
) -> None:
    event, ticket_type = await event_with_type(attendees, owner)
    _, (ticket,) = await attendees.paid_tickets(owner, event.id, ticket_type, 1)
    await attendees.check_in(scan(ticket), owner)
    analyst = make_member(acme.id, Role.ANALYST)
    revoked = make_member(acme.id, Role.SUPPORT, revokes=[Permission.ATTENDEES_CHECKIN])
    for caller in (analyst, revoked):
        with pytest.raises(PermissionDenied):
            await attendees.check_in(scan(ticket), caller)
        with pytest.raises(PermissionDenied):
            await attendees.undo_check_in(ticket.id, caller)
    assert attendees.stored(acme.id, ticket.id).checked_in_at is not None
    granted = make_member(acme.id, Role.ANALYST, grants=[Permission.ATTENDEES_CHECKIN])
    assert await attendees.undo_check_in(ticket.id, granted) is True


async def test_a_scanner_that_loses_the_race_reads_again_and_is_told_already(
    attendees: AttendeesKit, owner: Actor, acme: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What PostgreSQL does to the slower of two scans: its save finds the version moved."""
    event, ticket_type = await event_with_type(attendees, owner)
    _, (ticket,) = await attendees.paid_tickets(owner, event.id, ticket_type, 1)
    other_scanner = CheckInAttendee(attendees.uow, attendees.clock, attendees.ids, attendees.signer)
    original = MemoryAttendeeRepository.save
    answers = []
    saves = 0

    async def racing_save(self: MemoryAttendeeRepository, attendee: Attendee) -> None:
        nonlocal saves
        saves += 1
        if saves == 1:  # the other scanner gets there first, between our read and our save
            answers.append(await other_scanner(scan(ticket), owner))
            raise StaleVersion("the attendee was changed meanwhile; reload and retry")
        await original(self, attendee)

    monkeypatch.setattr(MemoryAttendeeRepository, "save", racing_save)
    ours = await attendees.check_in(scan(ticket), owner)
    (theirs,) = answers
    assert theirs.check_in.already_checked_in is False
    assert ours.check_in.already_checked_in is True
    assert ours.check_in.checked_in_at == theirs.check_in.checked_in_at
    assert len(attendees.outbox(acme.id)) == 1
    assert [e.action for e in attendees.audit(acme.id)] == ["attendee.checked_in"]


async def test_a_version_that_keeps_moving_gives_up_with_a_conflict(
    attendees: AttendeesKit, owner: Actor, acme: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    event, ticket_type = await event_with_type(attendees, owner)
    _, (ticket,) = await attendees.paid_tickets(owner, event.id, ticket_type, 1)
    saves = 0

    async def always_stale(self: MemoryAttendeeRepository, attendee: Attendee) -> None:
        nonlocal saves
        saves += 1
        raise StaleVersion("the attendee was changed meanwhile; reload and retry")

    monkeypatch.setattr(MemoryAttendeeRepository, "save", always_stale)
    with pytest.raises(StaleVersion):
        await attendees.check_in(scan(ticket), owner)
    assert saves == 3
    assert attendees.outbox(acme.id) == []
    assert attendees.audit(acme.id) == []


async def test_undo_clears_the_check_in_once_and_a_new_scan_admits_again(
    attendees: AttendeesKit, owner: Actor, acme: Organization
) -> None:
    event, ticket_type = await event_with_type(attendees, owner)
    _, (ticket,) = await attendees.paid_tickets(owner, event.id, ticket_type, 1)
    # Undoing what is not there changes nothing.
    assert await attendees.undo_check_in(ticket.id, owner) is False
    assert attendees.stored(acme.id, ticket.id).version == ticket.version
    assert attendees.audit(acme.id) == []
    first = await attendees.check_in(scan(ticket), owner)
    attendees.clock.advance(minutes=1)
    assert await attendees.undo_check_in(ticket.id, owner) is True
    stored = attendees.stored(acme.id, ticket.id)
    assert stored.checked_in_at is None
    undone = attendees.audit(acme.id)[-1]
    assert undone.action == "attendee.check_in_undone"
    assert undone.changes == {
        "checkedInAt": {"from": first.check_in.checked_in_at.isoformat(), "to": None}
    }
    assert await attendees.undo_check_in(ticket.id, owner) is False
    attendees.clock.advance(minutes=1)
    again = await attendees.check_in(scan(ticket), owner)
    assert again.check_in.already_checked_in is False
    assert again.check_in.checked_in_at == attendees.clock.now()
    assert len(attendees.outbox(acme.id)) == 2


async def test_undo_of_an_unknown_or_foreign_attendee_is_not_found(
    attendees: AttendeesKit, owner: Actor, rival: Actor
) -> None:
    theirs, ticket_type = await event_with_type(attendees, rival, "Their Show")
    _, (ticket,) = await attendees.paid_tickets(rival, theirs.id, ticket_type, 1)
    await attendees.check_in(scan(ticket), rival)
    with pytest.raises(AttendeeNotFound):
        await attendees.undo_check_in(ticket.id, owner)
    with pytest.raises(AttendeeNotFound):
        await attendees.undo_check_in(ticket.order_id, owner)  # type: ignore[arg-type]
