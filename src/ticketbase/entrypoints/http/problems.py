"""Every error as RFC 9457 problem+json, from one table.

Domain errors map by base class; Litestar's own HTTP exceptions (404 route, 405, 413) keep their
status; anything else is a 500 that is logged in full and says nothing.

Validation, the same for every endpoint (API.md "validation"): what cannot be read at all is
400 ``bad_request`` (a body that is not JSON, no body where one is needed, a header or cookie
that cannot be parsed); a well-formed request that breaks the schema (missing or unknown field,
wrong type, out of range, too short, pattern) or carries an invalid query or path parameter is
422 ``validation_failed``. Each ``errors[].field`` is the path as the client wrote it
(``organizationSlug``, ``venue.city``, ``items[0].quantity``; a parameter's own name, such as
``limit`` or ``departmentId``; ``""`` for the body as a whole).
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
import structlog
from litestar import Litestar, Request, Response
from litestar.exceptions import (
    ClientException,
    HTTPException,
    SerializationException,
    ValidationException,
)
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import ParameterKwarg

from ticketbase.application.ports.errors import DependencyUnavailable
from ticketbase.application.ports.mailer import MailDeliveryError
from ticketbase.domain.plugins.errors import InvalidPluginConfig
from ticketbase.domain.shared.errors import (
    Conflict,
    DomainError,
    NotFound,
    PaymentRequired,
    PermissionDenied,
    RateLimited,
    RuleViolated,
    TooLarge,
    Unauthenticated,
    UnsupportedMediaType,
)
from ticketbase.domain.subscriptions.plan import PlanLimitExceeded
from ticketbase.entrypoints.http.request_context import request_id_of

PROBLEM_JSON = "application/problem+json"
log = structlog.get_logger()

_DOMAIN_STATUS: list[tuple[type[DomainError], int, str]] = [
    (NotFound, 404, "Not found"),
    (Conflict, 409, "Conflict"),
    (RuleViolated, 422, "Unprocessable content"),
    (PermissionDenied, 403, "Forbidden"),
    # 403, not 402: checkout's 402 means a declined card (domain/subscriptions/plan.py).
    (PlanLimitExceeded, 403, "Plan limit exceeded"),
    (Unauthenticated, 401, "Unauthenticated"),
    (RateLimited, 429, "Too many requests"),
    (PaymentRequired, 402, "Payment required"),
    (TooLarge, 413, "Payload too large"),
    (UnsupportedMediaType, 415, "Unsupported media type"),
]

_HTTP_CODES = {
    400: ("bad_request", "Bad request"),
    401: ("unauthenticated", "Unauthenticated"),
    402: ("payment_required", "Payment required"),
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
# A dependency's trouble by the status its exception chose (503 down, 504 slow, 502 garbage).
_DEPENDENCY_TROUBLE = {
    503: ("Service unavailable", "the {dependency} cannot be reached; try again shortly"),
    504: ("Gateway timeout", "the {dependency} did not answer in time; try again shortly"),
    502: ("Bad gateway", "the {dependency} gave an answer that cannot be used"),
}
# msgspec names a missing or unknown field only in its message, at the object that holds it.
_NAMED_FIELD = re.compile(r"(?:missing required|contains unknown) field `([^`]+)`")
_AT = re.compile(r" - at `\$([^`]*)`$")
_MISSING_PARAMETER = re.compile(r"^Missing required (\w+) parameter '([^']+)'")
# Parameters that cannot be parsed make the request malformed (400); the others are 422.
_UNREADABLE_SOURCES = frozenset({"header", "cookie"})
# The body is the handler's ``data`` argument: msgspec paths of the signature start with it.
_DATA = ".data"


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
    # Absent when there are none (never null), so the schema says "optional", not "nullable".
    errors: list[FieldError] | msgspec.UnsetType = msgspec.UNSET


_DOCUMENTED = {
    400: "Malformed: the body is not JSON (or is missing), or a header cannot be parsed",
    401: "Missing, invalid or expired access token",
    403: "Authenticated, but without the permission, or over a limit of the plan",
    404: "Not found (or another tenant's)",
    409: "Conflict: taken, stale version, or a rule about the current state",
    413: "Request body too large",
    415: "Body is not JSON",
    422: "Well-formed but invalid (body or query parameters): `errors` names each field",
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
        errors=errors if errors else msgspec.UNSET,
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
        log.error(
            "dependency_unavailable",
            dependency=exc.dependency,
            problem=exc.problem,
            error=repr(exc.__cause__),
        )
        title, detail = _DEPENDENCY_TROUBLE.get(exc.status, _DEPENDENCY_TROUBLE[503])
        return problem_response(
            request,
            exc.status,
            f"{exc.dependency}_{exc.problem}",
            title,
            detail.format(dependency=exc.dependency.replace("_", " ")),
            headers={"retry-after": "5"} if exc.status == 503 else None,
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
        return _validation_problem(request, exc)
    if isinstance(exc, HTTPException):
        status = exc.status_code
        code, title = _HTTP_CODES.get(status, ("http_error", "HTTP error"))
        detail = exc.detail
        if isinstance(exc, RequestEntityTooLarge):
            detail = "the request body is larger than this endpoint accepts"
        elif isinstance(exc, ClientException) and isinstance(exc.__cause__, SerializationException):
            detail = f"the body is not valid JSON: {exc.detail}"
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
            errors = _field_errors(exc)
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


def _field_errors(exc: DomainError) -> list[FieldError] | None:
    if isinstance(exc, InvalidPluginConfig):  # every failing field of the configuration
        return [FieldError(field, message) for field, message in exc.problems]
    return [FieldError(exc.field, exc.detail)] if exc.field else None


def field_path(message: str, at: str) -> str:
    """The failing field's path as the client wrote it, from a msgspec error.

    ``at`` is msgspec's location after ``$`` with the body as ``$`` (``""``, ``".venue"``,
    ``".items[0]"``); a missing or unknown field is named only in the message, under ``at``."""
    named = _NAMED_FIELD.search(message)
    path = f"{at}.{named.group(1)}" if named else at
    return path.removeprefix(".")


def split_msgspec_error(text: str) -> tuple[str, str]:
    """``"Expected `int` >= 1 - at `$.items[0].quantity`"`` → the message and ``at``."""
    found = _AT.search(text)
    return (text[: found.start()], found.group(1)) if found else (text, "")


def msgspec_field_error(text: str) -> FieldError:
    """A msgspec ``ValidationError`` of a body (``$`` = the body) as an ``errors[]`` entry."""
    message, at = split_msgspec_error(text)
    return FieldError(field=field_path(message, at), message=message)


def _validation_problem(
    request: Request[Any, Any, Any], exc: ValidationException
) -> Response[bytes]:
    """Litestar validates the whole signature (body, query, path, headers) in one go and lists
    ``{message, key, source}`` per failing argument; the body's entry has source ``body``."""
    entries = [e for e in exc.extra if isinstance(e, dict)] if isinstance(exc.extra, list) else []
    if not entries:
        return _parameter_problem(request, exc.detail)
    errors: list[FieldError] = []
    unreadable = False
    for entry in entries:
        message = str(entry.get("message", "invalid value"))
        key = str(entry.get("key", ""))
        source = entry.get("source")
        source = str(getattr(source, "value", source) or "")  # ParamType is a str Enum
        if source == "body":
            if key == "data" and message == "'data'":  # no body at all: the argument is absent
                return problem_response(
                    request, 400, "bad_request", "Bad request", "this endpoint needs a JSON body"
                )
            errors.append(_body_error(message, key, exc.__cause__))
            continue
        unreadable = unreadable or source in _UNREADABLE_SOURCES
        errors.append(FieldError(field=_parameter_name(request, key), message=message))
    if unreadable:
        return problem_response(
            request, 400, "bad_request", "Bad request", "a header cannot be read", errors=errors
        )
    return problem_response(
        request,
        422,
        "validation_failed",
        "Unprocessable content",
        "the request is not valid: see errors",
        errors=errors,
    )


def _body_error(message: str, key: str, cause: BaseException | None) -> FieldError:
    # Litestar's key drops "data." with str.replace, which also mangles a field path that
    # contains "data." (``formData.x``): msgspec's own location, when it is this error, is exact.
    if isinstance(cause, msgspec.ValidationError):
        cause_message, at = split_msgspec_error(str(cause))
        if cause_message == message and (at == _DATA or at.startswith((_DATA + ".", _DATA + "["))):
            return FieldError(field=field_path(message, at.removeprefix(_DATA)), message=message)
    at = "" if key == "data" else f".{key}"
    return FieldError(field=field_path(message, at), message=message)


def _parameter_name(request: Request[Any, Any, Any], key: str) -> str:
    """A query, path or header parameter as the client writes it (``departmentId``, ``If-Match``),
    not the handler's argument name."""
    parameter = request.route_handler.parsed_fn_signature.parameters.get(key)
    kwarg = getattr(parameter, "kwarg_definition", None)
    if isinstance(kwarg, ParameterKwarg):
        return kwarg.query or kwarg.header or kwarg.cookie or kwarg.name or key
    return key


def _parameter_problem(request: Request[Any, Any, Any], detail: str) -> Response[bytes]:
    """Litestar's checks before validation: a required parameter that is absent."""
    missing = _MISSING_PARAMETER.match(detail)
    if missing is None:
        return problem_response(request, 400, "bad_request", "Bad request", detail)
    kind, name = missing.groups()
    errors = [FieldError(field=name, message=f"the {kind} parameter {name} is required")]
    if kind in _UNREADABLE_SOURCES:
        return problem_response(
            request,
            400,
            "bad_request",
            "Bad request",
            f"the {kind} {name} is required",
            errors=errors,
        )
    return problem_response(
        request,
        422,
        "validation_failed",
        "Unprocessable content",
        f"the {kind} parameter {name} is required",
        errors=errors,
    )
