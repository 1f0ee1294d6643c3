"""Reading an attendee inside a tenant transaction: another tenant's id reads as missing (row
level security), so it answers exactly like an id that never existed."""

from __future__ import annotations

from ticketbase.application.ports.unit_of_work import TenantTransaction
from ticketbase.domain.orders.attendee import Attendee
from ticketbase.domain.orders.errors import AttendeeNotFound
from ticketbase.domain.shared.ids import AttendeeId


async def load_attendee(tx: TenantTransaction, attendee_id: AttendeeId) -> Attendee:
    attendee = await tx.attendees.get(attendee_id)
    if attendee is None:
        raise AttendeeNotFound("no such attendee")
    return attendee
