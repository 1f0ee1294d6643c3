"""Readiness probes: each configured adapter says whether it can serve."""

from __future__ import annotations

from typing import Protocol


class Probe(Protocol):
    name: str

    async def check(self) -> None:
        """Return when healthy; raise (anything) when not."""
        ...


class DatabaseHealth(Probe, Protocol):
    """The database probe, plus what the server checks and reports about its database."""

    async def assert_least_privilege(self) -> None:
        """Raise when the API's role could bypass row level security (refuse to serve)."""
        ...

    def pool_status(self) -> dict[str, int]:
        """Connections by state, for the metrics."""
        ...
