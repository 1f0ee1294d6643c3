"""Readiness probes: each configured adapter says whether it can serve."""

from __future__ import annotations

from typing import Protocol


class Probe(Protocol):
    name: str

    async def check(self) -> None:
        """Return when healthy; raise (anything) when not."""
        ...
