"""The composition root: the only place that chooses adapters, from settings.

APP scope holds what lives as long as the process (engine, clients, stateless services);
REQUEST scope holds what belongs to one call (the actor, the use cases).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from dishka import AsyncContainer, Provider, Scope, from_context, make_async_container, provide
from dishka.integrations.litestar import LitestarProvider
from litestar import Request
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from ticketbase.adapters.local.probe import InProcessCacheProbe
from ticketbase.adapters.postgres.engine import app_role_url, asyncpg_url, create_engine
from ticketbase.adapters.postgres.probe import PostgresProbe
from ticketbase.adapters.postgres.unit_of_work import PostgresUnitOfWork
from ticketbase.adapters.redis import RedisProbe, create_redis
from ticketbase.adapters.security.passwords import Argon2PasswordHasher
from ticketbase.adapters.security.tokens import JwtTokenService
from ticketbase.adapters.system import SystemClock, Uuid7Generator
from ticketbase.application.context import Actor
from ticketbase.application.identity.create_organization import CreateOrganization
from ticketbase.application.identity.create_platform_admin import CreatePlatformAdmin
from ticketbase.application.identity.get_organization import GetOrganization
from ticketbase.application.identity.list_organizations import ListOrganizations
from ticketbase.application.identity.resolve_organization import ResolveOrganization
from ticketbase.application.identity.update_organization import UpdateOrganization
from ticketbase.application.identity.verify_custom_domain import VerifyCustomDomain
from ticketbase.application.ports.health import Probe
from ticketbase.application.ports.security import PasswordHasher, TokenService
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.entrypoints.http.auth import actor_from_request
from ticketbase.entrypoints.settings import Settings, SettingsError


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
    def unit_of_work(self, engine: AsyncEngine) -> UnitOfWork:
        return PostgresUnitOfWork(engine)

    @provide
    def database_probe(self, engine: AsyncEngine) -> PostgresProbe:
        return PostgresProbe(engine)

    @provide
    async def probes(
        self, settings: Settings, database: PostgresProbe
    ) -> AsyncIterator[list[Probe]]:
        if settings.redis_url:
            redis = create_redis(settings.redis_url)
            yield [database, RedisProbe(redis)]
            await redis.aclose()
        else:
            yield [database, InProcessCacheProbe()]

    @provide
    def clock(self) -> Clock:
        return SystemClock()

    @provide
    def ids(self) -> IdGenerator:
        return Uuid7Generator()

    @provide
    def password_hasher(self) -> PasswordHasher:
        return Argon2PasswordHasher()

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


class UseCaseProvider(Provider):
    scope = Scope.REQUEST

    create_organization = provide(CreateOrganization)
    get_organization = provide(GetOrganization)
    update_organization = provide(UpdateOrganization)
    list_organizations = provide(ListOrganizations)
    verify_custom_domain = provide(VerifyCustomDomain)
    create_platform_admin = provide(CreatePlatformAdmin)

    @provide
    def resolve_organization(self, uow: UnitOfWork, settings: Settings) -> ResolveOrganization:
        return ResolveOrganization(uow, settings.base_domain)


class HttpProvider(Provider):
    scope = Scope.REQUEST

    @provide
    def actor(self, request: Request, tokens: TokenService) -> Actor:  # type: ignore[type-arg]
        return actor_from_request(request, tokens)


def make_container(settings: Settings, *overrides: Provider) -> AsyncContainer:
    """The single place adapters are chosen; tests pass providers with ``override=True``."""
    return make_async_container(
        InfrastructureProvider(),
        UseCaseProvider(),
        HttpProvider(),
        LitestarProvider(),
        *overrides,
        context={Settings: settings},
    )
