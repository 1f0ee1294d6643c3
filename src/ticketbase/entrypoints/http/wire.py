"""The base of every request and response struct: camelCase on the wire."""

from __future__ import annotations

import msgspec

# The OpenAPI security requirement of staff routes (scheme declared in app.py).
BEARER: list[dict[str, list[str]]] = [{"BearerToken": []}]


class Wire(msgspec.Struct, rename="camel", kw_only=True, forbid_unknown_fields=True):
    """A JSON object of the API. An unknown field in a request is refused (422 naming it), so
    a misspelt or misplaced field never passes silently; every subclass inherits this."""


class PageResponse(Wire):
    next_cursor: str | None
