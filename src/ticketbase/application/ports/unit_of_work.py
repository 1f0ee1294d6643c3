"""The unit of work: the one door to persistence, opened for one tenant at a time.

``for_tenant`` scopes every tenant repository to one organization (the database enforces it
again with row level security). ``system`` offers the few named cross-tenant reads. Both also
expose the global account stores (users, sessions, one-time tokens, security events), which
belong to a person rather than a tenant. Leaving either block without ``commit()`` rolls back.
``lookups`` offers the cross-tenant reads alone, for a request that needs nothing else.
"""

from __future__ import annotations

import enum
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ticketbase.application.pagination import Page, PageRequest
from ticketbase.application.ports.analytics import SalesAnalytics
from ticketbase.application.ports.assets import AssetRepository, StorageUsage
from ticketbase.application.ports.attendees import AttendeeRepository
from ticketbase.application.ports.audit import AuditLog, SecurityEventLog
from ticketbase.application.ports.email_templates import EmailTemplateRepository
from ticketbase.application.ports.events import (
    EventRepository,
    PromoCodeRepository,
    TicketTypeRepository,
)
from ticketbase.application.ports.orders import (
    ExpiringHolds,
    IdempotencyKeys,
    Inventory,
    OrderRepository,
)
from ticketbase.application.ports.outbox import Outbox, OutboxDelivery
from ticketbase.application.ports.pages import PageRepository
from ticketbase.application.ports.plugins import InstalledPluginRepository, PluginWebhookReceipts
from ticketbase.application.ports.privacy import PersonalData
from ticketbase.application.ports.sent_mail import SentMail
from ticketbase.application.ports.subscriptions import SubscriptionRepository
from ticketbase.domain.identity.department import Department
from ticketbase.domain.identity.membership import Membership, MembershipStatus
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.identity.permissions import Role
from ticketbase.domain.identity.session import Session
from ticketbase.domain.identity.user import User
from ticketbase.domain.shared.ids import (
    DepartmentId,
    MembershipId,
    OrganizationId,
    SessionId,
    UserId,
)
from ticketbase.domain.shared.values import EmailAddress, Slug

# --- global account stores -------------------------------------------------------------------


class UserRepository(Protocol):
    async def get(self, user_id: UserId) -> User | None: ...

    async def by_email(self, email: EmailAddress) -> User | None: ...

    async def add(self, user: User) -> None:
        """Insert; ``Conflict`` (field ``email``) when the email is taken."""
        ...

    async def save(self, user: User) -> None: ...


class SessionRepository(Protocol):
    async def add(self, session: Session, refresh_token_hash: bytes) -> None: ...

    async def get(self, session_id: SessionId) -> Session | None: ...

    async def by_refresh_token(self, token_hash: bytes) -> Session | None: ...

    async def session_of_rotated_token(self, token_hash: bytes) -> SessionId | None:
        """The session a refresh token belonged to before it was rotated away."""
        ...

    async def rotate(
        self, session_id: SessionId, old_hash: bytes, new_hash: bytes, now: datetime
    ) -> bool:
        """Swap the refresh token atomically; False when ``old_hash`` is no longer current."""
        ...

    async def save(self, session: Session) -> None: ...

    async def active_of_user(self, user_id: UserId, now: datetime) -> list[Session]: ...

    async def purge_ended(self, before: datetime) -> int:
        """Delete sessions that expired or were revoked before ``before`` (with their rotated
        refresh tokens); return how many."""
        ...

    async def revoke_of_user(
        self,
        user_id: UserId,
        now: datetime,
        reason: str,
        *,
        organization_id: OrganizationId | None = None,
        keep: SessionId | None = None,
    ) -> list[SessionId]:
        """Revoke a user's active sessions (optionally only in one organization, optionally
        keeping one); return the ids revoked."""
        ...


class TokenPurpose(enum.StrEnum):
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a purpose, not a secret
    INVITATION = "invitation"


@dataclass(frozen=True, slots=True)
class OneTimeToken:
    token_hash: bytes
    purpose: TokenPurpose
    user_id: UserId
    organization_id: OrganizationId | None
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


class OneTimeTokenRepository(Protocol):
    async def add(self, token: OneTimeToken) -> None: ...

    async def consume(
        self, token_hash: bytes, purpose: TokenPurpose, now: datetime
    ) -> OneTimeToken | None:
        """Mark the token used and return it, once: None if unknown, used, expired or of
        another purpose."""
        ...

    async def purge_spent(self, before: datetime) -> int:
        """Delete tokens used or expired before ``before``; return how many."""
        ...


class AccountStores(Protocol):
    @property
    def users(self) -> UserRepository: ...

    @property
    def sessions(self) -> SessionRepository: ...

    @property
    def one_time_tokens(self) -> OneTimeTokenRepository: ...

    @property
    def security_events(self) -> SecurityEventLog: ...

    async def commit(self) -> None: ...


# --- tenant repositories ---------------------------------------------------------------------


class OrganizationRepository(Protocol):
    """The current tenant's own organization row."""

    async def get(self) -> Organization | None: ...

    async def add(self, organization: Organization) -> None:
        """Insert; raises ``Conflict`` when the slug or a custom domain is taken."""
        ...

    async def save(self, organization: Organization) -> None:
        """Write back an organization loaded in this transaction (its version already bumped)."""
        ...


@dataclass(frozen=True, slots=True)
class Member:
    """A membership with the account's public fields: what ``GET /api/users`` lists."""

    membership: Membership
    email: EmailAddress
    full_name: str


@dataclass(frozen=True, slots=True)
class MemberFilter:
    role: Role | None = None
    department_id: DepartmentId | None = None
    status: MembershipStatus | None = None
    q: str | None = None


@dataclass(frozen=True, slots=True)
class OrganizationRef:
    """What a signed-in member is told about its organization."""

    id: OrganizationId
    name: str
    slug: Slug

    @classmethod
    def of(cls, organization: Organization) -> OrganizationRef:
        return cls(organization.id, organization.name, organization.slug)


@dataclass(frozen=True, slots=True)
class Profile:
    """A member with its account and organization, as signing in and ``/me`` show them."""

    user: User
    membership: Membership
    organization: OrganizationRef


class MembershipRepository(Protocol):
    async def get(self, membership_id: MembershipId) -> Membership | None: ...

    async def of_user(self, user_id: UserId) -> Membership | None: ...

    async def profile(self, user_id: UserId) -> Profile | None:
        """The member with its account and organization, read at once."""
        ...

    async def add(self, membership: Membership) -> None: ...

    async def save(self, membership: Membership) -> None:
        """Write back (optimistic: ``StaleVersion`` if changed meanwhile)."""
        ...

    async def record_login(self, membership_id: MembershipId, at: datetime) -> None:
        """Stamp a login (and turn an invitation into an active membership) without a version
        check: concurrent logins of one person must not conflict."""
        ...

    async def count_active_owners(self) -> int:
        """Counted with a lock on the owners' rows, so two demotions cannot both pass."""
        ...

    async def members(self, where: MemberFilter, page: PageRequest) -> Page[Member]: ...

    async def count_in_department(self, department_id: DepartmentId) -> int: ...


class DepartmentRepository(Protocol):
    """The current tenant's departments. A tenant's tree is small (a few thousand at most), so
    use cases load it whole with ``all()`` and apply the tree rules in the domain."""

    async def get(self, department_id: DepartmentId) -> Department | None: ...

    async def all(self) -> list[Department]: ...

    async def add(self, department: Department) -> None: ...

    async def save(self, department: Department) -> None:
        """Write back name, parent and ``updated_at``; ``NotFound`` if it is gone."""
        ...

    async def delete(self, department_id: DepartmentId) -> None:
        """Remove it; ``Conflict`` if sub-departments or members still point at it."""
        ...

    async def count_children(self, department_id: DepartmentId) -> int: ...

    async def lock_tree(self) -> None:
        """Serialise changes to this tenant's tree until the transaction ends, so two moves
        checked concurrently cannot together build a cycle. Take it before reading the tree."""
        ...


class TenantTransaction(AccountStores, Protocol):
    @property
    def organizations(self) -> OrganizationRepository: ...

    @property
    def memberships(self) -> MembershipRepository: ...

    @property
    def departments(self) -> DepartmentRepository: ...

    @property
    def events(self) -> EventRepository: ...

    @property
    def ticket_types(self) -> TicketTypeRepository: ...

    @property
    def promo_codes(self) -> PromoCodeRepository: ...

    @property
    def orders(self) -> OrderRepository: ...

    @property
    def inventory(self) -> Inventory: ...

    @property
    def idempotency_keys(self) -> IdempotencyKeys: ...

    @property
    def attendees(self) -> AttendeeRepository: ...

    @property
    def sent_mail(self) -> SentMail: ...

    @property
    def assets(self) -> AssetRepository: ...

    @property
    def storage_usage(self) -> StorageUsage: ...

    @property
    def subscriptions(self) -> SubscriptionRepository: ...

    @property
    def pages(self) -> PageRepository: ...

    @property
    def installed_plugins(self) -> InstalledPluginRepository: ...

    @property
    def plugin_webhook_receipts(self) -> PluginWebhookReceipts: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def outbox(self) -> Outbox: ...

    @property
    def email_templates(self) -> EmailTemplateRepository: ...

    @property
    def analytics(self) -> SalesAnalytics: ...

    @property
    def personal_data(self) -> PersonalData: ...


# --- the cross-tenant door -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MembershipSummary:
    """One of a user's memberships as the login lookup sees it."""

    membership_id: MembershipId
    organization_id: OrganizationId
    organization_slug: Slug
    organization_name: str
    role: Role
    status: MembershipStatus


@dataclass(frozen=True, slots=True)
class SessionStatus:
    """What a bearer token's session is now: checked on every authenticated request."""

    user_id: UserId
    expires_at: datetime
    ended: bool


class SystemLookups(Protocol):
    """The cross-tenant reads, each one named and tested and each a single read-only query."""

    async def session_status(self, session_id: SessionId) -> SessionStatus | None: ...

    async def sessions_ended_since(self, since: datetime) -> list[SessionId]:
        """Sessions whose ``revoked_at`` is at or after ``since``."""
        ...

    async def organization_by_id(self, organization_id: OrganizationId) -> Organization | None: ...

    async def organization_by_slug(self, slug: Slug) -> Organization | None: ...

    async def organization_by_verified_domain(self, domain: str) -> Organization | None: ...

    async def list_organizations(self, q: str | None, page: PageRequest) -> Page[Organization]: ...

    async def memberships_of_user(self, user_id: UserId) -> list[MembershipSummary]: ...


class SystemQueries(SystemLookups, AccountStores, Protocol):
    """Cross-tenant operations, each one named and tested: the account stores (a person's, not
    a tenant's), the worker's delivery of every tenant's outbox and its look for lapsed holds."""

    @property
    def outbox_delivery(self) -> OutboxDelivery:
        """The worker's claim and marks over every tenant's outbox."""
        ...

    @property
    def expiring_holds(self) -> ExpiringHolds:
        """The worker's look for every tenant's lapsed holds (which orders only)."""
        ...


class UnitOfWork(Protocol):
    def for_tenant(
        self, organization_id: OrganizationId
    ) -> AbstractAsyncContextManager[TenantTransaction]: ...

    def system(self) -> AbstractAsyncContextManager[SystemQueries]: ...

    def lookups(self) -> AbstractAsyncContextManager[SystemLookups]:
        """The cross-tenant reads without a transaction of their own: each is one query that
        cannot write, so there is nothing to commit or roll back (and no round trips for it)."""
        ...
