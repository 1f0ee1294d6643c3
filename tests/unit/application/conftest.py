"""Fixtures for use-case tests: the in-memory adapters and callers of every kind."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from uuid import UUID

import pytest

from ticketbase.adapters.memory.system import FixedClock, SequentialIds
from ticketbase.adapters.memory.unit_of_work import MemoryUnitOfWork
from ticketbase.application.context import Actor, RequestMeta
from ticketbase.application.identity.create_organization import (
    CreateOrganization,
    CreateOrganizationCommand,
)
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.identity.permissions import Permission, Role, effective_permissions
from ticketbase.domain.shared.ids import OrganizationId, SessionId, UserId

MakeMember = Callable[..., Actor]
MakeOrganization = Callable[..., Awaitable[Organization]]


@pytest.fixture
def uow() -> MemoryUnitOfWork:
    return MemoryUnitOfWork()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def ids() -> SequentialIds:
    return SequentialIds()


@pytest.fixture
def make_organization(
    uow: MemoryUnitOfWork, clock: FixedClock, ids: SequentialIds
) -> MakeOrganization:
    """Create (and commit) an organization through the real use case."""
    create = CreateOrganization(uow, clock, ids)

    async def make(slug: str, name: str | None = None) -> Organization:
        return await create(CreateOrganizationCommand(name=name or slug.title(), slug=slug))

    return make


_user_numbers = iter(range(10_000, 1_000_000))


@pytest.fixture
def make_member() -> MakeMember:
    """An actor acting as a member of ``organization_id`` with a role and its effective set."""

    def make(
        organization_id: OrganizationId,
        role: Role,
        *,
        grants: Iterable[Permission] = (),
        revokes: Iterable[Permission] = (),
        is_platform_admin: bool = False,
    ) -> Actor:
        n = next(_user_numbers)
        return Actor(
            user_id=UserId(UUID(int=n)),
            session_id=SessionId(UUID(int=n + 1)),
            organization_id=organization_id,
            role=role,
            permissions=effective_permissions(role, grants, revokes),
            is_platform_admin=is_platform_admin,
            meta=RequestMeta(ip="203.0.113.7", user_agent="pytest", request_id=f"req-{n}"),
        )

    return make


@pytest.fixture
def platform_admin() -> Actor:
    """A platform administrator who is not acting as a member of any organization."""
    return Actor(
        user_id=UserId(UUID(int=99)),
        session_id=SessionId(UUID(int=98)),
        is_platform_admin=True,
    )
