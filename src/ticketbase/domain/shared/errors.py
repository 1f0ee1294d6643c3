"""Domain errors carry meaning, not HTTP: the HTTP layer maps each base class to a status."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every expected failure. ``code`` is the stable machine code of API.md."""

    code = "domain_error"

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class RuleViolated(DomainError):
    """Well-formed input that breaks a business rule (HTTP 422)."""

    code = "validation_failed"


class PermissionDenied(DomainError):
    code = "permission_denied"


class Unauthenticated(DomainError):
    code = "unauthenticated"


class StaleVersion(Conflict):
    code = "version_conflict"


class RateLimited(DomainError):
    code = "rate_limited"

    def __init__(
        self, detail: str, *, retry_after: int, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.retry_after = max(1, retry_after)
        self.headers = headers or {}


class InvalidCredentials(Unauthenticated):
    code = "invalid_credentials"


class SessionEnded(Unauthenticated):
    code = "session_revoked"
