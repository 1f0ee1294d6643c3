"""An in-memory unit of work with the same rules as PostgreSQL: tenant scoping, uniqueness,
optimistic versions, and nothing kept unless committed."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from ticketbase.adapters.memory.accounts import (
    MemoryMembershipRepository,
    MemoryOneTimeTokenRepository,
    MemorySecurityEventLog,
    MemorySessionRepository,
    MemoryUserRepository,
)
from ticketbase.adapters.memory.analytics import MemorySalesAnalytics
from ticketbase.adapters.memory.assets import MemoryAssetRepository, MemoryStorageUsage
from ticketbase.adapters.memory.attendees import MemoryAttendeeRepository
from ticketbase.adapters.memory.departments import MemoryDepartmentRepository
from ticketbase.adapters.memory.email_templates import MemoryEmailTemplateRepository
from ticketbase.adapters.memory.events import (
    MemoryEventRepository,
    MemoryPromoCodeRepository,
    MemoryTicketTypeRepository,
)
from ticketbase.adapters.memory.orders import (
    MemoryExpiringHolds,
    MemoryIdempotencyKeys,
    MemoryInventory,
    MemoryOrderRepository,
)
from ticketbase.adapters.memory.outbox import MemoryOutboxDelivery, MemoryOutboxTable
from ticketbase.adapters.memory.pages import MemoryPageRepository
from ticketbase.adapters.memory.plugins import MemoryInstalledPlugins, MemoryPluginWebhookReceipts
from ticketbase.adapters.memory.privacy import MemoryPersonalData
from ticketbase.adapters.memory.sent_mail import MemorySentMail
from ticketbase.adapters.memory.subscriptions import MemorySubscriptionRepository
from ticketbase.application.pagination import Page, PageRequest
from ticketbase.application.ports.audit import AuditEntry, AuditFilter, SecurityEvent
from ticketbase.application.ports.cache import (
    ANY_ORGANIZATION,
    ChangeFeed,
    event_tag,
    events_tag,
    member_tag,
    organization_tag,
    page_tag,
    pages_tag,
    session_tag,
    subscription_tag,
    user_tag,
)
from ticketbase.application.ports.orders import StoredAnswer
from ticketbase.application.ports.outbox import OutboxMessage
from ticketbase.application.ports.unit_of_work import (
    MembershipSummary,
    OneTimeToken,
    SessionStatus,
)
from ticketbase.domain.assets.asset import Asset
from ticketbase.domain.email_templates.template import EmailKind, EmailTemplate
from ticketbase.domain.events.event import Event
from ticketbase.domain.events.promo_code import PromoCode
from ticketbase.domain.events.ticket_type import TicketType
from ticketbase.domain.identity.department import Department
from ticketbase.domain.identity.membership import Membership
from ticketbase.domain.identity.organization import Organization, OrganizationStatus
from ticketbase.domain.identity.session import Session
from ticketbase.domain.identity.user import User
from ticketbase.domain.orders.attendee import Attendee
from ticketbase.domain.orders.order import Order
from ticketbase.domain.pages.page import Page as StorefrontPage
from ticketbase.domain.pages.page import PageId, PageVersion
from ticketbase.domain.plugins.installed_plugin import InstalledPlugin
from ticketbase.domain.shared.errors import Conflict, StaleVersion
from ticketbase.domain.shared.ids import (
    AssetId,
    AttendeeId,
    DepartmentId,
    EventId,
    MembershipId,
    OrderId,
    OrganizationId,
    PromoCodeId,
    SessionId,
    TicketTypeId,
    UserId,
)
from ticketbase.domain.shared.values import Slug
from ticketbase.domain.subscriptions.plan import Subscription


@dataclass
class MemoryState:
    organizations: dict[OrganizationId, Organization] = field(default_factory=dict)
    users: dict[UserId, User] = field(default_factory=dict)
    audit: list[tuple[OrganizationId, AuditEntry]] = field(default_factory=list)
    memberships: dict[MembershipId, Membership] = field(default_factory=dict)
    sessions: dict[SessionId, Session] = field(default_factory=dict)
    refresh_hashes: dict[SessionId, bytes] = field(default_factory=dict)
    rotated: dict[bytes, SessionId] = field(default_factory=dict)
    one_time_tokens: dict[bytes, OneTimeToken] = field(default_factory=dict)
    security_events: list[SecurityEvent] = field(default_factory=list)
    departments: dict[OrganizationId, dict[DepartmentId, Department]] = field(default_factory=dict)
    outbox: list[tuple[OrganizationId, OutboxMessage]] = field(default_factory=list)
    events: dict[OrganizationId, dict[EventId, Event]] = field(default_factory=dict)
    ticket_types: dict[OrganizationId, dict[TicketTypeId, TicketType]] = field(default_factory=dict)
    promo_codes: dict[OrganizationId, dict[PromoCodeId, PromoCode]] = field(default_factory=dict)
    # Each order with its access token's hash.
    orders: dict[OrganizationId, dict[OrderId, tuple[Order, bytes]]] = field(default_factory=dict)
    order_counters: dict[OrganizationId, int] = field(default_factory=dict)
    attendees: dict[OrganizationId, dict[AttendeeId, Attendee]] = field(default_factory=dict)
    # The outbox messages whose email was accepted, and when.
    sent_mail: dict[OrganizationId, dict[UUID, datetime]] = field(default_factory=dict)
    assets: dict[OrganizationId, dict[AssetId, Asset]] = field(default_factory=dict)
    storage_used: dict[OrganizationId, int] = field(default_factory=dict)
    installed_plugins: dict[OrganizationId, dict[str, InstalledPlugin]] = field(
        default_factory=dict
    )
    # The status webhook bodies' digests with when each is forgotten.
    plugin_webhook_receipts: dict[OrganizationId, dict[bytes, datetime]] = field(
        default_factory=dict
    )
    # Each Idempotency-Key with its answer and when it is forgotten.
    email_templates: dict[OrganizationId, dict[EmailKind, EmailTemplate]] = field(
        default_factory=dict
    )
    idempotency_keys: dict[OrganizationId, dict[str, tuple[StoredAnswer, datetime]]] = field(
        default_factory=dict
    )
    pages: dict[OrganizationId, dict[PageId, StorefrontPage]] = field(default_factory=dict)
    page_versions: dict[OrganizationId, dict[tuple[PageId, int], PageVersion]] = field(
        default_factory=dict
    )
    subscriptions: dict[OrganizationId, Subscription] = field(default_factory=dict)


class _Transaction:
    def __init__(self, database: MemoryDatabase) -> None:
        self._database = database
        self.state = copy.deepcopy(database.state)
        self.committed = False
        self.users = MemoryUserRepository(self.state)
        self.sessions = MemorySessionRepository(self.state)
        self.one_time_tokens = MemoryOneTimeTokenRepository(self.state)
        self.security_events = MemorySecurityEventLog(self.state)

    async def commit(self) -> None:
        changes = _changed_tags(self._database.state, self.state)
        self._database.state = self.state
        self.committed = True
        if self._database.feed is not None and changes:
            await self._database.feed.publish(changes)


def _changed_tags(before: MemoryState, after: MemoryState) -> set[str]:
    """The cache tags of what differs: the same tags the PostgreSQL repositories record."""
    tags = {user_tag(i) for i, u in after.users.items() if before.users.get(i) != u}
    tags |= {session_tag(i) for i, s in after.sessions.items() if before.sessions.get(i) != s}
    tags |= {
        member_tag(m.organization_id, m.user_id)
        for i, m in after.memberships.items()
        if before.memberships.get(i) != m
    }
    for i, o in after.organizations.items():
        if before.organizations.get(i) != o:
            tags |= {organization_tag(i), ANY_ORGANIZATION}
    for organization_id, mine in after.events.items():
        old = before.events.get(organization_id, {})
        for event_id, event in mine.items():
            if old.get(event_id) != event:
                tags |= {event_tag(event_id), events_tag(organization_id)}
    for organization_id, pages in after.pages.items():
        old_pages = before.pages.get(organization_id, {})
        for page_id, page in pages.items():
            if old_pages.get(page_id) != page:
                tags |= {page_tag(page_id), pages_tag(organization_id)}
    tags |= {
        subscription_tag(i)
        for i, sub in after.subscriptions.items()
        if before.subscriptions.get(i) != sub
    }
    tags |= _changed_in_events(before.ticket_types, after.ticket_types)
    tags |= _changed_in_events(before.promo_codes, after.promo_codes)
    return tags


_K = TypeVar("_K", TicketTypeId, PromoCodeId)
_R = TypeVar("_R", TicketType, PromoCode)


def _changed_in_events(
    before: dict[OrganizationId, dict[_K, _R]], after: dict[OrganizationId, dict[_K, _R]]
) -> set[str]:
    """Ticket types and promo codes show on their event's page: one added, changed or removed
    changes the event's tag."""
    tags: set[str] = set()
    for organization_id in before.keys() | after.keys():
        old, new = before.get(organization_id, {}), after.get(organization_id, {})
        for key in old.keys() | new.keys():
            was, now = old.get(key), new.get(key)
            if _unsold(was) != _unsold(now):
                tags.update(event_tag(row.event_id) for row in (was, now) if row is not None)
    return tags


def _unsold(row: _R | None) -> _R | None:
    """The row without what sales move (``sold``/``held``, a code's ``uses``): like the
    PostgreSQL inventory, a sale announces nothing (storefront_cache.py: the storefront's
    availability is at most a second old by its own deadline)."""
    if isinstance(row, TicketType):
        return replace(row, sold=0, held=0)
    if isinstance(row, PromoCode):
        return replace(row, uses=0)
    return row


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

    async def entries(self, where: AuditFilter, page: PageRequest) -> Page[AuditEntry]:
        found = sorted(
            (
                e
                for org, e in self._tx.state.audit
                if org == self._id
                and (where.actor_id is None or e.actor_id == where.actor_id)
                and (where.action is None or e.action == where.action)
                and (where.target_type is None or e.target_type == where.target_type)
                and (where.since is None or e.at >= where.since)
                and (where.until is None or e.at < where.until)
                and (page.after is None or e.id < page.after)
            ),
            key=lambda e: e.id,
            reverse=True,
        )
        return Page.from_rows(found[: page.fetch], page, key=lambda e: e.id)


class MemoryOutbox:
    def __init__(self, tx: _Transaction, organization_id: OrganizationId) -> None:
        self._tx, self._id = tx, organization_id

    async def add(self, message: OutboxMessage) -> None:
        self._tx.state.outbox.append((self._id, message))


class MemoryTenantTransaction(_Transaction):
    def __init__(self, database: MemoryDatabase, organization_id: OrganizationId) -> None:
        super().__init__(database)
        self.organizations = MemoryOrganizationRepository(self, organization_id)
        self.memberships = MemoryMembershipRepository(self.state, organization_id)
        self.audit = MemoryAuditLog(self, organization_id)
        self.outbox = MemoryOutbox(self, organization_id)
        self.email_templates = MemoryEmailTemplateRepository(self.state, organization_id)
        self.departments = MemoryDepartmentRepository(self.state, organization_id)
        self.events = MemoryEventRepository(self.state, organization_id)
        self.ticket_types = MemoryTicketTypeRepository(self.state, organization_id)
        self.promo_codes = MemoryPromoCodeRepository(self.state, organization_id)
        self.orders = MemoryOrderRepository(self.state, organization_id)
        self.inventory = MemoryInventory(self.state, organization_id)
        self.idempotency_keys = MemoryIdempotencyKeys(self.state, organization_id)
        self.attendees = MemoryAttendeeRepository(self.state, organization_id)
        self.analytics = MemorySalesAnalytics(self.state, organization_id)
        self.sent_mail = MemorySentMail(self.state, organization_id)
        self.installed_plugins = MemoryInstalledPlugins(self.state, organization_id)
        self.plugin_webhook_receipts = MemoryPluginWebhookReceipts(self.state, organization_id)
        self.assets = MemoryAssetRepository(self.state, organization_id)
        self.subscriptions = MemorySubscriptionRepository(self.state, organization_id)
        self.storage_usage = MemoryStorageUsage(self.state, organization_id)
        self.pages = MemoryPageRepository(self.state, organization_id)
        self.personal_data = MemoryPersonalData(self.state, organization_id)


class MemorySystemQueries(_Transaction):
    def __init__(self, database: MemoryDatabase) -> None:
        super().__init__(database)
        self.outbox_delivery = MemoryOutboxDelivery(
            lambda: database.state.outbox, database.outbox_table
        )
        self.expiring_holds = MemoryExpiringHolds(self.state)

    async def commit(self) -> None:
        await super().commit()
        self.outbox_delivery.commit()

    async def session_status(self, session_id: SessionId) -> SessionStatus | None:
        session = self.state.sessions.get(session_id)
        if session is None:
            return None
        return SessionStatus(session.user_id, session.expires_at, session.revoked_at is not None)

    async def sessions_ended_since(self, since: datetime) -> list[SessionId]:
        return [
            s.id
            for s in self.state.sessions.values()
            if s.revoked_at is not None and s.revoked_at >= since
        ]

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

    async def memberships_of_user(self, user_id: UserId) -> list[MembershipSummary]:
        found = []
        for m in sorted(self.state.memberships.values(), key=lambda m: m.created_at):
            organization = self.state.organizations.get(m.organization_id)
            if m.user_id == user_id and organization is not None:
                if organization.status is not OrganizationStatus.ACTIVE:
                    continue
                found.append(
                    MembershipSummary(
                        membership_id=m.id,
                        organization_id=m.organization_id,
                        organization_slug=organization.slug,
                        organization_name=organization.name,
                        role=m.role,
                        status=m.status,
                    )
                )
        return found


class MemoryDatabase:
    """Shared state of the in-memory adapters."""

    def __init__(self, feed: ChangeFeed | None = None) -> None:
        self.state = MemoryState()
        self.feed = feed
        self.outbox_table = MemoryOutboxTable()


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
        tx = MemorySystemQueries(self.database)
        try:
            yield tx
        finally:
            tx.outbox_delivery.release()

    @asynccontextmanager
    async def lookups(self) -> AsyncIterator[MemorySystemQueries]:
        async with self.system() as tx:
            yield tx
