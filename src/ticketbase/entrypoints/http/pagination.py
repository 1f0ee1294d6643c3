"""Cursor pagination on the wire: ``?limit=&cursor=`` in, ``nextCursor`` out.

A cursor is the opaque base64url form of the last key seen; clients never build one."""

from __future__ import annotations

import base64
import binascii
from typing import Any
from uuid import UUID

from ticketbase.application.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, PageRequest
from ticketbase.domain.shared.errors import RuleViolated


def page_request(limit: int | None, cursor: str | None) -> PageRequest:
    size = DEFAULT_LIMIT if limit is None else limit
    if not 1 <= size <= MAX_LIMIT:
        raise RuleViolated(f"limit is between 1 and {MAX_LIMIT}", field="limit")
    return PageRequest(limit=size, after=decode_cursor(cursor) if cursor else None)


def encode_cursor(key: UUID | None) -> str | None:
    return None if key is None else base64.urlsafe_b64encode(key.bytes).decode().rstrip("=")


def decode_cursor(cursor: str) -> UUID:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return UUID(bytes=raw)
    except (ValueError, binascii.Error):
        raise RuleViolated("the cursor is not one this API gave out", field="cursor") from None


def next_cursor(page: Page[Any]) -> str | None:
    return encode_cursor(page.next_after)
