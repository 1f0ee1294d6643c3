"""The scenarios ``make bench`` runs, in this order.

To add one, write a setup coroutine and append a ``Scenario`` to ``SCENARIOS``. The setup runs
once the scenario's server answers; it seeds what the requests need (through the application's
use cases, or over HTTP at ``context.base_url``) and returns the request(s) to fire, which each
connection cycles through. Scenarios of one run share one database: seed under names of your own.
Give ``baseline`` to print this scenario's throughput as a share of another's. For instance::

    async def me(context: Context) -> Sequence[Request]:
        token = ...  # seed a user through the use cases, log in at context.base_url
        return [Request("GET", "/api/auth/me", (("authorization", f"Bearer {token}"),))]

    # in SCENARIOS:
    Scenario("me", API, me, baseline="bare"),
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from dishka import AsyncContainer

from ticketbase.application.identity.create_organization import (
    CreateOrganization,
    CreateOrganizationCommand,
)
from ticketbase.domain.identity.organization import Organization
from ticketbase.entrypoints.container import make_container
from ticketbase.entrypoints.settings import Settings

from .http1 import Request
from .server import Target

__all__ = ["API", "BARE", "SCENARIOS", "Context", "Request", "Scenario", "Target"]


class Context:
    """What a setup is given."""

    def __init__(self, settings: Settings, base_url: str) -> None:
        self.settings = settings
        """What the server runs with: the bench database, the JWT secret, the base domain…"""
        self.base_url = base_url
        """The running server, for seeding that must go through HTTP (a login, say)."""
        self._container: AsyncContainer | None = None

    @property
    def container(self) -> AsyncContainer:
        """The application's container on the bench database (APP scope: open a request scope
        to get use cases), built on first use."""
        if self._container is None:
            self._container = make_container(self.settings)
        return self._container

    async def close(self) -> None:
        if self._container is not None:
            await self._container.close()


Setup = Callable[[Context], Awaitable[Sequence[Request]]]


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    target: Target
    setup: Setup
    baseline: str | None = None
    """The scenario this one's throughput is compared to."""
    concurrency: int | None = None
    """Connections; None: ``BENCH_CONCURRENCY``."""
    duration: float | None = None
    """Measured seconds after the warm-up; None: ``BENCH_SECONDS``."""


API = Target("api", "ticketbase.entrypoints.http.app:create_app", "/health/ready")
BARE = Target("bare", "benchmarks.bare:create_app", "/json")


async def create_organization(context: Context, slug: str, name: str = "") -> Organization:
    async with context.container() as request:
        use_case = await request.get(CreateOrganization)
        return await use_case(CreateOrganizationCommand(name=name or slug.title(), slug=slug))


async def bare_json(context: Context) -> Sequence[Request]:
    return [Request("GET", "/json")]


async def organization_by_domain(context: Context) -> Sequence[Request]:
    await create_organization(context, "bench")
    domain = f"bench.{context.settings.base_domain}"
    return [Request("GET", f"/api/organizations/by-domain?domain={domain}")]


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("bare", BARE, bare_json),
    Scenario("by-domain", API, organization_by_domain, baseline="bare"),
)
