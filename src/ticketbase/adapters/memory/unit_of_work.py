"""An in-memory unit of work with the same rules as PostgreSQL: tenant scoping, uniqueness,
optimistic versions, and nothing kept unless committed."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from ticketbase.application.pagination import Page, PageRequest
from ticketbase.application.ports.audit import AuditEntry
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.identity.user import User
from ticketbase.domain.shared.errors import Conflict, StaleVersion
from ticketbase.domain.shared.ids import OrganizationId, UserId
from ticketbase.domain.shared.values import EmailAddress, Slug


@dataclass
class MemoryState:
    organizations: dict[OrganizationId, Organization] = field(default_factory=dict)
    users: dict[UserId, User] = field(default_factory=dict)
    audit: list[tuple[OrganizationId, AuditEntry]] = field(default_factory=list)


class _Transaction:
    def __init__(self, database: MemoryDatabase) -> None:
        self._database = database
        self.state = copy.deepcopy(database.state)
        self.committed = False

    async def commit(self) -> None:
        self._database.state = self.state
        self.committed = True


class MemoryOrganizationRepository:
    def __init__(self, tx: _Transaction, organization_id: OrganizationId) -> None:
        self._tx, self._id = tx, organization_id

    async def get(self) -> Organization | None:
        return self._tx.state.organizations.get(self._id)

    async def add(self, organization: Organization) -> None:
        assert organization.id == self._id, "rejected by row level security"
        self._check_unique(organization)
        self._tx.state.organizations[organization.id] = organization

    async def save(self, organization: Organization) -> None:
        stored = self._tx.state.organizations.get(self._id)
        if stored is None or (
            stored is not organization and stored.version != organization.version - 1
        ):
            raise StaleVersion("the organization was changed meanwhile; reload and retry")
        self._check_unique(organization)
        self._tx.state.organizations[organization.id] = organization

    def _check_unique(self, organization: Organization) -> None:
        for other in self._tx.state.organizations.values():
            if other.id == organization.id:
                continue
            if other.slug == organization.slug:
                raise Conflict("this slug is already taken", field="organizationSlug")
            taken = {d.name for d in other.custom_domains}
            if taken & {d.name for d in organization.custom_domains}:
                raise Conflict(
                    "a custom domain is already used by another organization",
                    field="customDomains",
                )


class MemoryAuditLog:
    def __init__(self, tx: _Transaction, organization_id: OrganizationId) -> None:
        self._tx, self._id = tx, organization_id

    async def append(self, entry: AuditEntry) -> None:
        self._tx.state.audit.append((self._id, entry))


class MemoryTenantTransaction(_Transaction):
    def __init__(self, database: MemoryDatabase, organization_id: OrganizationId) -> None:
        super().__init__(database)
        self.organizations = MemoryOrganizationRepository(self, organization_id)
        self.audit = MemoryAuditLog(self, organization_id)


class MemorySystemQueries(_Transaction):
    async def organization_by_id(self, organization_id: OrganizationId) -> Organization | None:
        return self.state.organizations.get(organization_id)

    async def organization_by_slug(self, slug: Slug) -> Organization | None:
        return next((o for o in self.state.organizations.values() if o.slug == slug), None)

    async def organization_by_verified_domain(self, domain: str) -> Organization | None:
        return next(
            (
                o
                for o in self.state.organizations.values()
                if any(d.name == domain and d.verified for d in o.custom_domains)
            ),
            None,
        )

    async def list_organizations(self, q: str | None, page: PageRequest) -> Page[Organization]:
        rows = sorted(self.state.organizations.values(), key=lambda o: o.id, reverse=True)
        if q:
            rows = [o for o in rows if q.lower() in o.name.lower() or q.lower() in o.slug.value]
        if page.after is not None:
            rows = [o for o in rows if o.id < page.after]
        return Page.from_rows(rows[: page.fetch], page, key=lambda o: o.id)

    async def user_by_email(self, email: EmailAddress) -> User | None:
        return next((u for u in self.state.users.values() if u.email == email), None)

    async def save_user(self, user: User) -> None:
        if any(u.email == user.email and u.id != user.id for u in self.state.users.values()):
            raise Conflict("an account with this email already exists", field="email")
        self.state.users[user.id] = user


class MemoryDatabase:
    """Shared state of the in-memory adapters."""

    def __init__(self) -> None:
        self.state = MemoryState()


class MemoryUnitOfWork:
    def __init__(self, database: MemoryDatabase | None = None) -> None:
        self.database = database or MemoryDatabase()

    @asynccontextmanager
    async def for_tenant(
        self, organization_id: OrganizationId
    ) -> AsyncIterator[MemoryTenantTransaction]:
        yield MemoryTenantTransaction(self.database, organization_id)

    @asynccontextmanager
    async def system(self) -> AsyncIterator[MemorySystemQueries]:
        yield MemorySystemQueries(self.database)
