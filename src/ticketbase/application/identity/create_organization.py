"""Create a tenant organization (used by registration and by operators)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ticketbase.application.context import RequestMeta
from ticketbase.application.ports.audit import AuditEntry
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.shared.ids import OrganizationId, UserId
from ticketbase.domain.shared.values import Slug


@dataclass(frozen=True, slots=True)
class CreateOrganizationCommand:
    name: str
    slug: str
    created_by: UserId | None = None
    meta: RequestMeta = field(default_factory=RequestMeta)


class CreateOrganization:
    def __init__(self, uow: UnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    async def __call__(self, command: CreateOrganizationCommand) -> Organization:
        now = self._clock.now()
        organization = Organization(
            id=OrganizationId(self._ids.new()),
            name=Organization.check_name(command.name),
            slug=Slug(command.slug),
            created_at=now,
            updated_at=now,
        )
        async with self._uow.for_tenant(organization.id) as tx:
            await tx.organizations.add(organization)
            await tx.audit.append(
                AuditEntry(
                    id=self._ids.new(),
                    at=now,
                    actor_id=command.created_by,
                    action="organization.created",
                    target_type="organization",
                    target_id=str(organization.id),
                    meta=command.meta,
                    changes={"name": organization.name, "slug": organization.slug.value},
                )
            )
            await tx.commit()
        return organization
