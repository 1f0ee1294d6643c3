"""Hand a data subject's records over (``GET /api/privacy/export?email=``,
``organization:update``): everything the organization holds about them, in one answer.

Reading is audited like a change (``privacy.exported``): who took a copy of a person's data
matters as much as who changed it."""

from __future__ import annotations

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.ports.privacy import SubjectHasher
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.application.privacy.subject import PersonalRecords, gather, privacy_entry
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.shared.values import EmailAddress


class ExportPersonalData:
    def __init__(
        self, uow: UnitOfWork, clock: Clock, ids: IdGenerator, hasher: SubjectHasher
    ) -> None:
        self._uow, self._clock, self._ids, self._hasher = uow, clock, ids, hasher

    async def __call__(self, email: str, actor: Actor) -> PersonalRecords:
        organization_id = require(actor, Permission.ORGANIZATION_UPDATE)
        subject = EmailAddress.parse(email)
        async with self._uow.for_tenant(organization_id) as tx:
            records = await gather(tx, subject)
            await tx.audit.append(
                privacy_entry(
                    actor,
                    "privacy.exported",
                    self._hasher.subject_id(subject),
                    at=self._clock.now(),
                    entry_id=self._ids.new(),
                    changes={
                        "orders": len(records.orders),
                        "attendees": len(records.attendees),
                        "member": records.member is not None,
                        "auditEntries": len(records.audit),
                    },
                )
            )
            await tx.commit()
        return records
