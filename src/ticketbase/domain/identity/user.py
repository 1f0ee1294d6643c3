"""A global user account: one person, possibly a member of several organizations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ticketbase.domain.shared.errors import RuleViolated
from ticketbase.domain.shared.ids import UserId
from ticketbase.domain.shared.values import EmailAddress

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024


@dataclass(slots=True)
class User:
    id: UserId
    email: EmailAddress
    full_name: str
    password_hash: str | None
    created_at: datetime
    is_platform_admin: bool = False
    password_changed_at: datetime | None = None

    @staticmethod
    def check_full_name(full_name: str) -> str:
        cleaned = " ".join(full_name.split())
        if not 1 <= len(cleaned) <= 200:
            raise RuleViolated("a full name is 1-200 characters", field="fullName")
        return cleaned


def check_password_policy(password: str, email: EmailAddress) -> None:
    """API.md: at least 12 characters and not the email (nor its local part)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise RuleViolated(
            f"a password has at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise RuleViolated("a password is at most 1024 characters", field="password")
    lowered = password.strip().lower()
    if lowered in {email.value, email.value.split("@")[0]}:
        raise RuleViolated("a password must not be the email address", field="password")
