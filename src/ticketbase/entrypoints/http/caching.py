"""ETags for public reads: a strong validator of the body; ``If-None-Match`` answers 304."""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec
from litestar import Request, Response


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


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
    given = request.headers.get("if-none-match", "")
    if tag in {t.strip().removeprefix("W/") for t in given.split(",")} or given.strip() == "*":
        return Response(b"", status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)
