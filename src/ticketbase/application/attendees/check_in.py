"""Admit a ticket at the door (``POST /api/check-ins``, ``attendees:checkin``).

1. **The signature first.** A code that does not verify (forged, altered by one character,
   garbled, signed by an unknown key) is not found, and costs no query. A genuine code of
   another tenant, or of another event than the scanner's, is not found either: a scanner
   learns nothing about tickets it may not admit.
2. **The ticket and its order** are read in the tenant's transaction; a ticket of a cancelled
   or fully refunded order admits nobody (``TicketVoid``, 409).
3. **Once.** The first scan records the time, audits it and announces ``attendee.checked_in``
   through the outbox, all in one transaction; any later scan answers the first time with
   ``already_checked_in`` and changes nothing.

Two scanners at the same ticket at the same moment: both read it unchecked, both try to save
version *n + 1* over *n*; the database lets one through and the other's save finds the version
moved (``StaleVersion``). The loser reads again in a new transaction and now sees the first
check-in, so exactly one answer says "first time". A version that keeps moving (someone undoes
and redoes in a loop) gives up after a few reads with the 409 of the conflict."""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.application.attendees.announcements import attendee_checked_in
from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.orders.audit import staff_action
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.tickets import TicketClaims, TicketSigner
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.orders.attendee import Attendee, CheckIn, TicketCode
from ticketbase.domain.orders.errors import AttendeeNotFound, OrderNotFound
from ticketbase.domain.shared.errors import RuleViolated, StaleVersion
from ticketbase.domain.shared.ids import EventId, OrganizationId

ATTEMPTS = 3
_UNKNOWN = "no such ticket for this event"


@dataclass(frozen=True, slots=True)
class CheckInCommand:
    ticket_code: str
    """As the scanner read it: anything, until its signature verifies."""
    event_id: EventId


@dataclass(frozen=True, slots=True)
class CheckedIn:
    attendee: Attendee
    check_in: CheckIn


class CheckInAttendee:
    def __init__(
        self, uow: UnitOfWork, clock: Clock, ids: IdGenerator, signer: TicketSigner
    ) -> None:
        self._uow, self._clock, self._ids, self._signer = uow, clock, ids, signer

    async def __call__(self, command: CheckInCommand, actor: Actor) -> CheckedIn:
        organization_id = require(actor, Permission.ATTENDEES_CHECKIN)
        code, claims = self._verified(command.ticket_code)
        if claims.organization_id != organization_id or claims.event_id != command.event_id:
            raise AttendeeNotFound(_UNKNOWN, field="ticketCode")
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return await self._attempt(organization_id, code, claims, command, actor)
            except StaleVersion:
                if attempt == ATTEMPTS:
                    raise
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _verified(self, raw: str) -> tuple[TicketCode, TicketClaims]:
        try:
            code = TicketCode.parse(raw)
        except RuleViolated:
            raise AttendeeNotFound(_UNKNOWN, field="ticketCode") from None
        claims = self._signer.verify(code)
        if claims is None:
            raise AttendeeNotFound(_UNKNOWN, field="ticketCode")
        return code, claims

    async def _attempt(
        self,
        organization_id: OrganizationId,
        code: TicketCode,
        claims: TicketClaims,
        command: CheckInCommand,
        actor: Actor,
    ) -> CheckedIn:
        now = self._clock.now()
        async with self._uow.for_tenant(organization_id) as tx:
            attendee = await tx.attendees.by_code(code)
            if attendee is None or attendee.id != claims.attendee_id:
                raise AttendeeNotFound(_UNKNOWN, field="ticketCode")
            order = await tx.orders.get(attendee.order_id)
            if order is None:  # an attendee always has its order (foreign key)
                raise OrderNotFound("the ticket's order is gone")
            check_in = attendee.check_in(
                at=now, event_id=command.event_id, order_status=order.status
            )
            if check_in.already_checked_in:
                return CheckedIn(attendee, check_in)
            await tx.attendees.save(attendee)
            await tx.outbox.add(
                attendee_checked_in(organization_id, attendee, now, self._ids.new())
            )
            await tx.audit.append(
                staff_action(
                    actor,
                    "attendee.checked_in",
                    "attendee",
                    attendee.id,
                    at=now,
                    entry_id=self._ids.new(),
                    changes={"eventId": str(attendee.event_id)},
                )
            )
            await tx.commit()
        return CheckedIn(attendee, check_in)
