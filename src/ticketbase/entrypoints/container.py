"""The composition root: the only place that chooses adapters, from settings.

APP scope holds what lives as long as the process (engine, clients, stateless services);
REQUEST scope holds what belongs to one call (the actor, the use cases).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import httpx
import structlog
from dishka import (
    AsyncContainer,
    Provider,
    Scope,
    decorate,
    from_context,
    make_async_container,
    provide,
)
from dishka.integrations.litestar import LitestarProvider
from litestar import Request
from prometheus_client import CollectorRegistry
from redis.asyncio import Redis
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from ticketbase.adapters.billing.manual import ManualBilling
from ticketbase.adapters.billing.stripe import StripeBilling
from ticketbase.adapters.content.sniffer import PuremagicSniffer
from ticketbase.adapters.jinja import JinjaEmailTemplates
from ticketbase.adapters.local.broadcast import BroadcastFeed
from ticketbase.adapters.local.cache import CacheHub, TaggedCache
from ticketbase.adapters.local.message_log import LogMessageHandler
from ticketbase.adapters.local.probe import InProcessCacheProbe
from ticketbase.adapters.local.rate_limiter import InProcessRateLimiter
from ticketbase.adapters.local.realtime import OUTBOX, REALTIME, RealtimeBroker, route_of
from ticketbase.adapters.local.storage import LocalObjectStorage
from ticketbase.adapters.mailbox import MailboxMailer, MailboxProbe
from ticketbase.adapters.payments.offline import FreeGateway, ManualGateway
from ticketbase.adapters.payments.stripe import StripeGateway
from ticketbase.adapters.plugins.circuit_breaker import CircuitBreaker
from ticketbase.adapters.plugins.config_schema import JsonSchemaConfigValidator
from ticketbase.adapters.plugins.http_gateway import GatewayLimits, HttpPluginGateway
from ticketbase.adapters.plugins.metrics import PrometheusPluginUsage
from ticketbase.adapters.plugins.probe import PluginServerProbe
from ticketbase.adapters.plugins.service_token import ServiceTokens
from ticketbase.adapters.plugins.unconfigured import UnconfiguredPluginGateway
from ticketbase.adapters.plugins.versions import PackagingVersionRules
from ticketbase.adapters.postgres import migrations
from ticketbase.adapters.postgres.change_feed import PostgresChangeFeed
from ticketbase.adapters.postgres.embedded import EmbeddedPostgres
from ticketbase.adapters.postgres.engine import app_role_url, asyncpg_url, create_engine
from ticketbase.adapters.postgres.personal_fields import PersonalFields
from ticketbase.adapters.postgres.probe import PostgresProbe
from ticketbase.adapters.postgres.realtime import PostgresRealtimeBus
from ticketbase.adapters.postgres.unit_of_work import PostgresUnitOfWork
from ticketbase.adapters.qr import SegnoQrRenderer
from ticketbase.adapters.redis import RedisProbe, create_redis
from ticketbase.adapters.redis.change_feed import RedisChangeFeed
from ticketbase.adapters.redis.rate_limiter import RedisRateLimiter
from ticketbase.adapters.redis.realtime import RedisRealtimeBus
from ticketbase.adapters.s3.storage import S3ObjectStorage, S3Settings
from ticketbase.adapters.security.blob_tokens import HmacBlobTokens
from ticketbase.adapters.security.buyer_tokens import HmacBuyerTokens
from ticketbase.adapters.security.field_cipher import FieldCipher
from ticketbase.adapters.security.passwords import Argon2PasswordHasher
from ticketbase.adapters.security.subject_hash import HmacSubjectHasher
from ticketbase.adapters.security.ticket_codes import Ed25519TicketSigner, TicketSigningKeys
from ticketbase.adapters.security.tokens import JwtTokenService
from ticketbase.adapters.smtp import SmtpMailer, SmtpProbe
from ticketbase.adapters.system import SystemClock, Uuid7Generator
from ticketbase.application.analytics.get_event_analytics import GetEventAnalytics
from ticketbase.application.analytics.get_sales_summary import GetSalesSummary
from ticketbase.application.assets.complete_upload import CompleteAssetUpload
from ticketbase.application.assets.delete_asset import DeleteAsset
from ticketbase.application.assets.get_asset import GetAsset
from ticketbase.application.assets.list_assets import ListAssets
from ticketbase.application.assets.policy import AssetPolicy
from ticketbase.application.assets.receive_blob import ReceiveBlob
from ticketbase.application.assets.request_upload import RequestAssetUpload
from ticketbase.application.assets.reservations import Reservations
from ticketbase.application.assets.serve_blob import ServeBlob
from ticketbase.application.assets.upload_asset import UploadAsset
from ticketbase.application.attendees.announcements import CHECKED_IN
from ticketbase.application.attendees.check_in import CheckInAttendee
from ticketbase.application.attendees.check_in_counts import GetCheckInCounts
from ticketbase.application.attendees.get_attendee import GetAttendee
from ticketbase.application.attendees.list_attendees import ListAttendees
from ticketbase.application.attendees.undo_check_in import UndoCheckIn
from ticketbase.application.attendees.update_attendee import UpdateAttendee
from ticketbase.application.context import Actor
from ticketbase.application.email_templates.deliver_test_email import DeliverTestEmail
from ticketbase.application.email_templates.get_email_template import GetEmailTemplate
from ticketbase.application.email_templates.list_email_templates import ListEmailTemplates
from ticketbase.application.email_templates.preview_email_template import PreviewEmailTemplate
from ticketbase.application.email_templates.reset_email_template import ResetEmailTemplate
from ticketbase.application.email_templates.save_email_template import SaveEmailTemplate
from ticketbase.application.email_templates.send_test_email import TEST_EMAIL, SendTestEmail
from ticketbase.application.events.announcements import TOPICS as ANNOUNCEMENT_TOPICS
from ticketbase.application.events.archive_event import ArchiveEvent
from ticketbase.application.events.cancel_event import CancelEvent
from ticketbase.application.events.create_event import CreateEvent
from ticketbase.application.events.create_promo_code import CreatePromoCode
from ticketbase.application.events.create_ticket_type import CreateTicketType
from ticketbase.application.events.delete_promo_code import DeletePromoCode
from ticketbase.application.events.delete_ticket_type import DeleteTicketType
from ticketbase.application.events.get_event import GetEvent
from ticketbase.application.events.get_public_event import GetPublicEvent, PublicEventCache
from ticketbase.application.events.list_events import ListEvents
from ticketbase.application.events.list_promo_codes import ListPromoCodes
from ticketbase.application.events.list_public_events import (
    ListPublicEvents,
    PublicEventListCache,
)
from ticketbase.application.events.list_ticket_types import ListTicketTypes
from ticketbase.application.events.publish_event import PublishEvent
from ticketbase.application.events.update_event import UpdateEvent
from ticketbase.application.events.update_promo_code import UpdatePromoCode
from ticketbase.application.events.update_ticket_type import UpdateTicketType
from ticketbase.application.identity.account_emails import LinkPolicy
from ticketbase.application.identity.check_session import (
    CheckSession,
    SessionCache,
    WatchEndedSessions,
)
from ticketbase.application.identity.create_organization import CreateOrganization
from ticketbase.application.identity.create_platform_admin import CreatePlatformAdmin
from ticketbase.application.identity.departments.create_department import CreateDepartment
from ticketbase.application.identity.departments.delete_department import DeleteDepartment
from ticketbase.application.identity.departments.department_tree import GetDepartmentTree
from ticketbase.application.identity.departments.get_department import GetDepartment
from ticketbase.application.identity.departments.list_departments import ListDepartments
from ticketbase.application.identity.departments.update_department import UpdateDepartment
from ticketbase.application.identity.get_me import GetMe, ProfileCache
from ticketbase.application.identity.get_organization import GetOrganization
from ticketbase.application.identity.list_audit_log import ListAuditLog
from ticketbase.application.identity.list_organizations import ListOrganizations
from ticketbase.application.identity.log_in import LogIn
from ticketbase.application.identity.login_throttle import LoginLimits, LoginThrottle
from ticketbase.application.identity.password_flows import (
    AcceptInvitation,
    ChangePassword,
    ForgotPassword,
    PasswordServices,
    ResetPassword,
)
from ticketbase.application.identity.purge_ended_sessions import PurgeEndedSessions
from ticketbase.application.identity.refresh_session import RefreshSession
from ticketbase.application.identity.register import Register
from ticketbase.application.identity.resolve_organization import ResolveOrganization, TenantCache
from ticketbase.application.identity.session_management import EndSession, ListSessions
from ticketbase.application.identity.sessions import SessionIssuer, SessionPolicy
from ticketbase.application.identity.update_organization import UpdateOrganization
from ticketbase.application.identity.users.create_user import CreateUser
from ticketbase.application.identity.users.deactivate_user import DeactivateUser
from ticketbase.application.identity.users.list_users import ListUsers
from ticketbase.application.identity.users.update_user import UpdateUser
from ticketbase.application.identity.verify_custom_domain import VerifyCustomDomain
from ticketbase.application.orders.announcements import CONFIRMATION, REFUND_PAYMENT
from ticketbase.application.orders.announcements import TOPICS as ORDER_TOPICS
from ticketbase.application.orders.cancel_order import CancelOrder
from ticketbase.application.orders.checkout import Checkout
from ticketbase.application.orders.expire_holds import ExpireHolds, ExpiryPolicy
from ticketbase.application.orders.get_order import GetOrder
from ticketbase.application.orders.get_ticket import GetTicket
from ticketbase.application.orders.handle_payment_webhook import HandlePaymentWebhook
from ticketbase.application.orders.list_orders import ListOrders
from ticketbase.application.orders.numbers import OrderNumbers
from ticketbase.application.orders.pay_order import PayOrder
from ticketbase.application.orders.record_payment import PaymentGateways, RecordPayment
from ticketbase.application.orders.refund_order import RefundOrder
from ticketbase.application.orders.refund_payment import RefundPayment
from ticketbase.application.orders.resend_confirmation import ResendConfirmation
from ticketbase.application.orders.send_confirmation import (
    ConfirmationPolicy,
    SendOrderConfirmation,
    message_id_domain,
)
from ticketbase.application.outbox.deliver_outbox import (
    DeliverOutbox,
    DeliveryPolicy,
    MessageHandlers,
)
from ticketbase.application.pages.create_page import CreatePage
from ticketbase.application.pages.get_page import GetPage
from ticketbase.application.pages.get_page_version import GetPageVersion
from ticketbase.application.pages.get_public_page import GetPublicPage, PublicPageCache
from ticketbase.application.pages.list_page_versions import ListPageVersions
from ticketbase.application.pages.list_pages import ListPages
from ticketbase.application.pages.publish_page import PublishPage
from ticketbase.application.pages.restore_page_version import RestorePageVersion
from ticketbase.application.pages.update_page import UpdatePage
from ticketbase.application.plugins.access import PLUGIN_INSTALL, PLUGIN_UNINSTALL
from ticketbase.application.plugins.activate_plugin import ActivatePlugin
from ticketbase.application.plugins.configure_plugin import ConfigurePlugin
from ticketbase.application.plugins.install_plugin import InstallPlugin
from ticketbase.application.plugins.list_catalog import ListPluginCatalog
from ticketbase.application.plugins.list_installed import ListInstalledPlugins
from ticketbase.application.plugins.provisioning import CompleteInstall, CompleteUninstall
from ticketbase.application.plugins.proxy import ProxyToPluginServer
from ticketbase.application.plugins.record_status import RecordPluginStatus, WebhookPolicy
from ticketbase.application.plugins.uninstall_plugin import UninstallPlugin
from ticketbase.application.ports.cache import ChangeFeed
from ticketbase.application.ports.email_templates import EmailTemplates
from ticketbase.application.ports.health import DatabaseHealth, Probe
from ticketbase.application.ports.limits import Rate, RateLimiter
from ticketbase.application.ports.mailer import Mailer
from ticketbase.application.ports.outbox import MessageHandler
from ticketbase.application.ports.payments import PaymentGateway, PaymentProvider
from ticketbase.application.ports.plugins import (
    ConfigValidator,
    PluginGateway,
    PluginUsage,
    VersionRules,
)
from ticketbase.application.ports.privacy import SubjectHasher
from ticketbase.application.ports.realtime import RealtimeBus
from ticketbase.application.ports.security import BuyerTokens, PasswordHasher, TokenService
from ticketbase.application.ports.storage import (
    BlobTokens,
    ContentSniffer,
    ObjectStorage,
    StorageQuota,
)
from ticketbase.application.ports.subscriptions import BillingGateway
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.tickets import QrRenderer, TicketSigner
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.application.privacy.erase_personal_data import ErasePersonalData
from ticketbase.application.privacy.export_personal_data import ExportPersonalData
from ticketbase.application.privacy.rotate_keys import RotateEncryptionKeys
from ticketbase.application.realtime.audience import TOPICS as PUSHED_TOPICS
from ticketbase.application.realtime.push import PushToRealtime
from ticketbase.application.subscriptions.change_plan import ChangePlan
from ticketbase.application.subscriptions.get_subscription import GetSubscription
from ticketbase.application.subscriptions.get_usage import GetUsage
from ticketbase.application.subscriptions.limits import MonthlyOrderAllowance
from ticketbase.application.subscriptions.plans import CurrentPlans, PlanCache
from ticketbase.application.subscriptions.storage_quota import PlanStorageQuota
from ticketbase.domain.subscriptions.plan import PlanCatalog, PlanLimits, PlanName
from ticketbase.entrypoints.http.auth import actor_from_request
from ticketbase.entrypoints.http.organization_rate import OrganizationRateLimit
from ticketbase.entrypoints.http.rate_limits import AuthRouteLimit
from ticketbase.entrypoints.http.response_cache import ResponseCache
from ticketbase.entrypoints.periodic import repeat
from ticketbase.entrypoints.settings import Settings, SettingsError

# Infrastructure handles the other entrypoints use (app start-up, the worker, the WebSocket
# route): they reach adapters only through this composition root.
__all__ = [
    "OUTBOX",
    "REALTIME",
    "CacheHub",
    "RealtimeBroker",
    "route_of",
]

log = structlog.get_logger()
SMTPS_PORT = 465  # TLS from the first byte; other ports upgrade with STARTTLS


@dataclass(frozen=True, slots=True)
class RedisHandle:
    """The shared Redis client, or None when running in-process."""

    client: Redis | None


def _rate(settings: Settings, name: str) -> Rate:
    try:
        return Rate.parse(getattr(settings, name))
    except ValueError as error:
        raise SettingsError(f"TICKETBASE_{name.upper()}: {error}") from error


def login_limits(settings: Settings) -> LoginLimits:
    return LoginLimits(
        per_account=_rate(settings, "rate_limit_login"),
        per_ip=_rate(settings, "rate_limit_login_ip"),
    )


def auth_route_limit(settings: Settings) -> AuthRouteLimit:
    return AuthRouteLimit(_rate(settings, "rate_limit_auth"))


def delivery_policy(settings: Settings) -> DeliveryPolicy:
    try:
        return DeliveryPolicy(
            batch_size=settings.worker_outbox_batch_size,
            max_attempts=settings.worker_outbox_max_attempts,
            lease=timedelta(seconds=settings.worker_outbox_lease_seconds),
            handler_timeout=timedelta(seconds=settings.worker_outbox_handler_timeout_seconds),
        )
    except ValueError as error:
        raise SettingsError(
            "TICKETBASE_WORKER_OUTBOX_BATCH_SIZE / _MAX_ATTEMPTS / _LEASE_SECONDS / "
            f"_HANDLER_TIMEOUT_SECONDS: {error}"
        ) from error


def asset_policy(settings: Settings) -> AssetPolicy:
    try:
        return AssetPolicy(
            max_file_bytes=settings.asset_max_file_bytes,
            upload_url_ttl=timedelta(seconds=settings.asset_upload_url_ttl_seconds),
            download_url_ttl=timedelta(seconds=settings.asset_download_url_ttl_seconds),
        )
    except ValueError as error:
        raise SettingsError(
            f"TICKETBASE_ASSET_MAX_FILE_BYTES / _UPLOAD_URL_TTL_SECONDS / "
            f"_DOWNLOAD_URL_TTL_SECONDS: {error}"
        ) from error


def gateway_limits(settings: Settings) -> GatewayLimits:
    if settings.plugin_server_url and not settings.plugin_server_secret:
        raise SettingsError("TICKETBASE_PLUGIN_SERVER_SECRET is not set (the service token)")
    try:
        return GatewayLimits(
            connect_timeout=settings.plugin_server_connect_timeout_seconds,
            read_timeout=settings.plugin_server_read_timeout_seconds,
            max_response_bytes=settings.plugin_server_max_response_bytes,
            max_attempts=settings.plugin_server_max_attempts,
        )
    except ValueError as error:
        raise SettingsError(
            "TICKETBASE_PLUGIN_SERVER_CONNECT_TIMEOUT_SECONDS / _READ_TIMEOUT_SECONDS / "
            f"_MAX_RESPONSE_BYTES / _MAX_ATTEMPTS: {error}"
        ) from error


def check_settings(settings: Settings) -> None:
    """What can only be checked by parsing: called before serving, so a typo stops start-up
    instead of failing the first request."""
    settings.check_production()
    asset_policy(settings)
    login_limits(settings)
    auth_route_limit(settings)
    delivery_policy(settings)
    gateway_limits(settings)
    check_personal_field_keys(settings)


def check_personal_field_keys(settings: Settings) -> None:
    """Configured encryption and lookup keys parse (the development ones are generated)."""
    try:
        if settings.encryption_keys:
            FieldCipher(settings.encryption_keys)
    except ValueError as error:
        raise SettingsError(f"invalid TICKETBASE_ENCRYPTION_KEYS: {error}") from None
    try:
        if settings.privacy_hash_key:
            HmacSubjectHasher(settings.privacy_hash_key)
    except ValueError as error:
        raise SettingsError(f"invalid TICKETBASE_PRIVACY_HASH_KEY: {error}") from None


@contextmanager
def database(settings: Settings) -> Iterator[Settings]:
    """The configured database, or the embedded one started here and stopped on the way out.

    The embedded server belongs to the calling (parent) process: it is started and migrated
    once, server workers only connect, and it is stopped after they have drained."""
    if not settings.uses_embedded_database:
        yield settings
        return
    embedded = EmbeddedPostgres(settings.data_dir)
    log.info("embedded_database_starting", data_dir=str(settings.data_dir))
    try:
        yield settings.export_database_url(embedded.start())
    finally:
        embedded.stop()
        log.info("embedded_database_stopped")


def migrate_database(settings: Settings) -> None:
    owner_url, _ = database_urls(settings)
    migrations.upgrade(owner_url)
    log.info("migrations_applied")


def database_urls(settings: Settings) -> tuple[URL, URL]:
    """(owner URL for migrations, URL the API logs in with).

    With only ``TICKETBASE_DATABASE_URL`` set it is taken as the owner and the API logs in as
    ``ticketbase_app`` on the same server (password-less setups); with
    ``TICKETBASE_MIGRATION_DATABASE_URL`` set too, each URL is used as given.
    """
    if settings.database_url is None:
        raise SettingsError("no database: set TICKETBASE_DATABASE_URL or use `ticketbase serve`")
    if settings.migration_database_url:
        return asyncpg_url(settings.migration_database_url), asyncpg_url(settings.database_url)
    return asyncpg_url(settings.database_url), app_role_url(settings.database_url)


class InfrastructureProvider(Provider):
    scope = Scope.APP
    settings = from_context(Settings)

    @provide
    async def engine(self, settings: Settings) -> AsyncIterator[AsyncEngine]:
        engine = create_engine(
            database_urls(settings)[1],
            pool_size=settings.database_pool_size,
            max_overflow=settings.database_max_overflow,
        )
        yield engine
        await engine.dispose()

    @provide
    def unit_of_work(
        self,
        engine: AsyncEngine,
        feed: ChangeFeed,
        realtime: RealtimeBroker,
        fields: PersonalFields,
    ) -> UnitOfWork:
        # A commit that wrote outbox messages wakes the worker up (see adapters/local/realtime).
        return PostgresUnitOfWork(engine, feed, outbox_written=realtime.wake_outbox, fields=fields)

    @provide
    async def realtime_broker(
        self, settings: Settings, engine: AsyncEngine, redis: RedisHandle
    ) -> AsyncIterator[RealtimeBroker]:
        # Like the change feed: Redis when configured, otherwise the database.
        broker: RealtimeBroker = (
            RedisRealtimeBus(redis.client)
            if redis.client is not None
            else PostgresRealtimeBus(engine, database_urls(settings)[1])
        )
        yield broker
        await broker.aclose()

    @provide
    def realtime_bus(self, broker: RealtimeBroker) -> RealtimeBus:
        return broker

    @provide
    def cache_hub(self) -> CacheHub:
        return CacheHub()

    @provide(provides=ChangeFeed)
    def change_feed(
        self, settings: Settings, hub: CacheHub, engine: AsyncEngine, redis: RedisHandle
    ) -> BroadcastFeed:
        # Redis when configured (several hosts); otherwise the database every process has.
        if redis.client is not None:
            return RedisChangeFeed(hub, redis.client)
        return PostgresChangeFeed(hub, engine, database_urls(settings)[1])

    @provide
    def session_cache(self, hub: CacheHub) -> SessionCache:
        return TaggedCache(hub)

    @provide
    def profile_cache(self, hub: CacheHub) -> ProfileCache:
        return TaggedCache(hub)

    @provide
    def tenant_cache(self, hub: CacheHub) -> TenantCache:
        return TaggedCache(hub)

    @provide
    def public_event_cache(self, hub: CacheHub) -> PublicEventCache:
        return TaggedCache(hub)

    @provide
    def public_event_list_cache(self, hub: CacheHub) -> PublicEventListCache:
        return TaggedCache(hub, max_entries=10_000)

    @provide
    def response_cache(self, hub: CacheHub) -> ResponseCache:
        return ResponseCache(TaggedCache(hub, max_entries=20_000))

    @provide
    def database_probe(self, engine: AsyncEngine) -> DatabaseHealth:
        return PostgresProbe(engine)

    @provide
    async def redis(self, settings: Settings) -> AsyncIterator[RedisHandle]:
        client = create_redis(settings.redis_url) if settings.redis_url else None
        yield RedisHandle(client)
        if client is not None:
            await client.aclose()

    @provide
    def rate_limiter(self, redis: RedisHandle, clock: Clock) -> RateLimiter:
        return RedisRateLimiter(redis.client) if redis.client else InProcessRateLimiter(clock)

    @provide
    def mailer(self, settings: Settings) -> Mailer:
        if settings.smtp_host:
            return SmtpMailer(
                settings.smtp_host,
                settings.smtp_port,
                settings.mail_from,
                username=settings.smtp_username,
                password=settings.smtp_password,
                starttls=settings.smtp_starttls and settings.smtp_port != SMTPS_PORT,
                use_tls=settings.smtp_port == SMTPS_PORT,
            )
        return MailboxMailer(settings.data_dir / "mailbox", settings.mail_from)

    @provide
    def probes(
        self,
        settings: Settings,
        database: DatabaseHealth,
        redis: RedisHandle,
        storage: ObjectStorage,
    ) -> list[Probe]:
        cache: Probe = RedisProbe(redis.client) if redis.client else InProcessCacheProbe()
        mail: Probe = (
            SmtpProbe(
                settings.smtp_host,
                settings.smtp_port,
                starttls=settings.smtp_starttls and settings.smtp_port != SMTPS_PORT,
                use_tls=settings.smtp_port == SMTPS_PORT,
                timeout=1.5,
            )
            if settings.smtp_host
            else MailboxProbe(settings.data_dir / "mailbox")
        )
        return [database, cache, mail, storage]

    @provide
    def clock(self) -> Clock:
        return SystemClock()

    @provide
    def email_templates(self) -> EmailTemplates:
        return JinjaEmailTemplates()

    @provide
    def message_handlers(
        self,
        settings: Settings,
        uow: UnitOfWork,
        mailer: Mailer,
        buyer_tokens: BuyerTokens,
        clock: Clock,
        gateways: PaymentGateways,
        templates: EmailTemplates,
        realtime: RealtimeBus,
    ) -> MessageHandlers:
        """The outbox's handler of each topic. The announcements that ``GET /api/ws`` pushes
        go to the realtime bus; the others are only logged until webhooks and the buyers'
        emails take them over."""
        logged = LogMessageHandler()
        pushed = PushToRealtime(realtime)
        confirmation = SendOrderConfirmation(
            uow,
            mailer,
            buyer_tokens,
            clock,
            ConfirmationPolicy(settings.public_url, message_id_domain(settings.mail_from)),
            templates,
        )
        test_email = DeliverTestEmail(
            uow, mailer, templates, clock, message_id_domain(settings.mail_from)
        )
        return MessageHandlers(
            dict.fromkeys([*ANNOUNCEMENT_TOPICS.values(), *ORDER_TOPICS.values()], logged)
            | dict.fromkeys([*PUSHED_TOPICS, CHECKED_IN], pushed)
            | {
                CONFIRMATION: confirmation,
                REFUND_PAYMENT: RefundPayment(gateways),
                TEST_EMAIL: test_email,
            }
        )

    @provide
    def ids(self) -> IdGenerator:
        return Uuid7Generator()

    @provide
    def password_hasher(self, settings: Settings) -> PasswordHasher:
        # Changing the cost parameters is safe: each hash records its own, and a login
        # rehashes a password stored with other parameters.
        return Argon2PasswordHasher(
            time_cost=settings.password_hash_time_cost,
            memory_cost_kib=settings.password_hash_memory_kib,
            max_concurrent=settings.password_hash_concurrency,
        )

    @provide
    def ticket_signer(self, settings: Settings) -> TicketSigner:
        try:
            keys = (
                TicketSigningKeys.parse(settings.ticket_signing_keys)
                if settings.ticket_signing_keys
                else TicketSigningKeys.development(settings.data_dir)
            )
        except ValueError as error:
            raise SettingsError(f"invalid TICKETBASE_TICKET_SIGNING_KEYS: {error}") from None
        return Ed25519TicketSigner(keys)

    @provide
    def qr_renderer(self) -> QrRenderer:
        return SegnoQrRenderer()

    @provide
    async def payment_gateways(self, settings: Settings) -> AsyncIterator[PaymentGateways]:
        gateways: dict[PaymentProvider, PaymentGateway] = {
            PaymentProvider.FREE: FreeGateway(),
            PaymentProvider.MANUAL: ManualGateway(),
        }
        stripe = None
        if settings.stripe_secret_key:
            if not settings.stripe_webhook_secret:
                raise SettingsError("TICKETBASE_STRIPE_WEBHOOK_SECRET is not set")
            stripe = StripeGateway(
                settings.stripe_secret_key,
                settings.stripe_webhook_secret,
                api_base=settings.stripe_api_base,
            )
            gateways[PaymentProvider.STRIPE] = stripe
        yield PaymentGateways(gateways)
        if stripe is not None:
            await stripe.aclose()

    @provide
    def order_numbers(self, uow: UnitOfWork, clock: Clock) -> OrderNumbers:
        return OrderNumbers(uow, clock)  # one per process: it keeps the reserved blocks

    @provide(scope=Scope.REQUEST)
    def checkout(
        self,
        uow: UnitOfWork,
        clock: Clock,
        ids: IdGenerator,
        buyer_tokens: BuyerTokens,
        numbers: OrderNumbers,
        allowance: MonthlyOrderAllowance,
    ) -> Checkout:
        return Checkout(uow, clock, ids, buyer_tokens, numbers, allowance)

    @provide
    def record_payment(
        self, uow: UnitOfWork, clock: Clock, ids: IdGenerator, signer: TicketSigner
    ) -> RecordPayment:
        return RecordPayment(uow, clock, ids, signer)

    @provide
    def buyer_tokens(self, settings: Settings) -> BuyerTokens:
        if not settings.jwt_secret:
            raise SettingsError("TICKETBASE_JWT_SECRET is not set")
        return HmacBuyerTokens(settings.jwt_secret)

    @provide
    def token_service(self, settings: Settings, clock: Clock) -> TokenService:
        if not settings.jwt_secret:
            raise SettingsError("TICKETBASE_JWT_SECRET is not set")
        return JwtTokenService(
            secret=settings.jwt_secret,
            previous_secrets=settings.jwt_previous_secrets,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            ttl_seconds=settings.access_token_ttl_seconds,
            clock=clock,
        )


class IdentityPolicyProvider(Provider):
    """Identity settings turned into the policies and collaborators the use cases take."""

    scope = Scope.APP

    @provide
    def session_policy(self, settings: Settings) -> SessionPolicy:
        return SessionPolicy(refresh_token_ttl_seconds=settings.refresh_token_ttl_seconds)

    @provide
    def link_policy(self, settings: Settings) -> LinkPolicy:
        return LinkPolicy(admin_app_url=settings.admin_app_url)

    @provide
    def login_limits(self, settings: Settings) -> LoginLimits:
        return login_limits(settings)

    @provide
    def auth_route_limit(self, settings: Settings) -> AuthRouteLimit:
        return auth_route_limit(settings)

    issuer = provide(SessionIssuer)
    throttle = provide(LoginThrottle)
    password_services = provide(PasswordServices)
    log_in = provide(LogIn)  # APP scope: it keeps one dummy hash for unknown emails
    check_session = provide(CheckSession)
    # APP scope: the storefront's reads keep their caches for the process's life.
    get_public_event = provide(GetPublicEvent)
    list_public_events = provide(ListPublicEvents)

    @provide
    def watch_ended_sessions(
        self, uow: UnitOfWork, feed: ChangeFeed, clock: Clock
    ) -> WatchEndedSessions:
        return WatchEndedSessions(uow, feed, clock)

    get_me = provide(GetMe)

    @provide
    def resolve_organization(
        self, uow: UnitOfWork, settings: Settings, cache: TenantCache
    ) -> ResolveOrganization:
        return ResolveOrganization(uow, settings.base_domain, cache)


class UseCaseProvider(Provider):
    scope = Scope.REQUEST

    register = provide(Register)
    refresh_session = provide(RefreshSession)
    end_session = provide(EndSession)
    list_sessions = provide(ListSessions)
    forgot_password = provide(ForgotPassword)
    reset_password = provide(ResetPassword)
    accept_invitation = provide(AcceptInvitation)
    change_password = provide(ChangePassword)
    list_users = provide(ListUsers)
    create_user = provide(CreateUser)
    update_user = provide(UpdateUser)
    deactivate_user = provide(DeactivateUser)
    list_audit_log = provide(ListAuditLog)
    get_sales_summary = provide(GetSalesSummary)
    get_event_analytics = provide(GetEventAnalytics)
    get_order = provide(GetOrder)
    pay_order = provide(PayOrder)
    get_ticket = provide(GetTicket)
    handle_payment_webhook = provide(HandlePaymentWebhook)
    list_orders = provide(ListOrders)
    cancel_order = provide(CancelOrder)
    refund_order = provide(RefundOrder)
    resend_confirmation = provide(ResendConfirmation)
    list_attendees = provide(ListAttendees)
    get_attendee = provide(GetAttendee)
    update_attendee = provide(UpdateAttendee)
    check_in_attendee = provide(CheckInAttendee)
    undo_check_in = provide(UndoCheckIn)
    get_check_in_counts = provide(GetCheckInCounts)
    list_email_templates = provide(ListEmailTemplates)
    get_email_template = provide(GetEmailTemplate)
    save_email_template = provide(SaveEmailTemplate)
    reset_email_template = provide(ResetEmailTemplate)
    preview_email_template = provide(PreviewEmailTemplate)
    send_test_email = provide(SendTestEmail)

    @provide
    def purge_ended_sessions(self, uow: UnitOfWork, clock: Clock) -> PurgeEndedSessions:
        return PurgeEndedSessions(uow, clock)

    @provide
    def deliver_outbox(
        self, uow: UnitOfWork, clock: Clock, handlers: MessageHandlers, settings: Settings
    ) -> DeliverOutbox:
        return DeliverOutbox(uow, clock, handlers, delivery_policy(settings))

    @provide
    def expire_holds(
        self, uow: UnitOfWork, clock: Clock, ids: IdGenerator, settings: Settings
    ) -> ExpireHolds:
        policy = ExpiryPolicy(batch_size=settings.worker_hold_expiry_batch_size)
        return ExpireHolds(uow, clock, ids, policy)

    create_event = provide(CreateEvent)
    update_event = provide(UpdateEvent)
    publish_event = provide(PublishEvent)
    cancel_event = provide(CancelEvent)
    archive_event = provide(ArchiveEvent)
    list_events = provide(ListEvents)
    get_event = provide(GetEvent)
    list_ticket_types = provide(ListTicketTypes)
    create_ticket_type = provide(CreateTicketType)
    update_ticket_type = provide(UpdateTicketType)
    delete_ticket_type = provide(DeleteTicketType)
    list_promo_codes = provide(ListPromoCodes)
    create_promo_code = provide(CreatePromoCode)
    update_promo_code = provide(UpdatePromoCode)
    delete_promo_code = provide(DeletePromoCode)
    create_organization = provide(CreateOrganization)
    get_organization = provide(GetOrganization)
    update_organization = provide(UpdateOrganization)
    list_organizations = provide(ListOrganizations)
    verify_custom_domain = provide(VerifyCustomDomain)
    create_platform_admin = provide(CreatePlatformAdmin)
    list_departments = provide(ListDepartments)
    get_department = provide(GetDepartment)
    get_department_tree = provide(GetDepartmentTree)
    create_department = provide(CreateDepartment)
    update_department = provide(UpdateDepartment)
    delete_department = provide(DeleteDepartment)


class AssetProvider(Provider):
    """Object storage (a folder by default, S3 when configured) and the asset use cases."""

    scope = Scope.APP

    @provide
    async def object_storage(
        self, settings: Settings, tokens: BlobTokens, clock: Clock
    ) -> AsyncIterator[ObjectStorage]:
        if settings.storage_backend == "local":
            yield LocalObjectStorage(
                settings.data_dir / "assets", tokens, clock, settings.public_url
            )
            return
        try:
            s3 = S3Settings(
                bucket=settings.s3_bucket,
                endpoint_url=settings.s3_endpoint_url,
                region=settings.s3_region,
                access_key_id=settings.s3_access_key_id,
                secret_access_key=settings.s3_secret_access_key,
                path_style=settings.s3_path_style,
                create_bucket=settings.s3_create_bucket,
            )
        except ValueError as error:
            raise SettingsError(f"TICKETBASE_S3_*: {error}") from error
        storage = await S3ObjectStorage(s3, clock).open()
        yield storage
        await storage.aclose()

    @provide
    def blob_tokens(self, settings: Settings) -> BlobTokens:
        if not settings.jwt_secret:
            raise SettingsError("TICKETBASE_JWT_SECRET is not set")
        return HmacBlobTokens(settings.jwt_secret)

    @provide
    def sniffer(self) -> ContentSniffer:
        return PuremagicSniffer()

    @provide
    def storage_quota(self, plans: CurrentPlans) -> StorageQuota:
        return PlanStorageQuota(plans)  # the plan's storage bytes

    @provide
    def policy(self, settings: Settings) -> AssetPolicy:
        return asset_policy(settings)

    reservations = provide(Reservations)
    upload_asset = provide(UploadAsset, scope=Scope.REQUEST)
    request_upload = provide(RequestAssetUpload, scope=Scope.REQUEST)
    complete_upload = provide(CompleteAssetUpload, scope=Scope.REQUEST)
    list_assets = provide(ListAssets, scope=Scope.REQUEST)
    get_asset = provide(GetAsset, scope=Scope.REQUEST)
    delete_asset = provide(DeleteAsset, scope=Scope.REQUEST)
    serve_blob = provide(ServeBlob, scope=Scope.REQUEST)
    receive_blob = provide(ReceiveBlob, scope=Scope.REQUEST)


class PagesProvider(Provider):
    """Storefront pages: the staff use cases per request; the storefront's read (APP scope)
    keeps its cache of published pages for the process's life."""

    scope = Scope.REQUEST

    @provide(scope=Scope.APP)
    def public_page_cache(self, hub: CacheHub) -> PublicPageCache:
        return TaggedCache(hub, max_entries=20_000)

    get_public_page = provide(GetPublicPage, scope=Scope.APP)
    list_pages = provide(ListPages)
    get_page = provide(GetPage)
    create_page = provide(CreatePage)
    update_page = provide(UpdatePage)
    publish_page = provide(PublishPage)
    list_page_versions = provide(ListPageVersions)
    get_page_version = provide(GetPageVersion)
    restore_page_version = provide(RestorePageVersion)


class PrivacyProvider(Provider):
    """Privacy requests: the keyed hash naming a data subject (configured, or generated once
    into the data dir in development) and the export and erasure use cases."""

    scope = Scope.REQUEST

    @provide(scope=Scope.APP)
    def hmac_subject_hasher(self, settings: Settings) -> HmacSubjectHasher:
        if not settings.privacy_hash_key:
            return HmacSubjectHasher.development(settings.data_dir)
        try:
            return HmacSubjectHasher(settings.privacy_hash_key)
        except ValueError as error:
            raise SettingsError(f"invalid TICKETBASE_PRIVACY_HASH_KEY: {error}") from None

    @provide(scope=Scope.APP)
    def subject_hasher(self, hasher: HmacSubjectHasher) -> SubjectHasher:
        return hasher

    @provide(scope=Scope.APP)
    def personal_fields(self, settings: Settings, hasher: HmacSubjectHasher) -> PersonalFields:
        """Buyers' names and emails encrypted under the configured keys (newest first), looked
        up by the privacy hash of the email."""
        try:
            cipher = (
                FieldCipher(settings.encryption_keys)
                if settings.encryption_keys
                else FieldCipher.development(settings.data_dir)
            )
        except ValueError as error:
            raise SettingsError(f"invalid TICKETBASE_ENCRYPTION_KEYS: {error}") from None
        return PersonalFields(cipher, hasher)

    export_personal_data = provide(ExportPersonalData)
    erase_personal_data = provide(ErasePersonalData)
    rotate_encryption_keys = provide(RotateEncryptionKeys)


class PluginProvider(Provider):
    """The plugin server: one shared httpx client for the app's life, the gateway (or the
    unconfigured one when ``TICKETBASE_PLUGIN_SERVER_URL`` is unset), its probe and the worker's
    handlers joined to the others, the rule books and the plugin use cases."""

    scope = Scope.APP

    @provide
    def plugin_usage_metrics(self, settings: Settings) -> PrometheusPluginUsage:
        return PrometheusPluginUsage(max_tenants=settings.plugin_metrics_max_tenants)

    @provide
    def plugin_usage(self, metrics: PrometheusPluginUsage) -> PluginUsage:
        return metrics

    @provide
    async def plugin_gateway(
        self, settings: Settings, usage: PluginUsage
    ) -> AsyncIterator[PluginGateway]:
        if not settings.plugin_server_url:
            yield UnconfiguredPluginGateway()
            return
        limits = gateway_limits(settings)
        client = httpx.AsyncClient(
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
            follow_redirects=False,
        )
        try:
            yield HttpPluginGateway(
                settings.plugin_server_url,
                ServiceTokens(settings.plugin_server_secret or ""),
                client,
                usage,
                limits=limits,
                breaker=CircuitBreaker(
                    failure_threshold=settings.plugin_server_failure_threshold,
                    open_seconds=settings.plugin_server_open_seconds,
                ),
            )
        finally:
            await client.aclose()

    @decorate
    def with_plugin_server_probe(self, probes: list[Probe], gateway: PluginGateway) -> list[Probe]:
        return [*probes, PluginServerProbe(gateway)]

    @decorate
    def with_plugin_handlers(
        self, handlers: MessageHandlers, uow: UnitOfWork, gateway: PluginGateway, clock: Clock
    ) -> MessageHandlers:
        mine: dict[str, MessageHandler] = {
            PLUGIN_INSTALL: CompleteInstall(uow, gateway, clock),
            PLUGIN_UNINSTALL: CompleteUninstall(uow, gateway),
        }
        theirs = {topic: handlers.for_topic(topic) for topic in handlers.topics}
        return MessageHandlers({k: v for k, v in theirs.items() if v is not None} | mine)

    @provide
    def config_validator(self) -> ConfigValidator:
        return JsonSchemaConfigValidator()

    @provide
    def version_rules(self) -> VersionRules:
        return PackagingVersionRules()

    @provide
    def webhook_policy(self, settings: Settings) -> WebhookPolicy:
        return WebhookPolicy(
            secret=settings.plugin_server_secret if settings.plugin_server_url else None,
            tolerance=timedelta(seconds=settings.plugin_webhook_tolerance_seconds),
        )

    list_catalog = provide(ListPluginCatalog, scope=Scope.REQUEST)
    list_installed = provide(ListInstalledPlugins, scope=Scope.REQUEST)
    install = provide(InstallPlugin, scope=Scope.REQUEST)
    uninstall = provide(UninstallPlugin, scope=Scope.REQUEST)
    configure = provide(ConfigurePlugin, scope=Scope.REQUEST)
    activate = provide(ActivatePlugin, scope=Scope.REQUEST)
    proxy = provide(ProxyToPluginServer, scope=Scope.REQUEST)
    record_status = provide(RecordPluginStatus, scope=Scope.REQUEST)


class SubscriptionProvider(Provider):
    """Plans and their limits: the catalog from settings, the per-process plan cache and
    monthly order allowance, billing, and the subscription use cases."""

    scope = Scope.APP

    @provide
    def catalog(self, settings: Settings) -> PlanCatalog:
        return plan_catalog(settings)

    @provide
    def plan_cache(self, hub: CacheHub) -> PlanCache:
        return TaggedCache(hub)

    current_plans = provide(CurrentPlans)
    monthly_orders = provide(MonthlyOrderAllowance)  # one per process: it keeps the shares
    organization_rate = provide(OrganizationRateLimit)

    @provide
    async def billing(self, settings: Settings) -> AsyncIterator[BillingGateway]:
        if settings.billing_provider == "manual":
            yield ManualBilling()
            return
        prices = {
            plan: price
            for plan, price in (
                (PlanName.PRO, settings.stripe_price_pro),
                (PlanName.ENTERPRISE, settings.stripe_price_enterprise),
            )
            if price
        }
        async with httpx.AsyncClient(follow_redirects=False) as client:
            try:
                billing = StripeBilling(
                    settings.stripe_secret_key or "",
                    prices,
                    api_base=settings.stripe_api_base,
                    client=client,
                )
            except ValueError as error:
                raise SettingsError(
                    f"TICKETBASE_BILLING_PROVIDER=stripe: {error} "
                    "(TICKETBASE_STRIPE_SECRET_KEY, TICKETBASE_STRIPE_PRICE_PRO/_ENTERPRISE)"
                ) from error
            yield billing

    get_subscription = provide(GetSubscription, scope=Scope.REQUEST)
    change_plan = provide(ChangePlan, scope=Scope.REQUEST)
    get_usage = provide(GetUsage, scope=Scope.REQUEST)


def plan_catalog(settings: Settings) -> PlanCatalog:
    """``TICKETBASE_PLAN_<PLAN>_<LIMIT>`` for every plan (``null``: unlimited)."""
    limits = {}
    for plan in PlanName:
        try:
            limits[plan] = PlanLimits(
                seats=getattr(settings, f"plan_{plan.value}_seats"),
                published_events=getattr(settings, f"plan_{plan.value}_published_events"),
                orders_per_month=getattr(settings, f"plan_{plan.value}_orders_per_month"),
                storage_bytes=getattr(settings, f"plan_{plan.value}_storage_bytes"),
                api_requests_per_minute=getattr(
                    settings, f"plan_{plan.value}_api_requests_per_minute"
                ),
            )
        except ValueError as error:
            raise SettingsError(f"TICKETBASE_PLAN_{plan.value.upper()}_*: {error}") from error
    return PlanCatalog(limits)


class HttpProvider(Provider):
    scope = Scope.REQUEST

    @provide
    async def actor(
        self,
        request: Request,  # type: ignore[type-arg]
        tokens: TokenService,
        check_session: CheckSession,
        organization_rate: OrganizationRateLimit,
    ) -> Actor:
        actor = await actor_from_request(request, tokens, check_session)
        if actor.organization_id is not None:  # the plan's API rate (organization_rate.py)
            await organization_rate.count(request.scope, actor.organization_id)
        return actor


class CacheKeepers:
    """What keeps this process's caches exact while it serves: the change-feed subscription and
    the sweep of lately ended sessions (the backstop for a writer that died before publishing).
    Started before the first request is served and stopped after the last."""

    def __init__(self, feed: BroadcastFeed, watch: WatchEndedSessions) -> None:
        self._feed, self._watch = feed, watch
        self._tasks: list[asyncio.Task[None]] = []
        self._stop = asyncio.Event()

    async def start(self, *, wait_seconds: float = 5.0) -> None:
        self._stop.clear()
        sweep = repeat(
            "ended_sessions_sweep", self._sweep_once, self._feed.health_interval, self._stop
        )
        self._tasks = [
            asyncio.create_task(self._feed.run(), name="change-feed"),
            asyncio.create_task(sweep, name="ended-sessions-sweep"),
        ]
        # Until subscribed, requests read the database (correct, only slower): don't hang.
        if not await self._feed.wait_synced(wait_seconds):
            log.warning("change_feed_not_ready", waited_seconds=wait_seconds)

    async def stop(self) -> None:
        self._stop.set()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def _sweep_once(self) -> bool:
        await self._watch()
        return False


async def cache_keepers(container: AsyncContainer) -> CacheKeepers:
    feed = await container.get(ChangeFeed)
    assert isinstance(feed, BroadcastFeed)
    return CacheKeepers(feed, await container.get(WatchEndedSessions))


async def extra_metrics(container: AsyncContainer) -> list[CollectorRegistry]:
    """Registries that ``/metrics`` renders next to the HTTP metrics (the plugin usage)."""
    return [(await container.get(PrometheusPluginUsage)).registry]


def make_container(settings: Settings, *overrides: Provider) -> AsyncContainer:
    """The single place adapters are chosen; tests pass providers with ``override=True``."""
    return make_async_container(
        InfrastructureProvider(),
        IdentityPolicyProvider(),
        UseCaseProvider(),
        PluginProvider(),
        PagesProvider(),
        AssetProvider(),
        SubscriptionProvider(),
        PrivacyProvider(),
        HttpProvider(),
        LitestarProvider(),
        *overrides,
        context={Settings: settings},
    )
