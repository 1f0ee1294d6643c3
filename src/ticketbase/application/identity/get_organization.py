"""Read one organization: its members, or a platform administrator."""

from __future__ import annotations

from ticketbase.application.context import Actor
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.shared.errors import NotFound
from ticketbase.domain.shared.ids import OrganizationId


class GetOrganization:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, organization_id: OrganizationId, actor: Actor) -> Organization:
        organization: Organization | None = None
        if (
            actor.organization_id == organization_id
            and Permission.ORGANIZATION_READ in actor.permissions
        ):
            async with self._uow.for_tenant(organization_id) as tx:
                organization = await tx.organizations.get()
        elif actor.is_platform_admin:
            async with self._uow.lookups() as lookups:
                organization = await lookups.organization_by_id(organization_id)
        if organization is None:
            # Another tenant's organization answers exactly like a missing one.
            raise NotFound("no such organization")
        return organization
