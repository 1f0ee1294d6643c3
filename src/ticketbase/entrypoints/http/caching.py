"""ETags for public reads: a strong validator of the body; ``If-None-Match`` answers 304."""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec
from litestar import Request, Response


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def etag_matches(if_none_match: str, tag: str) -> bool:
    """Whether an ``If-None-Match`` value names ``tag`` (weak comparison, as RFC 9110 asks)."""
    given = if_none_match.strip()
    return given == "*" or tag in {t.strip().removeprefix("W/") for t in given.split(",")}


def cached_json(
    request: Request[Any, Any, Any], value: object, *, max_age: int = 60
) -> Response[bytes]:
    """``value`` as JSON with an ETag, or 304 when the client already has it."""
    body = msgspec.json.encode(value)
    tag = etag_of(body)
    headers = {
        "etag": tag,
        "cache-control": f"public, max-age={max_age}",
        "vary": "host, x-organization",
    }
    if etag_matches(request.headers.get("if-none-match", ""), tag):
        return Response(b"", status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)
