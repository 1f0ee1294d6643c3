"""Reading and correcting attendees and counting the door on the memory adapters: an event's
list (filters, newest first, pages), one attendee, a new holder under its version with an audit
row that names fields but holds no personal data, the counts per ticket type; each behind its
permission and its tenant."""

from __future__ import annotations

import pytest
from tests.unit.application.attendees.conftest import AttendeesKit
from tests.unit.application.attendees.test_check_in import event_with_type, scan
from tests.unit.application.conftest import MakeMember

from ticketbase.application.attendees.update_attendee import UpdateAttendeeCommand
from ticketbase.application.context import Actor
from ticketbase.application.pagination import PageRequest
from ticketbase.application.ports.attendees import AttendeeFilter
from ticketbase.domain.events.errors import EventNotFound
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.identity.permissions import Permission, Role
from ticketbase.domain.orders.errors import AttendeeNotFound
from ticketbase.domain.shared.errors import PermissionDenied, RuleViolated, StaleVersion
from ticketbase.domain.shared.ids import EventId

pytestmark = pytest.mark.anyio
ALL = AttendeeFilter()


async def test_an_events_attendees_newest_first_filtered_and_paged(
    attendees: AttendeesKit, owner: Actor, acme: Organization, make_member: MakeMember
) -> None:
    event, general = await event_with_type(attendees, owner)
    vip = (await attendees.events.ticket_type(owner, event.id, "VIP")).ticket_type
    _, ada = await attendees.paid_tickets(owner, event.id, general, 2)
    _, grace = await attendees.paid_tickets(
        owner, event.id, vip, 1, buyer="Grace Hopper", email="grace@navy.example"
    )
    elsewhere, other_type = await event_with_type(attendees, owner, "Winter Gala")
    await attendees.paid_tickets(owner, elsewhere.id, other_type, 1)
    await attendees.check_in(scan(ada[0]), owner)
    analyst = make_member(acme.id, Role.ANALYST)  # orders:read

    async def ids(where: AttendeeFilter = ALL, page: PageRequest | None = None) -> list[object]:
        found = await attendees.list_attendees(event.id, where, page or PageRequest(), analyst)
        return [a.id for a in found.items]

    everyone = [grace[0].id, ada[1].id, ada[0].id]
    assert await ids() == everyone
    assert await ids(AttendeeFilter(ticket_type_id=vip.id)) == [grace[0].id]
    assert await ids(AttendeeFilter(checked_in=True)) == [ada[0].id]
    assert await ids(AttendeeFilter(checked_in=False)) == [grace[0].id, ada[1].id]
    assert await ids(AttendeeFilter(q="HOPPER")) == [grace[0].id]
    assert await ids(AttendeeFilter(q="navy.EX")) == [grace[0].id]
    assert await ids(AttendeeFilter(q="nobody")) == []
    first = await attendees.list_attendees(event.id, ALL, PageRequest(limit=2), analyst)
    assert [a.id for a in first.items] == everyone[:2]
    assert first.next_after == everyone[1]
    rest = await attendees.list_attendees(
        event.id, ALL, PageRequest(limit=2, after=first.next_after), analyst
    )
    assert [a.id for a in rest.items] == everyone[2:]
    assert rest.next_after is None


async def test_another_tenants_event_and_attendee_are_not_found(
    attendees: AttendeesKit, owner: Actor, rival: Actor
) -> None:
    theirs, ticket_type = await event_with_type(attendees, rival, "Their Show")
    _, (ticket,) = await attendees.paid_tickets(rival, theirs.id, ticket_type, 1)
    with pytest.raises(EventNotFound):
        await attendees.list_attendees(theirs.id, ALL, PageRequest(), owner)
    with pytest.raises(EventNotFound):
        await attendees.counts(theirs.id, owner)
    with pytest.raises(EventNotFound):
        await attendees.list_attendees(EventId(ticket.id), ALL, PageRequest(), owner)
    with pytest.raises(AttendeeNotFound):
        await attendees.get_attendee(ticket.id, owner)
    with pytest.raises(AttendeeNotFound):
        await attendees.update_attendee(
            UpdateAttendeeCommand(ticket.id, "Mallory", "mallory@example.com"), owner
        )
    assert (await attendees.get_attendee(ticket.id, rival)).full_name == "Ada Lovelace"


async def test_a_new_holder_under_the_current_version_audited_by_field_name_only(
    attendees: AttendeesKit, owner: Actor, acme: Organization, make_member: MakeMember
) -> None:
    event, ticket_type = await event_with_type(attendees, owner)
    _, (ticket,) = await attendees.paid_tickets(owner, event.id, ticket_type, 1)
    support = make_member(acme.id, Role.SUPPORT)  # orders:manage
    attendees.clock.advance(minutes=3)
    renamed = await attendees.update_attendee(
        UpdateAttendeeCommand(ticket.id, "  Grace   Hopper ", "Grace@Navy.example", 1), support
    )
    assert (renamed.full_name, renamed.email.value) == ("Grace Hopper", "grace@navy.example")
    assert renamed.ticket_code == ticket.ticket_code
    assert (renamed.version, renamed.updated_at) == (2, attendees.clock.now())
    assert attendees.stored(acme.id, ticket.id).full_name == "Grace Hopper"
    (entry,) = attendees.audit(acme.id)
    assert (entry.action, entry.target_id, entry.actor_id) == (
        "attendee.updated",
        str(ticket.id),
        support.user_id,
    )
    assert entry.changes == {"fullName": "changed", "email": "changed"}
    # Only the email: only it is named.
    await attendees.update_attendee(
        UpdateAttendeeCommand(ticket.id, "Grace Hopper", "grace@example.org"), support
    )
    assert attendees.audit(acme.id)[-1].changes == {"email": "changed"}
    # The same holder again changes nothing, audits nothing.
    same = await attendees.update_attendee(
        UpdateAttendeeCommand(ticket.id, "Grace Hopper", "GRACE@example.org", 3), support
    )
    assert same.version == 3
    assert len(attendees.audit(acme.id)) == 2


async def test_a_stale_version_or_a_bad_input_changes_nothing(
    attendees: AttendeesKit, owner: Actor, acme: Organization
) -> None:
    event, ticket_type = await event_with_type(attendees, owner)
    _, (ticket,) = await attendees.paid_tickets(owner, event.id, ticket_type, 1)
    await attendees.check_in(scan(ticket), owner)  # version 2 now
    with pytest.raises(StaleVersion) as stale:
        await attendees.update_attendee(
            UpdateAttendeeCommand(ticket.id, "Grace Hopper", "grace@example.org", 1), owner
        )
    assert stale.value.code == "version_conflict"
    with pytest.raises(RuleViolated) as bad_email:
        await attendees.update_attendee(
            UpdateAttendeeCommand(ticket.id, "Grace Hopper", "not-an-email", 2), owner
        )
    assert bad_email.value.field == "email"
    with pytest.raises(RuleViolated) as blank:
        await attendees.update_attendee(
            UpdateAttendeeCommand(ticket.id, "   ", "grace@example.org", 2), owner
        )
    assert blank.value.field == "fullName"
    stored = attendees.stored(acme.id, ticket.id)
    assert (stored.full_name, stored.version) == ("Ada Lovelace", 2)
    assert [e.action for e in attendees.audit(acme.id)] == ["attendee.checked_in"]


async def test_reading_needs_orders_read_and_changing_needs_orders_manage(
    attendees: AttendeesKit, owner: Actor, acme: Organization, make_member: MakeMember
) -> None:
    event, ticket_type = await event_with_type(attendees, owner)
    _, (ticket,) = await attendees.paid_tickets(owner, event.id, ticket_type, 1)
    analyst = make_member(acme.id, Role.ANALYST)
    assert (await attendees.get_attendee(ticket.id, analyst)).id == ticket.id
    assert (await attendees.counts(event.id, analyst)).issued == 1
    with pytest.raises(PermissionDenied):
        await attendees.update_attendee(
            UpdateAttendeeCommand(ticket.id, "Grace Hopper", "grace@example.org"), analyst
        )
    blind = make_member(acme.id, Role.SUPPORT, revokes=[Permission.ORDERS_READ])
    for read in (
        attendees.get_attendee(ticket.id, blind),
        attendees.list_attendees(event.id, ALL, PageRequest(), blind),
        attendees.counts(event.id, blind),
    ):
        with pytest.raises(PermissionDenied):
            await read


async def test_counts_per_ticket_type_of_admitting_orders_with_totals(
    attendees: AttendeesKit, owner: Actor, acme: Organization
) -> None:
    event, general = await event_with_type(attendees, owner)
    vip = (await attendees.events.ticket_type(owner, event.id, "VIP")).ticket_type
    empty = (await attendees.events.ticket_type(owner, event.id, "Balcony")).ticket_type
    _, tickets = await attendees.paid_tickets(owner, event.id, general, 3)
    refunded, _ = await attendees.paid_tickets(owner, event.id, general, 2)
    _, (vip_ticket,) = await attendees.paid_tickets(owner, event.id, vip, 1)
    for ticket in (tickets[0], tickets[1], vip_ticket):
        await attendees.check_in(scan(ticket), owner)
    attendees.stored_order(acme.id, refunded.id).refund(at=attendees.clock.now())
    summary = await attendees.counts(event.id, owner)
    assert (summary.event_id, summary.issued, summary.checked_in) == (event.id, 4, 3)
    rows = {t.name: (t.ticket_type_id, t.issued, t.checked_in) for t in summary.ticket_types}
    assert rows == {
        "General": (general.id, 3, 2),
        "VIP": (vip.id, 1, 1),
        "Balcony": (empty.id, 0, 0),
    }
