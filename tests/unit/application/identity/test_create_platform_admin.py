"""CreatePlatformAdmin: a new administrator account, or the promotion of an existing one."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from uuid import UUID

import pytest

from ticketbase.adapters.memory.system import FixedClock, SequentialIds
from ticketbase.adapters.memory.unit_of_work import MemoryUnitOfWork
from ticketbase.application.identity.create_platform_admin import (
    CreatePlatformAdmin,
    CreatePlatformAdminCommand,
)
from ticketbase.domain.identity.user import User
from ticketbase.domain.shared.errors import RuleViolated
from ticketbase.domain.shared.ids import UserId
from ticketbase.domain.shared.values import EmailAddress

pytestmark = pytest.mark.anyio

PASSWORD = "correct horse battery staple"


class FakeHasher:
    """A transparent stand-in for argon2 (which is slow on purpose)."""

    def __init__(self) -> None:
        self.hashed: list[str] = []

    async def hash(self, password: str) -> str:
        self.hashed.append(password)
        return f"fake${password[::-1]}"

    async def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == f"fake${password[::-1]}"

    def needs_rehash(self, password_hash: str) -> bool:
        return False


@pytest.fixture
def hasher() -> FakeHasher:
    return FakeHasher()


@pytest.fixture
def create(
    uow: MemoryUnitOfWork, hasher: FakeHasher, clock: FixedClock, ids: SequentialIds
) -> CreatePlatformAdmin:
    return CreatePlatformAdmin(uow, hasher, clock, ids)


async def user_by_email(uow: MemoryUnitOfWork, email: str) -> User | None:
    async with uow.system() as system:
        return await system.users.by_email(EmailAddress.parse(email))


async def test_creates_a_platform_admin_with_a_hashed_password(
    create: CreatePlatformAdmin, uow: MemoryUnitOfWork, hasher: FakeHasher, clock: FixedClock
) -> None:
    user = await create(
        CreatePlatformAdminCommand(email=" Ops@Example.com ", password=PASSWORD, full_name="Ops")
    )

    assert user.email.value == "ops@example.com"
    assert user.is_platform_admin
    assert user.full_name == "Ops"
    assert user.created_at == clock.now()
    assert user.password_hash is not None
    assert user.password_hash != PASSWORD
    assert await hasher.verify(user.password_hash, PASSWORD)
    stored = await user_by_email(uow, "ops@example.com")
    assert stored is not None
    assert (stored.id, stored.is_platform_admin) == (user.id, True)


async def test_promotes_an_existing_account_and_replaces_its_password(
    create: CreatePlatformAdmin, uow: MemoryUnitOfWork, hasher: FakeHasher
) -> None:
    existing = User(
        id=UserId(UUID(int=5)),
        email=EmailAddress.parse("ops@example.com"),
        full_name="Olivia Ops",
        password_hash="old-hash",
        created_at=datetime(2025, 1, 1, tzinfo=UTC),
    )
    async with uow.system() as system:
        await system.users.add(existing)
        await system.commit()

    user = await create(CreatePlatformAdminCommand(email="OPS@example.com", password=PASSWORD))

    assert user.id == existing.id
    assert user.full_name == "Olivia Ops"
    assert user.created_at == existing.created_at
    assert user.is_platform_admin
    assert user.password_hash is not None
    assert await hasher.verify(user.password_hash, PASSWORD)
    assert len(uow.database.state.users) == 1
    stored = await user_by_email(uow, "ops@example.com")
    assert stored is not None
    assert stored.is_platform_admin


@pytest.mark.parametrize(
    ("email", "password", "field"),
    [
        ("ops@example.com", "short", "password"),
        ("ops@example.com", "x" * 11, "password"),
        ("operations.lead@example.com", "Operations.Lead@example.com", "password"),
        ("operations.lead@example.com", "operations.lead", "password"),
        ("not-an-email", PASSWORD, "email"),
    ],
)
async def test_invalid_input_is_refused_before_hashing_and_nothing_is_stored(
    create: CreatePlatformAdmin,
    uow: MemoryUnitOfWork,
    hasher: FakeHasher,
    email: str,
    password: str,
    field: str,
) -> None:
    before = copy.deepcopy(uow.database.state)
    with pytest.raises(RuleViolated) as caught:
        await create(CreatePlatformAdminCommand(email=email, password=password))
    assert caught.value.field == field
    assert hasher.hashed == []
    assert uow.database.state == before


async def test_an_invalid_full_name_is_refused(
    create: CreatePlatformAdmin, uow: MemoryUnitOfWork
) -> None:
    with pytest.raises(RuleViolated) as caught:
        await create(
            CreatePlatformAdminCommand(email="ops@example.com", password=PASSWORD, full_name=" ")
        )
    assert caught.value.field == "fullName"
    assert uow.database.state.users == {}
