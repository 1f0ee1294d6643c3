"""``/api/privacy``: a data subject's records exported or erased (``organization:update``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Controller, get, post
from litestar.params import QueryParameter

from ticketbase.application.context import Actor
from ticketbase.application.ports.audit import AuditEntry
from ticketbase.application.privacy.erase_personal_data import ErasePersonalData
from ticketbase.application.privacy.export_personal_data import ExportPersonalData
from ticketbase.application.privacy.subject import PersonalRecords
from ticketbase.domain.orders.attendee import Attendee
from ticketbase.domain.orders.order import Order
from ticketbase.domain.shared.values import EmailAddress
from ticketbase.entrypoints.http.audit import AuditEntryWire
from ticketbase.entrypoints.http.events import MoneyWire
from ticketbase.entrypoints.http.wire import BEARER, Wire

OWNER = "Needs `organization:update` (owners by default)."
Email = Annotated[str, msgspec.Meta(min_length=3, max_length=320)]


class PersonWire(Wire):
    full_name: str
    email: str


class NamedAttendeeWire(PersonWire):
    ticket_type_id: UUID


class PersonalOrderWire(Wire):
    """An order as far as it concerns the person: ``buyer`` only when they bought it, and of
    the named attendees only their own entries (the others are other people)."""

    id: UUID
    number: str
    event_id: UUID
    status: str
    buyer: PersonWire | None
    named_attendees: list[NamedAttendeeWire]
    total: MoneyWire
    created_at: datetime
    paid_at: datetime | None


class PersonalAttendeeWire(Wire):
    id: UUID
    order_id: UUID
    event_id: UUID
    ticket_type_id: UUID
    full_name: str
    email: str
    issued_at: datetime
    checked_in_at: datetime | None


class CheckInWire(Wire):
    attendee_id: UUID
    event_id: UUID
    at: datetime


class MembershipWire(Wire):
    id: UUID
    user_id: UUID
    full_name: str
    email: str
    role: str
    status: str
    department_id: UUID | None
    created_at: datetime
    last_login_at: datetime | None


class PersonalDataExport(Wire):
    email: str
    orders: list[PersonalOrderWire]
    attendees: list[PersonalAttendeeWire]
    check_ins: list[CheckInWire]
    membership: MembershipWire | None
    audit: list[AuditEntryWire]


class EraseRequest(Wire):
    email: Email


class ErasureResponse(Wire):
    orders: int
    attendees: int
    membership_deactivated: bool
    sessions_ended: int


def _order(order: Order, email: EmailAddress) -> PersonalOrderWire:
    buyer = order.buyer
    return PersonalOrderWire(
        id=order.id,
        number=order.number.value,
        event_id=order.event_id,
        status=order.status.value,
        buyer=PersonWire(full_name=buyer.full_name, email=buyer.email.value)
        if buyer.email == email
        else None,
        named_attendees=[
            NamedAttendeeWire(
                ticket_type_id=a.ticket_type_id, full_name=a.full_name, email=a.email.value
            )
            for a in order.attendees
            if a.email == email
        ],
        total=MoneyWire(amount=order.total.amount, currency=order.total.currency),
        created_at=order.created_at,
        paid_at=order.paid_at,
    )


def _attendee(a: Attendee) -> PersonalAttendeeWire:
    return PersonalAttendeeWire(
        id=a.id,
        order_id=a.order_id,
        event_id=a.event_id,
        ticket_type_id=a.ticket_type_id,
        full_name=a.full_name,
        email=a.email.value,
        issued_at=a.issued_at,
        checked_in_at=a.checked_in_at,
    )


def _audit(e: AuditEntry) -> AuditEntryWire:
    return AuditEntryWire(
        id=e.id,
        at=e.at,
        actor=e.actor_id,
        action=e.action,
        target_type=e.target_type,
        target_id=e.target_id,
        ip=e.meta.ip,
        user_agent=e.meta.user_agent,
        request_id=e.meta.request_id,
        changes=dict(e.changes),
    )


def _export(records: PersonalRecords) -> PersonalDataExport:
    member = records.member
    membership = None
    if member is not None:
        m = member.membership
        membership = MembershipWire(
            id=m.id,
            user_id=m.user_id,
            full_name=member.full_name,
            email=member.email.value,
            role=m.role.value,
            status=m.status.value,
            department_id=m.department_id,
            created_at=m.created_at,
            last_login_at=m.last_login_at,
        )
    return PersonalDataExport(
        email=records.email.value,
        orders=[_order(o, records.email) for o in records.orders],
        attendees=[_attendee(a) for a in records.attendees],
        check_ins=[
            CheckInWire(attendee_id=a.id, event_id=a.event_id, at=a.checked_in_at)
            for a in records.attendees
            if a.checked_in_at is not None
        ],
        membership=membership,
        audit=[_audit(e) for e in records.audit],
    )


class PrivacyController(Controller):
    path = "/api/privacy"
    tags = ["privacy"]
    security = BEARER

    @get(
        "/export",
        summary="Export a person's records in this organization",
        description=OWNER
        + " Every order they bought or are named on, their tickets and check-ins, their"
        " membership if their account belongs to the organization, and the audit rows they"
        " wrote or that name those records. Audited as `privacy.exported` (the person named by"
        " a keyed hash, never the address). An unknown email answers empty lists.",
    )
    async def export(
        self,
        actor: FromDishka[Actor],
        use_case: FromDishka[ExportPersonalData],
        email: Annotated[str, QueryParameter(min_length=3, max_length=320)],
    ) -> PersonalDataExport:
        return _export(await use_case(email, actor))

    @post(
        "/erase",
        status_code=200,
        summary="Erase a person from this organization's records",
        description=OWNER
        + " Orders keep their amounts but the buyer and named attendees become `Erased` with a"
        " non-deliverable address (`erased+<id>@erased.invalid`), tickets likewise (codes and"
        " check-ins stay); a membership of their account is deactivated and its sessions here"
        " end (the last active owner → 409 `last_owner`). The global account is not the"
        " organization's and stays. Audited as `privacy.erased` with a keyed hash of the"
        " address. Erasing again changes nothing.",
    )
    async def erase(
        self,
        actor: FromDishka[Actor],
        use_case: FromDishka[ErasePersonalData],
        data: EraseRequest,
    ) -> ErasureResponse:
        erasure = await use_case(data.email, actor)
        return ErasureResponse(
            orders=erasure.orders,
            attendees=erasure.attendees,
            membership_deactivated=erasure.membership_deactivated,
            sessions_ended=erasure.sessions_ended,
        )
