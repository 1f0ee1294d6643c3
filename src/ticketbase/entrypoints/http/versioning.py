"""Optimistic concurrency on the wire: ``If-Match: "<version>"``.

A header that cannot be read is a malformed request (400, API.md), not an invalid value."""

from __future__ import annotations

import msgspec
from litestar.exceptions import HTTPException


def expected_version(
    if_match: str | None, body: int | msgspec.UnsetType | None = msgspec.UNSET
) -> int | None:
    """The version the client last saw: ``If-Match`` when sent, else the body's ``version``."""
    if if_match is None:
        return None if isinstance(body, msgspec.UnsetType) else body
    value = if_match.strip().removeprefix("W/").strip('"')
    if not (value.isascii() and value.isdigit()) or len(value) > 9:
        raise HTTPException(
            status_code=400, detail='the If-Match header carries one version, e.g. "3"'
        )
    return int(value)
