"""Readiness probes: each configured adapter says whether it can serve.

A probe whose class sets ``optional = True`` checks a dependency the API serves without (the
plugin server): its failure is reported as ``degraded`` and never fails readiness. A probe
that raises ``ProbeNotConfigured`` reports ``not_configured`` (also never a failure).
"""

from __future__ import annotations

from typing import Protocol


class ProbeNotConfigured(Exception):
    """The adapter is switched off by configuration: nothing to check."""


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
