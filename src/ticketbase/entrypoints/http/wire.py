"""The base of every request and response struct: camelCase on the wire."""

from __future__ import annotations

import msgspec

# The OpenAPI security requirement of staff routes (scheme declared in app.py).
BEARER: list[dict[str, list[str]]] = [{"BearerToken": []}]


class Wire(msgspec.Struct, rename="camel", kw_only=True):
    """A JSON object of the API. Unknown fields are ignored; types are checked strictly."""


class PageResponse(Wire):
    next_cursor: str | None
