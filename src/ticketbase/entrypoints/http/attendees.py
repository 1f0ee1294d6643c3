"""Attendees and the door, for staff: ``/api/events/{id}/attendees`` and ``/check-ins``,
``/api/attendees/{id}`` and ``/api/check-ins``.

Reading needs ``orders:read``, changing a holder ``orders:manage``, scanning and undoing
``attendees:checkin``. An attendee or event of another tenant answers 404 like a missing one;
so does a ticket code that does not verify, another tenant's and another event's."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Controller, delete, get, post, put
from litestar.params import FromPath, JSONBody, QueryParameter

from ticketbase.application.attendees.check_in import CheckInAttendee, CheckInCommand
from ticketbase.application.attendees.check_in_counts import GetCheckInCounts
from ticketbase.application.attendees.get_attendee import GetAttendee
from ticketbase.application.attendees.list_attendees import ListAttendees
from ticketbase.application.attendees.undo_check_in import UndoCheckIn
from ticketbase.application.attendees.update_attendee import (
    UpdateAttendee,
    UpdateAttendeeCommand,
)
from ticketbase.application.context import Actor
from ticketbase.application.pagination import MAX_LIMIT
from ticketbase.application.ports.attendees import AttendeeFilter
from ticketbase.domain.orders.attendee import Attendee
from ticketbase.domain.shared.ids import AttendeeId, EventId, TicketTypeId
from ticketbase.entrypoints.http.events import IfMatch, Version
from ticketbase.entrypoints.http.orders import Email, FullName
from ticketbase.entrypoints.http.pagination import next_cursor, page_request
from ticketbase.entrypoints.http.versioning import expected_version
from ticketbase.entrypoints.http.wire import BEARER, Wire

Unset = msgspec.UnsetType
UNSET = msgspec.UNSET

# --- wire structs ------------------------------------------------------------------------------


class StaffAttendeeResponse(Wire):
    """One ticket as staff see it: its holder, its signed ``ticketCode``, its order and whether
    (since when) it is checked in."""

    id: UUID
    order_id: UUID
    event_id: UUID
    ticket_type_id: UUID
    full_name: str
    email: str
    ticket_code: str
    checked_in_at: datetime | None
    issued_at: datetime
    updated_at: datetime
    version: int


class AttendeePage(Wire):
    items: list[StaffAttendeeResponse]
    next_cursor: str | None


class UpdateAttendeeRequest(Wire):
    """The new holder; ``version`` (or ``If-Match``) guards against overwriting a change."""

    full_name: FullName
    email: Email
    version: Version | Unset = UNSET


class CheckInRequest(Wire):
    """``ticketCode`` as the scanner read it from the QR code; ``eventId``: the door's event."""

    ticket_code: Annotated[str, msgspec.Meta(min_length=1, max_length=2048)]
    event_id: UUID


class CheckInResponse(Wire):
    """``checkedInAt`` is the first check-in's time; ``alreadyCheckedIn`` tells a repeated
    scan (nothing changed) from the first."""

    attendee: StaffAttendeeResponse
    checked_in_at: datetime
    already_checked_in: bool


class TicketTypeCheckIns(Wire):
    ticket_type_id: UUID
    name: str
    issued: int
    checked_in: int


class CheckInCountsResponse(Wire):
    """Tickets that admit (of paid or partially refunded orders) and how many are in, in total
    and per ticket type of the event (those with none at zero)."""

    event_id: UUID
    issued: int
    checked_in: int
    ticket_types: list[TicketTypeCheckIns]


def staff_attendee(attendee: Attendee) -> StaffAttendeeResponse:
    return StaffAttendeeResponse(
        id=attendee.id,
        order_id=attendee.order_id,
        event_id=attendee.event_id,
        ticket_type_id=attendee.ticket_type_id,
        full_name=attendee.full_name,
        email=attendee.email.value,
        ticket_code=attendee.ticket_code.value,
        checked_in_at=attendee.checked_in_at,
        issued_at=attendee.issued_at,
        updated_at=attendee.updated_at,
        version=attendee.version,
    )


# --- the controllers ---------------------------------------------------------------------------


class AttendeeController(Controller):
    path = "/api"
    tags = ["attendees"]
    security = BEARER

    @get(
        "/events/{id:uuid}/attendees",
        summary="An event's attendees (orders:read)",
        description="Newest first. `ticketTypeId` and `checkedIn` narrow the list; `q` finds a"
        " fragment of the holder's name or email (case-insensitive). Another tenant's event"
        " → 404.",
    )
    async def list_attendees(
        self,
        id: FromPath[UUID],
        actor: FromDishka[Actor],
        use_case: FromDishka[ListAttendees],
        ticket_type_id: Annotated[UUID | None, QueryParameter(name="ticketTypeId")] = None,
        checked_in: Annotated[bool | None, QueryParameter(name="checkedIn")] = None,
        q: Annotated[str | None, QueryParameter(max_length=200)] = None,
        limit: Annotated[int | None, QueryParameter(ge=1, le=MAX_LIMIT)] = None,
        cursor: Annotated[str | None, QueryParameter(max_length=64)] = None,
    ) -> AttendeePage:
        where = AttendeeFilter(
            ticket_type_id=None if ticket_type_id is None else TicketTypeId(ticket_type_id),
            checked_in=checked_in,
            q=q or None,
        )
        page = await use_case(EventId(id), where, page_request(limit, cursor), actor)
        return AttendeePage(
            items=[staff_attendee(a) for a in page.items], next_cursor=next_cursor(page)
        )

    @get(
        "/events/{id:uuid}/check-ins",
        summary="An event's check-in counts (orders:read)",
        description="Per ticket type and in total: the tickets that admit (of paid or partially"
        " refunded orders) and how many of them are checked in.",
    )
    async def check_in_counts(
        self, id: FromPath[UUID], actor: FromDishka[Actor], use_case: FromDishka[GetCheckInCounts]
    ) -> CheckInCountsResponse:
        summary = await use_case(EventId(id), actor)
        return CheckInCountsResponse(
            event_id=summary.event_id,
            issued=summary.issued,
            checked_in=summary.checked_in,
            ticket_types=[
                TicketTypeCheckIns(
                    ticket_type_id=t.ticket_type_id,
                    name=t.name,
                    issued=t.issued,
                    checked_in=t.checked_in,
                )
                for t in summary.ticket_types
            ],
        )

    @get("/attendees/{id:uuid}", summary="Read an attendee (orders:read)")
    async def get_attendee(
        self, id: FromPath[UUID], actor: FromDishka[Actor], use_case: FromDishka[GetAttendee]
    ) -> StaffAttendeeResponse:
        return staff_attendee(await use_case(AttendeeId(id), actor))

    @put(
        "/attendees/{id:uuid}",
        summary="Give a ticket to another holder (orders:manage; If-Match or version)",
        description="The ticket code stays. A stale `If-Match` or `version` → 409"
        " `version_conflict`.",
    )
    async def update_attendee(
        self,
        id: FromPath[UUID],
        data: JSONBody[UpdateAttendeeRequest],
        actor: FromDishka[Actor],
        use_case: FromDishka[UpdateAttendee],
        if_match: IfMatch = None,
    ) -> StaffAttendeeResponse:
        command = UpdateAttendeeCommand(
            attendee_id=AttendeeId(id),
            full_name=data.full_name,
            email=data.email,
            expected_version=expected_version(if_match, data.version),
        )
        return staff_attendee(await use_case(command, actor))


class CheckInController(Controller):
    path = "/api/check-ins"
    tags = ["attendees"]
    security = BEARER

    @post(
        "/",
        status_code=200,
        summary="Check a ticket in (attendees:checkin)",
        description="The code's signature is checked first: a forged or garbled code, another"
        " tenant's, or one of another event → 404. A ticket of a cancelled or fully refunded"
        " order → 409 `ticket_void`. Scanning a ticket again answers the first check-in's time"
        " with `alreadyCheckedIn: true` and changes nothing; of simultaneous scans exactly one"
        " is the first.",
    )
    async def check_in(
        self,
        data: JSONBody[CheckInRequest],
        actor: FromDishka[Actor],
        use_case: FromDishka[CheckInAttendee],
    ) -> CheckInResponse:
        command = CheckInCommand(ticket_code=data.ticket_code, event_id=EventId(data.event_id))
        done = await use_case(command, actor)
        return CheckInResponse(
            attendee=staff_attendee(done.attendee),
            checked_in_at=done.check_in.checked_in_at,
            already_checked_in=done.check_in.already_checked_in,
        )

    @delete(
        "/{attendeeId:uuid}",
        status_code=204,
        summary="Undo a check-in (attendees:checkin)",
        description="A ticket that is not checked in stays so, with the same 204.",
    )
    async def undo_check_in(
        self,
        attendeeId: FromPath[UUID],  # the name API.md gives it
        actor: FromDishka[Actor],
        use_case: FromDishka[UndoCheckIn],
    ) -> None:
        await use_case(AttendeeId(attendeeId), actor)
