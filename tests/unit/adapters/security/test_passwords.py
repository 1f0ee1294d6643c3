"""Argon2PasswordHasher: argon2id hashes, verification and rehash detection (cheap params)."""

from __future__ import annotations

import pytest

from ticketbase.adapters.security.passwords import Argon2PasswordHasher

pytestmark = pytest.mark.anyio

PASSWORD = "correct horse battery staple"


@pytest.fixture
def hasher() -> Argon2PasswordHasher:
    return Argon2PasswordHasher(time_cost=1, memory_cost_kib=8)


async def test_hashes_with_argon2id_and_a_fresh_salt(hasher: Argon2PasswordHasher) -> None:
    first = await hasher.hash(PASSWORD)
    second = await hasher.hash(PASSWORD)
    assert first.startswith("$argon2id$")
    assert PASSWORD not in first
    assert first != second


async def test_verifies_the_right_password(hasher: Argon2PasswordHasher) -> None:
    assert await hasher.verify(await hasher.hash(PASSWORD), PASSWORD) is True


@pytest.mark.parametrize("attempt", ["wrong password!", PASSWORD.upper(), PASSWORD + " ", ""])
async def test_refuses_another_password(hasher: Argon2PasswordHasher, attempt: str) -> None:
    assert await hasher.verify(await hasher.hash(PASSWORD), attempt) is False


@pytest.mark.parametrize("stored", ["", "plain-text", "$argon2id$v=19$garbage"])
async def test_a_malformed_stored_hash_verifies_nothing(
    hasher: Argon2PasswordHasher, stored: str
) -> None:
    assert await hasher.verify(stored, PASSWORD) is False


async def test_no_rehash_while_the_parameters_stay(hasher: Argon2PasswordHasher) -> None:
    assert hasher.needs_rehash(await hasher.hash(PASSWORD)) is False


@pytest.mark.parametrize(
    "changed",
    [
        {"time_cost": 2, "memory_cost_kib": 8},
        {"time_cost": 1, "memory_cost_kib": 16},
        {"time_cost": 1, "memory_cost_kib": 16, "parallelism": 2},
    ],
)
async def test_rehash_when_the_parameters_change(
    hasher: Argon2PasswordHasher, changed: dict[str, int]
) -> None:
    stored = await hasher.hash(PASSWORD)
    stronger = Argon2PasswordHasher(**changed)
    assert stronger.needs_rehash(stored) is True
    assert await stronger.verify(stored, PASSWORD) is True
