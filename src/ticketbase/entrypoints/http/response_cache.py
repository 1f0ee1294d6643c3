"""Whole answers of hot GET routes, kept per process and served without entering the framework.

A route opts in with ``opt={"response_cache": ANONYMOUS}`` (its answers to requests without a
bearer token) or ``opt={"response_cache": PER_TOKEN}`` (every answer, each kept for its exact
token) when everything such an answer says comes from the tagged caches
(``application/ports/cache.py``): the storefront's tenant and event reads, ``/api/auth/me``. A
route whose staff answers are read straight from the database (``GET /api/events/{slug}`` with a
token) opts in for anonymous answers only. While such a request runs, a ``ReadRecord`` notes the
tags of every cached fact it read (and its deadline: the token's or the session's expiry, the
storefront's 1 s freshness); a 200 answer is then kept under exactly those tags — with the
ticket taken before the request started, so an answer that raced a change is not kept. A change
naming any of the tags drops it in every process, like the facts it was built from. The key holds
every request header such an answer depends on: the host, ``X-Organization``, ``Authorization``
(an answer for a token is only ever served for that exact token, and never past its expiry), and
the query string. Requests with an ``Origin`` (CORS) or a body take the normal path.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from ticketbase.application.ports.cache import Cache, CacheTicket, ReadRecord

# (path, query string, host, x-organization, authorization)
ResponseKey = tuple[str, bytes, bytes, bytes, bytes]
_KEYED = (b"host", b"x-organization", b"authorization")
_REVALIDATION = (b"etag", b"cache-control", b"vary")


@dataclass(frozen=True, slots=True)
class CachedResponse:
    route: str
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes | None
    valid_until: float | None  # a Unix time, or None: until a change drops it

    def not_modified_headers(self) -> list[tuple[bytes, bytes]]:
        return [(k, v) for k, v in self.headers if k in _REVALIDATION]


def response_key(
    scope_path: str, query: bytes, headers: Iterable[tuple[bytes, bytes]]
) -> ResponseKey | None:
    found: dict[bytes, bytes] = {}
    for name, value in headers:
        lowered = name.lower()
        if lowered in _KEYED:
            if lowered in found:
                return None  # a repeated header: let the framework judge it
            found[lowered] = value
        elif lowered in (b"origin", b"content-length", b"transfer-encoding"):
            return None
    return (
        scope_path,
        query,
        found.get(b"host", b""),
        found.get(b"x-organization", b""),
        found.get(b"authorization", b""),
    )


ANONYMOUS = "anonymous"  # a route whose staff (token) answers are read from the database
PER_TOKEN = "per_token"  # noqa: S105 - a mode name: every answer is built from tagged caches


def cacheable(mode: object, key: ResponseKey) -> bool:
    """Whether an answer of a route that opted in with ``mode`` may be kept under ``key``."""
    if mode == PER_TOKEN:
        return True
    return mode == ANONYMOUS and not key[4]  # key[4]: the Authorization header


class ResponseCache:
    def __init__(self, store: Cache[ResponseKey, CachedResponse]) -> None:
        self._store = store
        self.hits = 0

    def ticket(self) -> CacheTicket:
        return self._store.ticket()

    def get(self, key: ResponseKey) -> CachedResponse | None:
        hit = self._store.get(key)
        if hit is None or (hit.valid_until is not None and hit.valid_until <= time.time()):
            return None
        self.hits += 1
        return hit

    def put(
        self,
        ticket: CacheTicket,
        key: ResponseKey,
        route: str,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        record: ReadRecord,
    ) -> None:
        if not record.tags:
            return  # built from nothing the caches track: no change would ever drop it
        etag = next((v for k, v in headers if k.lower() == b"etag"), None)
        until = record.valid_until.timestamp() if record.valid_until is not None else None
        entry = CachedResponse(route, headers, body, etag, until)
        self._store.put(ticket, key, entry, record.tags)
