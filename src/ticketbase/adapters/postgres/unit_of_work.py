"""The PostgreSQL unit of work: one connection, one transaction, the tenant set first.

``set_config('app.organization_id', …, true)`` is transaction-local, so the value cannot leak to
the next user of the pooled connection; row level security does the rest.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from uuid import UUID

from sqlalchemy import DateTime, Integer, String, Uuid, bindparam, func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from ticketbase.adapters.postgres.accounts import (
    PostgresOneTimeTokenRepository,
    PostgresSecurityEventLog,
    PostgresSessionRepository,
    PostgresUserRepository,
)
from ticketbase.adapters.postgres.analytics import PostgresSalesAnalytics
from ticketbase.adapters.postgres.assets import PostgresAssetRepository, PostgresStorageUsage
from ticketbase.adapters.postgres.attendees import PostgresAttendeeRepository
from ticketbase.adapters.postgres.audit import PostgresAuditLog
from ticketbase.adapters.postgres.constraint_errors import as_domain_error
from ticketbase.adapters.postgres.departments import PostgresDepartmentRepository
from ticketbase.adapters.postgres.email_templates import PostgresEmailTemplateRepository
from ticketbase.adapters.postgres.events import (
    PostgresEventRepository,
    PostgresPromoCodeRepository,
    PostgresTicketTypeRepository,
)
from ticketbase.adapters.postgres.memberships import PostgresMembershipRepository
from ticketbase.adapters.postgres.orders import (
    PostgresExpiringHolds,
    PostgresIdempotencyKeys,
    PostgresInventory,
    PostgresOrderRepository,
)
from ticketbase.adapters.postgres.organizations import (
    PostgresOrganizationRepository,
    organization_from_row,
)
from ticketbase.adapters.postgres.outbox import PostgresOutbox, PostgresOutboxDelivery
from ticketbase.adapters.postgres.pages import PostgresPageRepository
from ticketbase.adapters.postgres.personal_fields import PersonalFields
from ticketbase.adapters.postgres.plugins import (
    PostgresInstalledPlugins,
    PostgresPluginWebhookReceipts,
)
from ticketbase.adapters.postgres.privacy import PostgresPersonalData
from ticketbase.adapters.postgres.sent_mail import PostgresSentMail
from ticketbase.adapters.postgres.subscriptions import PostgresSubscriptionRepository
from ticketbase.adapters.postgres.tables import sessions
from ticketbase.application.pagination import Page, PageRequest
from ticketbase.application.ports.cache import ChangeFeed
from ticketbase.application.ports.errors import DependencyUnavailable
from ticketbase.application.ports.unit_of_work import MembershipSummary, SessionStatus
from ticketbase.domain.identity.membership import MembershipStatus
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.identity.permissions import Role
from ticketbase.domain.shared.errors import RuleViolated
from ticketbase.domain.shared.ids import MembershipId, OrganizationId, SessionId, UserId
from ticketbase.domain.shared.values import Slug

_CHARACTER_NOT_IN_REPERTOIRE = "22021"


def _sqlstate(error: DBAPIError) -> str | None:
    cause = error.orig.__cause__ if error.orig is not None else None
    return getattr(error.orig, "sqlstate", None) or getattr(cause, "sqlstate", None)


_SET_TENANT = text("SELECT set_config('app.organization_id', :organization_id, true)")

# Built once: a statement rebuilt per call costs more CPU (construction, cache key, result
# metadata) than the query itself; a module-level one hits the compiled cache every time.
_FIND_ORGANIZATIONS = select(
    func.tb_find_organizations(
        bindparam("p_id", type_=Uuid),
        bindparam("p_slug", type_=String),
        bindparam("p_domain", type_=String),
        bindparam("p_q", type_=String),
        bindparam("p_after", type_=Uuid),
        bindparam("p_limit", type_=Integer),
    ).table_valued(
        "id",
        "name",
        "slug",
        "status",
        "settings",
        "branding",
        "version",
        "created_at",
        "updated_at",
        "domains",
    )
)
_SESSION_STATUS = select(
    sessions.c.user_id, sessions.c.expires_at, sessions.c.revoked_at.is_not(None).label("ended")
).where(sessions.c.id == bindparam("session_id", type_=Uuid))
_SESSIONS_ENDED_SINCE = select(sessions.c.id).where(
    sessions.c.revoked_at >= bindparam("since", type_=DateTime(timezone=True))
)
_MEMBERSHIPS_OF_USER = select(
    func.tb_memberships_of_user(bindparam("user_id", type_=Uuid)).table_valued(
        "organization_id", "id", "role", "status", "slug", "name"
    )
)


class _Transaction:
    """A connection in a transaction, with the global account stores every door offers."""

    def __init__(
        self, connection: AsyncConnection, transaction: AsyncTransaction, feed: ChangeFeed | None
    ) -> None:
        self._c = connection
        self._transaction = transaction
        self._feed = feed
        # The cache tags of what this transaction wrote, told to every process after commit.
        self.changes: set[str] = set()
        self._committed: set[str] = set()
        self.outbox_committed = False
        self.users = PostgresUserRepository(connection, self.changes)
        self.sessions = PostgresSessionRepository(connection, self.changes)
        self.one_time_tokens = PostgresOneTimeTokenRepository(connection)
        self.security_events = PostgresSecurityEventLog(connection)

    async def commit(self) -> None:
        await self._transaction.commit()
        self._committed |= self.changes
        self.changes.clear()
        self.outbox_committed = self.outbox_committed or self._wrote_outbox()

    def _wrote_outbox(self) -> bool:
        return False

    async def announce(self) -> None:
        """Tell every process what the committed work changed, once the connection is back in
        the pool: the feed takes a connection of its own, and a request holding one while
        waiting for another starves the pool under load (every slot held, none given back)."""
        if self._feed is not None and self._committed:
            tags, self._committed = frozenset(self._committed), set()
            await self._feed.publish(tags)


class PostgresTenantTransaction(_Transaction):
    def _wrote_outbox(self) -> bool:
        return self.outbox.added > 0

    def __init__(
        self,
        connection: AsyncConnection,
        transaction: AsyncTransaction,
        feed: ChangeFeed | None,
        organization_id: OrganizationId,
        fields: PersonalFields | None = None,
    ) -> None:
        super().__init__(connection, transaction, feed)
        self.organizations = PostgresOrganizationRepository(connection, self.changes)
        self.memberships = PostgresMembershipRepository(connection, self.changes)
        self.audit = PostgresAuditLog(connection, organization_id)
        self.outbox = PostgresOutbox(connection, organization_id)
        self.email_templates = PostgresEmailTemplateRepository(connection, organization_id)
        self.departments = PostgresDepartmentRepository(connection, organization_id)
        self.events = PostgresEventRepository(connection, organization_id, self.changes)
        self.ticket_types = PostgresTicketTypeRepository(connection, organization_id, self.changes)
        self.promo_codes = PostgresPromoCodeRepository(connection, organization_id, self.changes)
        self.orders = PostgresOrderRepository(connection, organization_id, fields)
        self.inventory = PostgresInventory(connection, organization_id, self.changes)
        self.idempotency_keys = PostgresIdempotencyKeys(connection, organization_id)
        self.attendees = PostgresAttendeeRepository(connection, organization_id)
        self.analytics = PostgresSalesAnalytics(connection, organization_id)
        self.sent_mail = PostgresSentMail(connection, organization_id)
        self.installed_plugins = PostgresInstalledPlugins(connection, organization_id)
        self.plugin_webhook_receipts = PostgresPluginWebhookReceipts(connection, organization_id)
        self.assets = PostgresAssetRepository(connection, organization_id)
        self.storage_usage = PostgresStorageUsage(connection, organization_id)
        self.personal_data = PostgresPersonalData(connection, organization_id, fields)
        self.pages = PostgresPageRepository(connection, organization_id, self.changes)
        self.subscriptions = PostgresSubscriptionRepository(
            connection, organization_id, self.changes
        )


class PostgresSystemLookups:
    """Cross-tenant reads go through SECURITY DEFINER functions owned by ``ticketbase_system``;
    the request path never turns row level security off. Each is one query of a STABLE
    function (which PostgreSQL forbids to write)."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection

    async def organization_by_id(self, organization_id: OrganizationId) -> Organization | None:
        return await self._one(p_id=organization_id)

    async def organization_by_slug(self, slug: Slug) -> Organization | None:
        return await self._one(p_slug=slug.value)

    async def organization_by_verified_domain(self, domain: str) -> Organization | None:
        return await self._one(p_domain=domain)

    async def list_organizations(self, q: str | None, page: PageRequest) -> Page[Organization]:
        rows = await self._find(p_q=q, p_after=page.after, p_limit=page.fetch)
        return Page.from_rows(rows, page, key=lambda o: o.id)

    async def session_status(self, session_id: SessionId) -> SessionStatus | None:
        row = (await self._c.execute(_SESSION_STATUS, {"session_id": session_id})).first()
        if row is None:
            return None
        return SessionStatus(user_id=UserId(row[0]), expires_at=row[1], ended=row[2])

    async def sessions_ended_since(self, since: datetime) -> list[SessionId]:
        rows = await self._c.scalars(_SESSIONS_ENDED_SINCE, {"since": since})
        return [SessionId(i) for i in rows]

    async def memberships_of_user(self, user_id: UserId) -> list[MembershipSummary]:
        rows = await self._c.execute(_MEMBERSHIPS_OF_USER, {"user_id": user_id})
        return [
            MembershipSummary(
                membership_id=MembershipId(r["id"]),
                organization_id=OrganizationId(r["organization_id"]),
                organization_slug=Slug(r["slug"]),
                organization_name=r["name"],
                role=Role(r["role"]),
                status=MembershipStatus(r["status"]),
            )
            for r in rows.mappings()
        ]

    async def _one(self, **criteria: object) -> Organization | None:
        found = await self._find(p_limit=1, **criteria)
        return found[0] if found else None

    async def _find(self, **criteria: object) -> list[Organization]:
        arguments = {
            "p_id": None,
            "p_slug": None,
            "p_domain": None,
            "p_q": None,
            "p_after": None,
            "p_limit": 1,
        } | criteria
        rows = (await self._c.execute(_FIND_ORGANIZATIONS, arguments)).mappings()
        return [organization_from_row(row, row["domains"]) for row in rows]


class PostgresSystemQueries(_Transaction, PostgresSystemLookups):
    """The lookups, the account stores, the worker's outbox delivery and its look for lapsed
    holds, in one transaction."""

    def __init__(
        self, connection: AsyncConnection, transaction: AsyncTransaction, feed: ChangeFeed | None
    ) -> None:
        super().__init__(connection, transaction, feed)
        self.outbox_delivery = PostgresOutboxDelivery(connection)
        self.expiring_holds = PostgresExpiringHolds(connection)


class PostgresUnitOfWork:
    def __init__(
        self,
        engine: AsyncEngine,
        feed: ChangeFeed | None = None,
        outbox_written: Callable[[], None] | None = None,
        fields: PersonalFields | None = None,
    ) -> None:
        self._engine = engine
        self._feed = feed
        # Encryption of buyers' personal fields: without it (tests of other areas) they are
        # written in clear; the container always passes the configured keys.
        self._fields = fields
        # Told (without waiting) after a tenant transaction that wrote outbox messages has
        # committed: the worker is woken up instead of finding them at its next poll.
        self._outbox_written = outbox_written

    @asynccontextmanager
    async def for_tenant(
        self, organization_id: OrganizationId
    ) -> AsyncIterator[PostgresTenantTransaction]:
        tx: PostgresTenantTransaction | None = None
        try:
            async with self._transaction(organization_id) as (connection, transaction):
                tx = PostgresTenantTransaction(
                    connection, transaction, self._feed, organization_id, self._fields
                )
                yield tx
        finally:
            if tx is not None:
                if tx.outbox_committed and self._outbox_written is not None:
                    self._outbox_written()
                await tx.announce()

    @asynccontextmanager
    async def system(self) -> AsyncIterator[PostgresSystemQueries]:
        queries: PostgresSystemQueries | None = None
        try:
            async with self._transaction(None) as (connection, transaction):
                queries = PostgresSystemQueries(connection, transaction, self._feed)
                yield queries
        finally:
            if queries is not None:
                await queries.announce()

    @asynccontextmanager
    async def lookups(self) -> AsyncIterator[PostgresSystemLookups]:
        # One read-only statement needs no transaction block: in autocommit it is its own
        # transaction, which saves the BEGIN and ROLLBACK round trips.
        async with self._connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            yield PostgresSystemLookups(connection)

    @asynccontextmanager
    async def _transaction(
        self, organization_id: UUID | None
    ) -> AsyncIterator[tuple[AsyncConnection, AsyncTransaction]]:
        async with self._connect() as connection:
            transaction = await connection.begin()
            try:
                if organization_id is not None:
                    await connection.execute(_SET_TENANT, {"organization_id": str(organization_id)})
                yield connection, transaction
            except IntegrityError as error:
                raise (as_domain_error(error) or error) from error
            finally:
                if transaction.is_active:
                    await transaction.rollback()

    @asynccontextmanager
    async def _connect(self) -> AsyncIterator[AsyncConnection]:
        """A pooled connection; an unreachable or lost server is ``DependencyUnavailable``."""
        connection = self._engine.connect()
        try:
            await connection.start()
        except (OSError, DBAPIError, SQLAlchemyTimeoutError) as error:
            raise DependencyUnavailable("database") from error
        try:
            yield connection
        except DBAPIError as error:
            if error.connection_invalidated:
                raise DependencyUnavailable("database") from error
            if _sqlstate(error) == _CHARACTER_NOT_IN_REPERTOIRE:
                # PostgreSQL text and JSONB cannot hold U+0000: a client's input, not our bug.
                raise RuleViolated("text cannot contain the NUL character (\\u0000)") from error
            raise
        finally:
            await connection.close()
