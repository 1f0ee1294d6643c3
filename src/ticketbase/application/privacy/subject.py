"""Gathering everything one organization holds about a person, found by their email.

A person's records in a tenant are: the orders they bought or are named on, the tickets in
their email (with their check-ins), their membership if the email is an account that belongs
to the organization, and the audit rows that they wrote or that name one of those records.
Users are global accounts: only the membership (the tenant's part) is theirs to export or
erase here, never the account itself.

The audit rows of privacy requests name the person by a keyed hash of the email, never the
address: the audit log is append-only and kept for years, and an erasure must not leave the
address behind in the very row that records it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from ticketbase.application.context import Actor
from ticketbase.application.ports.audit import AuditEntry, JsonValue
from ticketbase.application.ports.unit_of_work import Member, TenantTransaction
from ticketbase.domain.orders.attendee import Attendee
from ticketbase.domain.orders.order import Order
from ticketbase.domain.shared.values import EmailAddress

SUBJECT_TARGET = "data_subject"


@dataclass(frozen=True, slots=True)
class PersonalRecords:
    email: EmailAddress
    orders: list[Order]
    attendees: list[Attendee]
    member: Member | None
    audit: list[AuditEntry]

    @property
    def check_ins(self) -> list[Attendee]:
        return [a for a in self.attendees if a.checked_in_at is not None]


async def find_member(tx: TenantTransaction, email: EmailAddress) -> Member | None:
    user = await tx.users.by_email(email)
    if user is None:
        return None
    membership = await tx.memberships.of_user(user.id)
    if membership is None:
        return None
    return Member(membership, user.email, user.full_name)


async def gather(tx: TenantTransaction, email: EmailAddress) -> PersonalRecords:
    orders = [
        order
        for order_id in await tx.personal_data.orders_of(email)
        if (order := await tx.orders.get(order_id)) is not None
    ]
    attendees = [
        attendee
        for attendee_id in await tx.personal_data.attendees_of(email)
        if (attendee := await tx.attendees.get(attendee_id)) is not None
    ]
    member = await find_member(tx, email)
    targets = {str(o.id) for o in orders} | {str(a.id) for a in attendees}
    if member is not None:
        targets |= {str(member.membership.user_id), str(member.membership.id)}
    audit = await tx.personal_data.audit_mentioning(
        member.membership.user_id if member else None, targets
    )
    return PersonalRecords(email, orders, attendees, member, audit)


def privacy_entry(
    actor: Actor,
    action: str,
    subject_id: str,
    *,
    at: datetime,
    entry_id: UUID,
    changes: dict[str, JsonValue],
) -> AuditEntry:
    return AuditEntry(
        id=entry_id,
        at=at,
        actor_id=actor.user_id,
        action=action,
        target_type=SUBJECT_TARGET,
        target_id=subject_id,
        meta=actor.meta,
        changes=changes,
    )
