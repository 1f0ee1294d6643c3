"""The attendees use cases on the in-memory adapters, with a real Ed25519 signer.

Events and ticket types come from the events kit; a paid order and its signed tickets are
stored as the payment's transaction stores them (the payment itself is tested elsewhere)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from tests.unit.application.events.conftest import EventsKit, acme, globex, kit, owner, rival

from ticketbase.adapters.memory.system import FixedClock, SequentialIds
from ticketbase.adapters.memory.unit_of_work import MemoryUnitOfWork
from ticketbase.adapters.security.ticket_codes import (
    Ed25519TicketSigner,
    TicketSigningKeys,
    generate_private_key,
)
from ticketbase.application.attendees.check_in import CheckInAttendee
from ticketbase.application.attendees.check_in_counts import GetCheckInCounts
from ticketbase.application.attendees.get_attendee import GetAttendee
from ticketbase.application.attendees.list_attendees import ListAttendees
from ticketbase.application.attendees.undo_check_in import UndoCheckIn
from ticketbase.application.attendees.update_attendee import UpdateAttendee
from ticketbase.application.context import Actor
from ticketbase.application.ports.audit import AuditEntry
from ticketbase.application.ports.outbox import OutboxMessage
from ticketbase.domain.events.ticket_type import TicketType
from ticketbase.domain.orders.attendee import Attendee
from ticketbase.domain.orders.buyer import Buyer
from ticketbase.domain.orders.order import Order, OrderNumber
from ticketbase.domain.orders.quote import PricedLine, Totals
from ticketbase.domain.shared.ids import AttendeeId, EventId, OrderId, OrganizationId
from ticketbase.domain.shared.values import EmailAddress

__all__ = ["AttendeesKit", "acme", "attendees", "globex", "kit", "owner", "rival"]


@dataclass
class AttendeesKit:
    events: EventsKit
    uow: MemoryUnitOfWork
    clock: FixedClock
    ids: SequentialIds
    signer: Ed25519TicketSigner
    list_attendees: ListAttendees
    get_attendee: GetAttendee
    update_attendee: UpdateAttendee
    check_in: CheckInAttendee
    undo_check_in: UndoCheckIn
    counts: GetCheckInCounts

    async def paid_tickets(
        self,
        actor: Actor,
        event_id: EventId,
        ticket_type: TicketType,
        quantity: int = 2,
        *,
        buyer: str = "Ada Lovelace",
        email: str = "ada@example.com",
    ) -> tuple[Order, list[Attendee]]:
        """A paid order of ``quantity`` tickets of ``ticket_type``, stored with its tickets."""
        assert actor.organization_id is not None
        organization_id = actor.organization_id
        now = self.clock.now()
        line = PricedLine.price(
            ticket_type, quantity, unit_price=ticket_type.price, discount=ticket_type.price * 0
        )
        async with self.uow.for_tenant(organization_id) as tx:
            order = Order(
                id=OrderId(self.ids.new()),
                organization_id=organization_id,
                event_id=event_id,
                number=OrderNumber.from_sequence(await tx.orders.next_number()),
                buyer=Buyer(buyer, EmailAddress.parse(email)),
                lines=(line,),
                totals=Totals.of((line,)),
                created_at=now,
                expires_at=now + timedelta(minutes=15),
                updated_at=now,
            )
            order.pay(at=now, amount=order.total, reference=f"ref-{order.id}", provider="manual")
            ids = [AttendeeId(self.ids.new()) for _ in range(quantity)]
            codes = [self.signer.sign(organization_id, event_id, i) for i in ids]
            tickets = Attendee.issue_all(order, ids=ids, codes=codes, now=now)
            await tx.orders.add(order, b"hash")
            await tx.attendees.add_all(tickets)
            await tx.commit()
        return order, tickets

    def stored(self, organization_id: OrganizationId, attendee_id: AttendeeId) -> Attendee:
        return self.uow.database.state.attendees[organization_id][attendee_id]

    def stored_order(self, organization_id: OrganizationId, order_id: OrderId) -> Order:
        return self.uow.database.state.orders[organization_id][order_id][0]

    def audit(self, organization_id: OrganizationId) -> list[AuditEntry]:
        return [
            e
            for org, e in self.uow.database.state.audit
            if org == organization_id and e.target_type == "attendee"
        ]

    def outbox(self, organization_id: OrganizationId) -> list[OutboxMessage]:
        return [
            m
            for org, m in self.uow.database.state.outbox
            if org == organization_id and m.topic.startswith("attendee.")
        ]


def new_signer() -> Ed25519TicketSigner:
    return Ed25519TicketSigner(TicketSigningKeys.parse([generate_private_key()]))


@pytest.fixture
def attendees(kit: EventsKit) -> AttendeesKit:
    uow, clock, ids, signer = kit.uow, kit.clock, kit.ids, new_signer()
    return AttendeesKit(
        events=kit,
        uow=uow,
        clock=clock,
        ids=ids,
        signer=signer,
        list_attendees=ListAttendees(uow),
        get_attendee=GetAttendee(uow),
        update_attendee=UpdateAttendee(uow, clock, ids),
        check_in=CheckInAttendee(uow, clock, ids, signer),
        undo_check_in=UndoCheckIn(uow, clock, ids),
        counts=GetCheckInCounts(uow),
    )
