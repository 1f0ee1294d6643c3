"""Domain errors carry meaning, not HTTP: the HTTP layer maps each base class to a status."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager


class DomainError(Exception):
    """Base of every expected failure. ``code`` is the stable machine code of API.md."""

    code = "domain_error"

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


@contextmanager
def inputs_named(names: Mapping[str, str]) -> Iterator[None]:
    """Report a failure under the name the caller gave the input.

    A value or an entity names its own field (a ``Slug`` says ``slug``, an organization's name
    says ``name``); the use case that fed it knows which input it came from (registering:
    ``organizationSlug``, ``organizationName``), and renames the field on the way out."""
    try:
        yield
    except DomainError as error:
        if error.field is not None and error.field in names:
            error.field = names[error.field]
        raise


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


class PaymentRequired(DomainError):
    """The payment was refused (a declined card): nothing changed, the buyer may try again."""

    code = "payment_required"


class TooLarge(DomainError):
    """More bytes than a limit allows (a file over the maximum, a quota used up): HTTP 413."""

    code = "payload_too_large"


class UnsupportedMediaType(DomainError):
    """Content of a type this operation refuses (HTTP 415)."""

    code = "unsupported_media_type"
