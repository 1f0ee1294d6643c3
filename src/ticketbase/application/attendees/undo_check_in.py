"""Undo a check-in made by mistake (``DELETE /api/check-ins/{attendeeId}``,
``attendees:checkin``). A ticket that is not checked in stays as it is and the answer is the
same (the request's goal, "not checked in", holds either way); only a real undo is audited.
Racing a scan of the same ticket, a save that finds the version moved reads again (a few
times), as the check-in does."""

from __future__ import annotations

from ticketbase.application.attendees.loading import load_attendee
from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.orders.audit import staff_action
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.shared.errors import StaleVersion
from ticketbase.domain.shared.ids import AttendeeId, OrganizationId

ATTEMPTS = 3


class UndoCheckIn:
    def __init__(self, uow: UnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    async def __call__(self, attendee_id: AttendeeId, actor: Actor) -> bool:
        """``False`` when it was not checked in."""
        organization_id = require(actor, Permission.ATTENDEES_CHECKIN)
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return await self._attempt(organization_id, attendee_id, actor)
            except StaleVersion:
                if attempt == ATTEMPTS:
                    raise
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _attempt(
        self, organization_id: OrganizationId, attendee_id: AttendeeId, actor: Actor
    ) -> bool:
        now = self._clock.now()
        async with self._uow.for_tenant(organization_id) as tx:
            attendee = await load_attendee(tx, attendee_id)
            was = attendee.checked_in_at
            if was is None:
                return False
            attendee.undo_check_in(now=now)
            await tx.attendees.save(attendee)
            await tx.audit.append(
                staff_action(
                    actor,
                    "attendee.check_in_undone",
                    "attendee",
                    attendee.id,
                    at=now,
                    entry_id=self._ids.new(),
                    changes={"checkedInAt": {"from": was.isoformat(), "to": None}},
                )
            )
            await tx.commit()
        return True
