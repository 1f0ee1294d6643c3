"""The outermost ASGI layer: request id, API version, security headers, access log, metrics.

It wraps Litestar's whole handler (routing included), so unknown routes, 405s and errors get the
same headers and log line as everything else.
"""

from __future__ import annotations

import itertools
import os
import re
import time
from collections.abc import MutableMapping
from typing import Any, cast

import msgspec
import structlog
from litestar.enums import ScopeType
from litestar.types import (
    ASGIApp,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Message,
    Receive,
    Scope,
    Send,
)

from ticketbase.application.ports.cache import read_record
from ticketbase.entrypoints.http.caching import etag_matches
from ticketbase.entrypoints.http.metrics import HttpMetrics
from ticketbase.entrypoints.http.response_cache import (
    CachedResponse,
    ResponseCache,
    ResponseKey,
    cacheable,
    response_key,
)

API_VERSION = "1"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_SECURITY_HEADERS = [
    (b"strict-transport-security", b"max-age=63072000; includeSubDomains"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
_API_CSP = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")
log = structlog.get_logger("ticketbase.access")


# A generated request id: this process's random prefix and a counter, 32 hex digits like a
# UUID's. Unique across processes and restarts without a syscall per request (uuid4 reads
# os.urandom, ~5 % of a cached read's time).
_PREFIX = os.urandom(8).hex()
_COUNTER = itertools.count()


def _new_prefix() -> None:
    global _PREFIX, _COUNTER
    _PREFIX, _COUNTER = os.urandom(8).hex(), itertools.count()


# Server workers are forked from a parent that imported this module: each needs its own prefix.
os.register_at_fork(after_in_child=_new_prefix)


def new_request_id() -> str:
    return f"{_PREFIX}{next(_COUNTER):016x}"


def request_id_of(scope: Scope | MutableMapping[str, Any]) -> str:
    state: dict[str, Any] = scope.setdefault("state", {})
    request_id = state.get("request_id")
    if request_id is None:
        request_id = state["request_id"] = new_request_id()
    return str(request_id)


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, metrics: HttpMetrics | None) -> None:
        self._app = app
        self._metrics = metrics
        self.responses: ResponseCache | None = None  # set once the app has started

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self._app(scope, receive, send)
            return
        given = asked = if_none_match = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                given = value.decode("latin-1")
            elif name == b"api-version":
                asked = value.decode("latin-1")
            elif name == b"if-none-match":
                if_none_match = value.decode("latin-1")
        request_id = given if given and _VALID_REQUEST_ID.match(given) else new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": _with_our_headers(message, request_id)}
            await send(message)

        try:
            if asked is not None and asked.strip() != API_VERSION:
                await _unsupported_version(send_with_headers, request_id, asked)
                return
            key = None
            if self.responses is not None and scope["method"] == "GET":
                key = response_key(scope["path"], scope["query_string"], scope["headers"])
            if key is None or self.responses is None:
                await self._app(scope, receive, send_with_headers)
            else:
                await self._cached(
                    self.responses, key, if_none_match, scope, receive, send_with_headers
                )
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("path_template") or "unmatched"
            if self._metrics is not None:
                self._metrics.observe(scope["method"], route, status, elapsed)
            log.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                route=route,
                status=status,
                duration_ms=round(elapsed * 1000, 2),
            )
            structlog.contextvars.clear_contextvars()

    async def _cached(
        self,
        responses: ResponseCache,
        key: ResponseKey,
        if_none_match: str | None,
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        hit = responses.get(key)
        if hit is not None:
            scope["path_template"] = hit.route
            await _replay(hit, if_none_match, send)
            return
        ticket = responses.ticket()
        messages: list[Message] = []
        keep = True

        async def capture(message: Message) -> None:
            nonlocal keep
            if keep and message["type"] == "http.response.start":
                # Routed by now: only a 200 of a route that opted in is kept (a large download
                # of another route is never held in memory).
                handler = scope.get("route_handler")
                keep = (
                    message["status"] == 200
                    and handler is not None
                    and cacheable(handler.opt.get("response_cache"), key)
                )
            if keep:
                messages.append(message)
            await send(message)

        with read_record() as record:
            await self._app(scope, receive, capture)
        if keep and messages:
            start = cast("HTTPResponseStartEvent", messages[0])
            body = b"".join(cast("HTTPResponseBodyEvent", m)["body"] for m in messages[1:])
            headers = list(start.get("headers", []))
            responses.put(ticket, key, scope["path_template"], headers, body, record)


def _with_our_headers(start: Message, request_id: str) -> list[tuple[bytes, bytes]]:
    out: list[tuple[bytes, bytes]] = list(cast("HTTPResponseStartEvent", start).get("headers", []))
    present = {k.lower() for k, _ in out}
    out.append((b"x-request-id", request_id.encode()))
    out.append((b"api-version", API_VERSION.encode()))
    out.extend(h for h in _SECURITY_HEADERS if h[0] not in present)
    if b"content-security-policy" not in present:
        out.append(_API_CSP)
    return out


async def _replay(hit: CachedResponse, if_none_match: str | None, send: Send) -> None:
    if (
        hit.etag is not None
        and if_none_match is not None
        and etag_matches(if_none_match, hit.etag.decode("latin-1"))
    ):
        await send(
            {
                "type": "http.response.start",
                "status": 304,
                "headers": hit.not_modified_headers(),
            }
        )
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return
    await send({"type": "http.response.start", "status": 200, "headers": hit.headers})
    await send({"type": "http.response.body", "body": hit.body, "more_body": False})


async def _unsupported_version(send: Send, request_id: str, asked: str) -> None:
    body = msgspec.json.encode(
        {
            "type": "https://docs.ticketbase.dev/problems/unsupported-api-version",
            "title": "Bad request",
            "status": 400,
            "detail": f"API version {asked[:20]!r} is not supported; "
            f"this server speaks {API_VERSION}",
            "code": "unsupported_api_version",
            "requestId": request_id,
        }
    )
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": 400,
        "headers": [
            (b"content-type", b"application/problem+json"),
            (b"content-length", str(len(body)).encode()),
        ],
    }
    await send(start)
    end: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body, "more_body": False}
    await send(end)
