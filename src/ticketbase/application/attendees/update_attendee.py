"""Give a ticket to someone else (``PUT /api/attendees/{id}``, ``orders:manage``): a new holder's
name and email; the ticket code stays, it names the ticket and not the person.

The audit row names the fields that changed and nothing more: a holder's name and email are
personal data, which the audit log (append-only, kept for years) must not collect."""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.application.attendees.loading import load_attendee
from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.orders.audit import staff_action
from ticketbase.application.ports.audit import JsonValue
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.orders.attendee import Attendee
from ticketbase.domain.shared.errors import StaleVersion
from ticketbase.domain.shared.ids import AttendeeId


@dataclass(frozen=True, slots=True)
class UpdateAttendeeCommand:
    """``expected_version``: from ``If-Match`` or the body; ``None`` skips the check (the
    repository still refuses a save over a change made meanwhile)."""

    attendee_id: AttendeeId
    full_name: str
    email: str
    expected_version: int | None = None


class UpdateAttendee:
    def __init__(self, uow: UnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    async def __call__(self, command: UpdateAttendeeCommand, actor: Actor) -> Attendee:
        organization_id = require(actor, Permission.ORDERS_MANAGE)
        now = self._clock.now()
        async with self._uow.for_tenant(organization_id) as tx:
            attendee = await load_attendee(tx, command.attendee_id)
            if command.expected_version not in (None, attendee.version):
                raise StaleVersion(
                    f"the attendee is at version {attendee.version}; reload and retry"
                )
            before = (attendee.full_name, attendee.email)
            if attendee.rename(full_name=command.full_name, email=command.email, now=now):
                changes: dict[str, JsonValue] = {}
                if attendee.full_name != before[0]:
                    changes["fullName"] = "changed"
                if attendee.email != before[1]:
                    changes["email"] = "changed"
                await tx.attendees.save(attendee)
                await tx.audit.append(
                    staff_action(
                        actor,
                        "attendee.updated",
                        "attendee",
                        attendee.id,
                        at=now,
                        entry_id=self._ids.new(),
                        changes=changes,
                    )
                )
                await tx.commit()
        return attendee
