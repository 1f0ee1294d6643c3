"""``UnitOfWork.lookups()`` on PostgreSQL: the cross-tenant reads of ``system()`` without a
transaction block, and a pooled connection that is transactional again afterwards."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import URL

from ticketbase.adapters.postgres.engine import app_role_url, create_engine
from ticketbase.adapters.postgres.unit_of_work import PostgresUnitOfWork
from ticketbase.adapters.system import SystemClock, Uuid7Generator
from ticketbase.application.identity.create_organization import (
    CreateOrganization,
    CreateOrganizationCommand,
)
from ticketbase.application.pagination import PageRequest
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.identity.user import User
from ticketbase.domain.shared.ids import UserId
from ticketbase.domain.shared.values import EmailAddress

pytestmark = pytest.mark.anyio
IDS = Uuid7Generator()


@pytest.fixture
async def uow(database_url: URL) -> AsyncIterator[PostgresUnitOfWork]:
    # One pooled connection: every block below runs on the same server session.
    engine = create_engine(app_role_url(database_url), pool_size=1, max_overflow=0)
    try:
        yield PostgresUnitOfWork(engine)
    finally:
        await engine.dispose()


@pytest.fixture
async def organization(uow: PostgresUnitOfWork) -> Organization:
    create = CreateOrganization(uow, SystemClock(), IDS)
    slug = f"l-{IDS.new().hex[-12:]}"
    return await create(CreateOrganizationCommand(name="Lookup", slug=slug))


async def test_lookups_answer_as_the_system_door_does(
    uow: PostgresUnitOfWork, organization: Organization
) -> None:
    async with uow.system() as system:
        by_id = await system.organization_by_id(organization.id)
        by_slug = await system.organization_by_slug(organization.slug)
        listed = await system.list_organizations("Lookup", PageRequest(limit=200))
    async with uow.lookups() as lookups:
        assert await lookups.organization_by_id(organization.id) == by_id == organization
        assert await lookups.organization_by_slug(organization.slug) == by_slug
        assert await lookups.list_organizations("Lookup", PageRequest(limit=200)) == listed
        assert await lookups.organization_by_verified_domain("nowhere.example") is None
        assert await lookups.memberships_of_user(UserId(IDS.new())) == []


async def test_after_lookups_the_pooled_connection_rolls_back_uncommitted_writes(
    uow: PostgresUnitOfWork, organization: Organization
) -> None:
    async with uow.lookups() as lookups:
        assert await lookups.organization_by_slug(organization.slug) is not None
    user = User(
        id=UserId(IDS.new()),
        email=EmailAddress.parse(f"{IDS.new().hex}@lookups.test"),
        full_name="Not Committed",
        password_hash=None,
        created_at=datetime.now(UTC),
    )
    async with uow.system() as system:
        await system.users.add(user)
        assert await system.users.get(user.id) is not None
    async with uow.system() as system:
        assert await system.users.get(user.id) is None
