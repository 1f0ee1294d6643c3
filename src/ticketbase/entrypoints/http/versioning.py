"""Optimistic concurrency on the wire: ``If-Match: "<version>"``.

A header that cannot be read is a malformed request (400, API.md), not an invalid value."""

from __future__ import annotations

from litestar.exceptions import HTTPException


def expected_version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    if not (value.isascii() and value.isdigit()) or len(value) > 9:
        raise HTTPException(
            status_code=400, detail='the If-Match header carries one version, e.g. "3"'
        )
    return int(value)
