"""The base of every request and response struct: camelCase on the wire."""

from __future__ import annotations

import msgspec


class Wire(msgspec.Struct, rename="camel", kw_only=True):
    """A JSON object of the API. Unknown fields are ignored; types are checked strictly."""


class PageResponse(Wire):
    next_cursor: str | None
