"""Optimistic concurrency on the wire: ``If-Match: "<version>"``."""

from __future__ import annotations

from ticketbase.domain.shared.errors import RuleViolated


def expected_version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    if not (value.isascii() and value.isdigit()) or len(value) > 9:
        raise RuleViolated('If-Match carries the version, e.g. "3"', field="If-Match")
    return int(value)
