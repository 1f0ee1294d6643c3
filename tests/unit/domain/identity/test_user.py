"""User accounts: the password policy of API.md and full-name cleaning."""

from __future__ import annotations

import pytest

from ticketbase.domain.identity.user import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    User,
    check_password_policy,
)
from ticketbase.domain.shared.errors import RuleViolated
from ticketbase.domain.shared.values import EmailAddress

EMAIL = EmailAddress.parse("alexandra.berg@example.com")


def test_the_policy_minimum_is_twelve_characters() -> None:
    assert MIN_PASSWORD_LENGTH == 12
    check_password_policy("x" * 12, EMAIL)
    with pytest.raises(RuleViolated) as caught:
        check_password_policy("x" * 11, EMAIL)
    assert caught.value.field == "password"


def test_an_overlong_password_is_refused() -> None:
    check_password_policy("x" * MAX_PASSWORD_LENGTH, EMAIL)
    with pytest.raises(RuleViolated) as caught:
        check_password_policy("x" * (MAX_PASSWORD_LENGTH + 1), EMAIL)
    assert caught.value.field == "password"


@pytest.mark.parametrize(
    "password",
    [
        "alexandra.berg@example.com",
        "Alexandra.Berg@Example.com",
        "  alexandra.berg@example.com  ",
        "alexandra.berg",
        "ALEXANDRA.BERG",
    ],
)
def test_the_email_or_its_local_part_is_refused(password: str) -> None:
    with pytest.raises(RuleViolated) as caught:
        check_password_policy(password, EMAIL)
    assert caught.value.field == "password"


@pytest.mark.parametrize(
    "password", ["alexandra.berg!", "example.com-alexandra", "correct horse battery"]
)
def test_a_password_merely_containing_parts_of_the_email_is_allowed(password: str) -> None:
    check_password_policy(password, EMAIL)


def test_full_name_whitespace_is_collapsed() -> None:
    assert User.check_full_name("  Ada \t Lovelace\n") == "Ada Lovelace"


@pytest.mark.parametrize("full_name", ["", "   ", "x" * 201])
def test_full_name_must_be_1_to_200_characters(full_name: str) -> None:
    with pytest.raises(RuleViolated) as caught:
        User.check_full_name(full_name)
    assert caught.value.field == "fullName"
