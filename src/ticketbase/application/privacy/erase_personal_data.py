"""Erase a data subject (``POST /api/privacy/erase`` ``{email}``, ``organization:update``).

Orders keep their amounts, lines and payment but lose the person, as buyer and as named
attendee; tickets in the person's email lose their holder (code and check-in stay: they are
the organization's counts, not the person); a membership of the person's account is
deactivated and its sessions in this organization end, like ``DeactivateUser`` (the last active
owner cannot be erased: ``Conflict``). The global account (name, email, password) is not the
organization's to erase and stays; so do audit rows, which are append-only and hold ids, not
names or addresses. Running it again finds nothing more and changes nothing.

Orders are locked before their tickets are read, in the order a payment takes them, so a
payment racing the erasure either issues its tickets before (and they are erased here) or
after, from the already erased order."""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.ports.privacy import SubjectHasher
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.application.privacy.subject import find_member, privacy_entry
from ticketbase.domain.identity.membership import MembershipStatus, check_owner_remains
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.privacy.erasure import ERASED_NAME, erase_from_order, erased_email
from ticketbase.domain.shared.values import EmailAddress


@dataclass(frozen=True, slots=True)
class Erasure:
    orders: int
    attendees: int
    membership_deactivated: bool
    sessions_ended: int


class ErasePersonalData:
    def __init__(
        self, uow: UnitOfWork, clock: Clock, ids: IdGenerator, hasher: SubjectHasher
    ) -> None:
        self._uow, self._clock, self._ids, self._hasher = uow, clock, ids, hasher

    async def __call__(self, email: str, actor: Actor) -> Erasure:
        organization_id = require(actor, Permission.ORGANIZATION_UPDATE)
        subject = EmailAddress.parse(email)
        now = self._clock.now()
        async with self._uow.for_tenant(organization_id) as tx:
            orders = 0
            for order_id in await tx.personal_data.orders_of(subject):
                order = await tx.orders.lock(order_id)
                if order is not None and erase_from_order(order, subject, now=now):
                    await tx.personal_data.store_people(order)
                    orders += 1
            attendees = 0
            for attendee_id in await tx.personal_data.attendees_of(subject):
                attendee = await tx.attendees.get(attendee_id)
                if attendee is not None and attendee.rename(
                    full_name=ERASED_NAME, email=erased_email(attendee.id).value, now=now
                ):
                    await tx.attendees.save(attendee)
                    attendees += 1
            deactivated, ended = False, 0
            member = await find_member(tx, subject)
            if member is not None and member.membership.status is not MembershipStatus.DEACTIVATED:
                membership = member.membership
                check_owner_remains(
                    membership,
                    new_role=None,
                    active_owners=await tx.memberships.count_active_owners(),
                )
                membership.status = MembershipStatus.DEACTIVATED
                membership.updated_at = now
                membership.version += 1
                await tx.memberships.save(membership)
                ended = len(
                    await tx.sessions.revoke_of_user(
                        membership.user_id, now, "erased", organization_id=organization_id
                    )
                )
                deactivated = True
            erasure = Erasure(orders, attendees, deactivated, ended)
            await tx.audit.append(
                privacy_entry(
                    actor,
                    "privacy.erased",
                    self._hasher.subject_id(subject),
                    at=now,
                    entry_id=self._ids.new(),
                    changes={
                        "orders": erasure.orders,
                        "attendees": erasure.attendees,
                        "membershipDeactivated": erasure.membership_deactivated,
                        "sessionsEnded": erasure.sessions_ended,
                    },
                )
            )
            await tx.commit()
        return erasure
