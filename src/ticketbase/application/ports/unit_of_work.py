"""The unit of work: the one door to persistence, opened for one tenant at a time.

``for_tenant`` scopes every repository to one organization (the database enforces it again with
row level security). ``system`` offers the few named cross-tenant reads; nothing else crosses.
Leaving either block without ``commit()`` rolls back.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol

from ticketbase.application.pagination import Page, PageRequest
from ticketbase.application.ports.audit import AuditLog
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.identity.user import User
from ticketbase.domain.shared.ids import OrganizationId
from ticketbase.domain.shared.values import EmailAddress, Slug


class OrganizationRepository(Protocol):
    """The current tenant's own organization row."""

    async def get(self) -> Organization | None: ...

    async def add(self, organization: Organization) -> None:
        """Insert; raises ``Conflict`` when the slug or a custom domain is taken."""
        ...

    async def save(self, organization: Organization) -> None:
        """Write back an organization loaded in this transaction (its version already bumped)."""
        ...


class TenantTransaction(Protocol):
    @property
    def organizations(self) -> OrganizationRepository: ...

    @property
    def audit(self) -> AuditLog: ...

    async def commit(self) -> None: ...


class SystemQueries(Protocol):
    """Cross-tenant operations, each one named and tested; nothing here is per-tenant data."""

    async def organization_by_id(self, organization_id: OrganizationId) -> Organization | None: ...

    async def organization_by_slug(self, slug: Slug) -> Organization | None: ...

    async def organization_by_verified_domain(self, domain: str) -> Organization | None: ...

    async def list_organizations(self, q: str | None, page: PageRequest) -> Page[Organization]: ...

    async def user_by_email(self, email: EmailAddress) -> User | None: ...

    async def save_user(self, user: User) -> None:
        """Insert or update a global user account."""
        ...

    async def commit(self) -> None: ...


class UnitOfWork(Protocol):
    def for_tenant(
        self, organization_id: OrganizationId
    ) -> AbstractAsyncContextManager[TenantTransaction]: ...

    def system(self) -> AbstractAsyncContextManager[SystemQueries]: ...
