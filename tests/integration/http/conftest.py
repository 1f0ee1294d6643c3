"""An app on the real test database, and tenants with tokens for each role."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from dishka import Provider
from litestar import Litestar
from sqlalchemy.engine import URL

from ticketbase.application.identity.create_organization import (
    CreateOrganization,
    CreateOrganizationCommand,
)
from ticketbase.application.ports.security import TokenService
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.identity.permissions import Role
from ticketbase.domain.identity.session import Session
from ticketbase.domain.identity.user import User
from ticketbase.domain.shared.ids import SessionId, UserId
from ticketbase.domain.shared.values import EmailAddress
from ticketbase.entrypoints.http.app import create_app
from ticketbase.entrypoints.settings import Settings

BASE_URL = "http://testserver.local"
JWT_SECRET = "integration-tests-secret-0123456789abcdef"


@pytest.fixture
def settings(database_url: URL, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url.render_as_string(hide_password=False),
        data_dir=tmp_path,
        jwt_secret=JWT_SECRET,
        log_format="json",
        log_level="WARNING",
        database_pool_size=4,
    )


AppFactory = Callable[..., Litestar]


@pytest.fixture
def make_app(settings: Settings) -> AppFactory:
    def build(*overrides: Provider, **changes: object) -> Litestar:
        return create_app(replace(settings, **changes), *overrides)  # type: ignore[arg-type]

    return build


@asynccontextmanager
async def running(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan, called in-process on the test's own event loop.

    (Litestar's AsyncTestClient runs the lifespan on another loop, which asyncpg's pooled
    connections do not survive.)"""
    async with app.lifespan():
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50123))
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            yield client


@pytest.fixture
def app(make_app: AppFactory) -> Litestar:
    return make_app()


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app) as http:
        yield http


@dataclass
class Tenant:
    """An organization and, per role, an account with a live session to sign tokens for (a
    token whose session does not exist is refused, so tests use real ones)."""

    organization: Organization
    tokens: TokenService
    callers: dict[tuple[Role | None, bool], tuple[UserId, SessionId]]

    def token(self, role: Role | None = Role.OWNER, *, platform_admin: bool = False) -> str:
        user_id, session_id = self.callers[(role, platform_admin)]
        token, _ = self.tokens.issue_access_token(
            user_id=user_id,
            session_id=session_id,
            organization_id=self.organization.id if role else None,
            role=role,
            is_platform_admin=platform_admin,
        )
        return token

    def auth(self, role: Role | None = Role.OWNER, **kwargs: bool) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token(role, **kwargs)}"}


CALLERS: list[tuple[Role | None, bool]] = [(role, False) for role in Role] + [
    (Role.OWNER, True),
    (None, True),
]


async def new_tenant(app: Litestar, name: str = "Acme Events") -> Tenant:
    container = app.state.dishka_container
    async with container() as request:
        create = await request.get(CreateOrganization)
        organization = await create(
            CreateOrganizationCommand(name=name, slug=f"t-{uuid.uuid4().hex[:12]}")
        )
    uow = await container.get(UnitOfWork)
    now = datetime.now(UTC)
    callers: dict[tuple[Role | None, bool], tuple[UserId, SessionId]] = {}
    async with uow.system() as system:
        for role, platform_admin in CALLERS:
            user_id, session_id = UserId(uuid.uuid4()), SessionId(uuid.uuid4())
            await system.users.add(
                User(
                    id=user_id,
                    email=EmailAddress.parse(f"{user_id.hex}@callers.example"),
                    full_name=f"{role or 'no role'} caller",
                    password_hash=None,
                    created_at=now,
                    is_platform_admin=platform_admin,
                )
            )
            session = Session(
                id=session_id,
                user_id=user_id,
                organization_id=organization.id if role else None,
                created_at=now,
                last_used_at=now,
                expires_at=now + timedelta(days=1),
            )
            await system.sessions.add(session, secrets.token_bytes(32))
            callers[(role, platform_admin)] = (user_id, session_id)
        await system.commit()
    return Tenant(organization, await container.get(TokenService), callers)


@pytest.fixture
async def tenant(app: Litestar, client: httpx.AsyncClient) -> Tenant:
    return await new_tenant(app)


@pytest.fixture
async def other_tenant(app: Litestar, client: httpx.AsyncClient) -> Tenant:
    return await new_tenant(app, "Rival Tickets")
