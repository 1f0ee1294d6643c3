"""An event's ``metadata``: free JSON for the organizer's own use, bounded in size and depth.

The size is that of the compact UTF-8 JSON encoding (no spaces, characters not escaped), the
form storage keeps; the depth counts nested containers (``{}`` is 1, ``{"a": []}`` is 2). The
depth is checked first, without recursion, so a hostile nesting never reaches the encoder."""

from __future__ import annotations

import json
from typing import TypeAlias, cast

from ticketbase.domain.shared.errors import RuleViolated

JsonValue: TypeAlias = "bool | int | float | str | list[JsonValue] | dict[str, JsonValue] | None"
JsonObject: TypeAlias = dict[str, JsonValue]

MAX_METADATA_BYTES = 64 * 1024
MAX_METADATA_DEPTH = 16
_SCALARS = (str, int, float, bool, type(None))


def parse_metadata(raw: object, *, field: str = "metadata") -> JsonObject:
    """A checked, private copy of ``raw``: a JSON object within the limits, or a refusal."""
    if not isinstance(raw, dict):
        raise RuleViolated("metadata is a JSON object", field=field)
    pending: list[tuple[object, int]] = [(raw, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            if depth > MAX_METADATA_DEPTH:
                raise RuleViolated(f"metadata nests at most {MAX_METADATA_DEPTH} deep", field=field)
            if not all(isinstance(key, str) for key in value):
                raise RuleViolated("metadata keys are strings", field=field)
            pending.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            if depth > MAX_METADATA_DEPTH:
                raise RuleViolated(f"metadata nests at most {MAX_METADATA_DEPTH} deep", field=field)
            pending.extend((item, depth + 1) for item in value)
        elif not isinstance(value, _SCALARS):
            raise RuleViolated("metadata holds only JSON values", field=field)
    try:
        encoded = json.dumps(raw, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        size = len(encoded.encode())
    except UnicodeEncodeError as error:  # a lone surrogate is no character
        raise RuleViolated("metadata text is valid Unicode", field=field) from error
    except ValueError as error:  # NaN or an infinity: JSON has no such number
        raise RuleViolated("metadata numbers are finite", field=field) from error
    if size > MAX_METADATA_BYTES:
        raise RuleViolated(f"metadata is at most {MAX_METADATA_BYTES} bytes as JSON", field=field)
    return cast(JsonObject, json.loads(encoded))
