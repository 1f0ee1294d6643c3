"""An operator marks a custom domain verified once its DNS proves ownership."""

from __future__ import annotations

from ticketbase.application.ports.audit import AuditEntry
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.shared.errors import NotFound
from ticketbase.domain.shared.values import Slug, parse_domain_name


class VerifyCustomDomain:
    def __init__(self, uow: UnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    async def __call__(self, organization_slug: str, domain: str) -> Organization:
        name = parse_domain_name(domain)
        async with self._uow.lookups() as lookups:
            found = await lookups.organization_by_slug(Slug(organization_slug))
        if found is None:
            raise NotFound("no such organization")
        now = self._clock.now()
        async with self._uow.for_tenant(found.id) as tx:
            organization = await tx.organizations.get()
            if organization is None:
                raise NotFound("no such organization")
            organization.verify_domain(name, now=now)
            await tx.organizations.save(organization)
            await tx.audit.append(
                AuditEntry(
                    id=self._ids.new(),
                    at=now,
                    actor_id=None,
                    action="organization.domain_verified",
                    target_type="organization",
                    target_id=str(organization.id),
                    changes={"domain": name},
                )
            )
            await tx.commit()
        return organization
