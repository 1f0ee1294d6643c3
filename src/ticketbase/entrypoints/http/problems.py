"""Every error as RFC 9457 problem+json, from one table.

Domain errors map by base class; Litestar's own HTTP exceptions (404 route, 405, 413, validation)
keep their status; anything else is a 500 that is logged in full and says nothing.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
import structlog
from litestar import Litestar, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec

from ticketbase.application.ports.errors import DependencyUnavailable
from ticketbase.application.ports.mailer import MailDeliveryError
from ticketbase.domain.shared.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    RateLimited,
    RuleViolated,
    Unauthenticated,
)
from ticketbase.entrypoints.http.request_context import request_id_of

PROBLEM_JSON = "application/problem+json"
log = structlog.get_logger()

_DOMAIN_STATUS: list[tuple[type[DomainError], int, str]] = [
    (NotFound, 404, "Not found"),
    (Conflict, 409, "Conflict"),
    (RuleViolated, 422, "Unprocessable content"),
    (PermissionDenied, 403, "Forbidden"),
    (Unauthenticated, 401, "Unauthenticated"),
    (RateLimited, 429, "Too many requests"),
]

_HTTP_CODES = {
    400: ("bad_request", "Bad request"),
    401: ("unauthenticated", "Unauthenticated"),
    403: ("permission_denied", "Forbidden"),
    404: ("not_found", "Not found"),
    405: ("method_not_allowed", "Method not allowed"),
    409: ("conflict", "Conflict"),
    413: ("payload_too_large", "Payload too large"),
    415: ("unsupported_media_type", "Unsupported media type"),
    422: ("validation_failed", "Unprocessable content"),
    429: ("rate_limited", "Too many requests"),
    503: ("service_unavailable", "Service unavailable"),
}
_MISSING_FIELD = re.compile(r"missing required field `([^`]+)`")


class FieldError(msgspec.Struct):
    field: str
    message: str


class Problem(msgspec.Struct, omit_defaults=True):
    type: str
    title: str
    status: int
    detail: str
    code: str
    requestId: str
    errors: list[FieldError] | None = None


_DOCUMENTED = {
    400: "Malformed request or invalid parameters",
    401: "Missing, invalid or expired access token",
    403: "Authenticated, but without the permission",
    404: "Not found (or another tenant's)",
    409: "Conflict: taken, stale version, or a rule about the current state",
    413: "Request body too large",
    415: "Body is not JSON",
    422: "Well-formed but invalid",
    429: "Rate limited (see Retry-After)",
    500: "Unexpected error (quote requestId)",
    503: "A dependency is unavailable (see Retry-After)",
}


def document_problems(app: Litestar) -> None:
    """Declare the problem+json answers on every API operation of the OpenAPI document."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if not isinstance(handler, HTTPRouteHandler) or not handler.include_in_schema:
                continue
            declared = dict(handler.responses or {})
            for status, description in _DOCUMENTED.items():
                declared.setdefault(
                    status,
                    ResponseSpec(
                        data_container=Problem,
                        description=description,
                        media_type=PROBLEM_JSON,
                        generate_examples=False,
                    ),
                )
            handler.responses = declared


def problem_response(
    request: Request[Any, Any, Any],
    status: int,
    code: str,
    title: str,
    detail: str,
    *,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[bytes]:
    metrics = request.app.state.get("metrics")
    if metrics is not None:
        metrics.problem(code)
    body = Problem(
        type=f"https://docs.ticketbase.dev/problems/{code.replace('_', '-')}",
        title=title,
        status=status,
        detail=detail,
        code=code,
        requestId=request_id_of(request.scope),
        errors=errors,
    )
    return Response(
        content=msgspec.json.encode(body),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def handle_exception(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    if isinstance(exc, DomainError):
        return _domain_problem(request, exc)
    if isinstance(exc, DependencyUnavailable):
        log.error("dependency_unavailable", dependency=exc.dependency, error=repr(exc.__cause__))
        return problem_response(
            request,
            503,
            f"{exc.dependency}_unavailable",
            "Service unavailable",
            f"the {exc.dependency} cannot be reached; try again shortly",
            headers={"retry-after": "5"},
        )
    if isinstance(exc, MailDeliveryError):
        # Not the message: it may quote the recipient's address.
        log.error("mail_delivery_failed", permanent=exc.permanent)
        return problem_response(
            request,
            503,
            "mail_unavailable",
            "Service unavailable",
            "the email could not be sent; nothing was changed, try again shortly",
            headers={"retry-after": "30"},
        )
    if isinstance(exc, ValidationException):
        errors = _validation_errors(exc.extra)
        return problem_response(
            request,
            400,
            "validation_failed",
            "Bad request",
            exc.detail if not errors else "the request is not valid",
            errors=errors or None,
        )
    if isinstance(exc, HTTPException):
        status = exc.status_code
        code, title = _HTTP_CODES.get(status, ("http_error", "HTTP error"))
        detail = exc.detail
        if isinstance(exc, RequestEntityTooLarge):
            detail = "the request body is larger than this endpoint accepts"
        headers = dict((exc.headers or {}).items())
        return problem_response(request, status, code, title, detail, headers=headers)
    log.exception("unhandled_error", path=request.url.path, method=request.method)
    return problem_response(
        request,
        500,
        "internal_error",
        "Internal server error",
        "something went wrong on our side; quote the request id when reporting it",
    )


def _domain_problem(request: Request[Any, Any, Any], exc: DomainError) -> Response[bytes]:
    for base, status, title in _DOMAIN_STATUS:
        if isinstance(exc, base):
            errors = [FieldError(exc.field, exc.detail)] if exc.field else None
            headers = None
            if isinstance(exc, RateLimited):
                headers = {**exc.headers, "retry-after": str(exc.retry_after)}
            elif isinstance(exc, Unauthenticated):
                headers = {"www-authenticate": f'Bearer error="{exc.code}"'}
            return problem_response(
                request, status, exc.code, title, exc.detail, errors=errors, headers=headers
            )
    log.error("unmapped_domain_error", error=type(exc).__name__)
    return problem_response(request, 422, exc.code, "Unprocessable content", exc.detail)


def _validation_errors(extra: Any) -> list[FieldError]:
    errors: list[FieldError] = []
    for item in extra if isinstance(extra, list) else []:
        if not isinstance(item, dict):
            continue
        message = str(item.get("message", "invalid value"))
        key = str(item.get("key", ""))
        missing = _MISSING_FIELD.search(message)
        if missing:
            key = missing.group(1)
        elif key == "data" or not key:
            key = "body" if item.get("source") == "body" else key or "request"
        errors.append(FieldError(field=key.removeprefix("$."), message=message))
    return errors
