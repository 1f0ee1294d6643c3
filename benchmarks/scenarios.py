"""The scenarios ``make bench`` runs, in this order.

To add one, write a setup coroutine and append a ``Scenario`` to ``SCENARIOS``. The setup runs
once the scenario's server answers; it seeds what the requests need (through the application's
use cases, or over HTTP at ``context.base_url``) and returns the request(s) to fire, which each
connection cycles through. Scenarios of one run share one database: seed under names of your own.
Give ``baseline`` to print this scenario's throughput as a share of another's; ``concurrency``
and ``note`` when the scenario needs fewer connections and the output should say why. ``me``
below is a complete example: it registers an account over HTTP, logs in, and returns the one
authenticated request to fire. A server's own settings go in its ``Target(env=...)``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import asyncpg
import httpx
from dishka import AsyncContainer

from ticketbase.adapters.postgres.analytics import SUMMARY_STATEMENT
from ticketbase.application.identity.create_organization import (
    CreateOrganization,
    CreateOrganizationCommand,
)
from ticketbase.domain.identity.organization import Organization
from ticketbase.entrypoints.container import make_container
from ticketbase.entrypoints.settings import Settings

from . import analytics, checkout, ws_fanout
from .checkout import Check
from .http1 import Request
from .load import LoadResult
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
# (context, warm-up seconds, measured seconds, connections) -> the figures
Direct = Callable[[Context, float, float, int], Awaitable[LoadResult]]
Verify = Callable[[Context], Awaitable[Sequence[Check]]]


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
    note: str | None = None
    """Printed under the scenario's figures (line by line)."""
    ratio_goal: float | None = None
    """The share of the baseline's throughput this scenario should reach."""
    p99_goal_ms: float | None = None
    """The 99th-percentile latency this scenario should stay under."""
    rate_goal: float | None = None
    """The requests per second this scenario should reach."""
    direct: Direct | None = None
    """Measured by this coroutine instead of HTTP load (the setup's requests are not fired)."""
    verify: Verify | None = None
    """Checked after the load: each check is printed under the row and in the headline."""


# The credential routes allow 30 requests a minute per client address by default; every request
# of a benchmark comes from 127.0.0.1, so the login scenario would measure 429s.
AUTH_RATE_LIMIT = ("TICKETBASE_RATE_LIMIT_AUTH", "1000000/1s")
# The free plan's limits would refuse a benchmark's traffic (600 API requests a minute per
# organization, 500 orders a month, 3 published events): raised, not switched off, so the API
# rate and the monthly order allowance are still counted on every request they apply to.
PLAN_LIMITS = (
    ("TICKETBASE_PLAN_FREE_API_REQUESTS_PER_MINUTE", "100000000"),
    ("TICKETBASE_PLAN_FREE_ORDERS_PER_MONTH", "1000000000"),
    ("TICKETBASE_PLAN_FREE_PUBLISHED_EVENTS", "1000000"),
    ("TICKETBASE_PLAN_FREE_SEATS", "1000000"),
)
API = Target(
    "api",
    "ticketbase.entrypoints.http.app:create_app",
    "/health/ready",
    env=(AUTH_RATE_LIMIT, *PLAN_LIMITS),
)
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


PASSWORD = "bench-password-0123456789"  # noqa: S105 - the benchmark account's, nothing real


def _email(slug: str) -> str:
    return f"owner@{slug}.bench.example"


async def register(context: Context, slug: str) -> None:
    """An organization and its owner, through ``POST /api/auth/register``."""
    body = {
        "organizationName": slug.title(),
        "organizationSlug": slug,
        "email": _email(slug),
        "password": PASSWORD,
        "fullName": "Bench Owner",
    }
    async with httpx.AsyncClient(base_url=context.base_url, timeout=30) as client:
        response = await client.post("/api/auth/register", json=body)
        response.raise_for_status()


def login_request(slug: str) -> Request:
    body = json.dumps({"email": _email(slug), "password": PASSWORD}).encode()
    return Request("POST", "/api/auth/login", (("content-type", "application/json"),), body)


async def login(context: Context) -> Sequence[Request]:
    await register(context, "bench-login")
    return [login_request("bench-login")]


async def me(context: Context) -> Sequence[Request]:
    await register(context, "bench-me")
    request = login_request("bench-me")
    async with httpx.AsyncClient(base_url=context.base_url, timeout=30) as client:
        response = await client.post(request.path, content=request.body, headers=request.headers)
        response.raise_for_status()
        token = response.json()["tokens"]["accessToken"]
    return [Request("GET", "/api/auth/me", (("authorization", f"Bearer {token}"),))]


async def _owner_token(context: Context, slug: str) -> str:
    await register(context, slug)
    request = login_request(slug)
    async with httpx.AsyncClient(base_url=context.base_url, timeout=30) as client:
        response = await client.post(request.path, content=request.body, headers=request.headers)
        response.raise_for_status()
        return str(response.json()["tokens"]["accessToken"])


async def _published_event(client: httpx.AsyncClient, token: str, name: str, days: int) -> str:
    """A published event with two ticket types, created over HTTP; returns its slug."""
    auth = {"authorization": f"Bearer {token}"}
    starts = datetime.now(UTC) + timedelta(days=days)
    created = await client.post(
        "/api/events",
        headers=auth,
        json={
            "name": name,
            "description": "A benchmark event",
            "venue": {"name": "Hall", "address": "1 Main St", "city": "Lisbon", "country": "PT"},
            "startsAt": starts.isoformat(),
            "endsAt": (starts + timedelta(hours=3)).isoformat(),
            "timezone": "Europe/Lisbon",
        },
    )
    created.raise_for_status()
    event = created.json()
    for ticket_type in ("General", "VIP"):
        added = await client.post(
            f"/api/events/{event['id']}/ticket-types",
            headers=auth,
            json={
                "name": ticket_type,
                "price": {"amount": 2500, "currency": "EUR"},
                "quantity": 500,
            },
        )
        added.raise_for_status()
    published = await client.post(f"/api/events/{event['id']}/publish", headers=auth)
    published.raise_for_status()
    return str(event["slug"])


async def public_event(context: Context) -> Sequence[Request]:
    token = await _owner_token(context, "bench-shop")
    async with httpx.AsyncClient(base_url=context.base_url, timeout=30) as client:
        slug = await _published_event(client, token, "Bench Festival", 30)
    return [Request("GET", f"/api/events/{slug}", (("x-organization", "bench-shop"),))]


def _landing_page() -> dict[str, object]:
    """A storefront landing page as Puck saves one: a hero, 3 columns of 8 cards, a footer
    (about 10 KB of JSON)."""
    cards = {
        f"columns-1:col-{c}": [
            {
                "type": "Card",
                "props": {
                    "id": f"card-{c}-{n}",
                    "title": f"Concert {c}-{n}",
                    "text": "An evening of music under the stars, with food and drinks.",
                    "image": f"https://cdn.example.com/img/{c}-{n}.jpg",
                },
            }
            for n in range(8)
        ]
        for c in range(3)
    }
    return {
        "content": [
            {"type": "Hero", "props": {"id": "hero-1", "title": "Summer season", "cta": "Buy"}},
            {"type": "Columns", "props": {"id": "columns-1", "count": 3}},
            {"type": "Footer", "props": {"id": "footer-1", "text": "(c) Bench Shop"}},
        ],
        "root": {"props": {"title": "Bench Shop", "theme": "light"}},
        "zones": cards,
    }


async def public_page(context: Context) -> Sequence[Request]:
    token = await _owner_token(context, "bench-pages")
    auth = {"authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=context.base_url, timeout=30) as client:
        body = {"slug": "home", "title": "Home", "data": _landing_page()}
        created = await client.post("/api/pages", headers=auth, json=body)
        created.raise_for_status()
        page_id = created.json()["id"]
        published = await client.post(f"/api/pages/{page_id}/publish", headers=auth)
        published.raise_for_status()
    return [Request("GET", "/api/pages/home", (("x-organization", "bench-pages"),))]


async def staff_events(context: Context) -> Sequence[Request]:
    token = await _owner_token(context, "bench-staff")
    async with httpx.AsyncClient(base_url=context.base_url, timeout=30) as client:
        for day in range(1, 26):
            await _published_event(client, token, f"Staff Bench {day}", day + 10)
    return [Request("GET", "/api/events?limit=20", (("authorization", f"Bearer {token}"),))]


def _owner_dsn(context: Context) -> str:
    settings = context.settings
    url = settings.migration_database_url or settings.database_url
    assert url is not None, "the bench always runs on a database"
    return checkout.owner_dsn(url)


async def checkout_api(context: Context) -> Sequence[Request]:
    token = await _owner_token(context, "bench-checkout")
    async with httpx.AsyncClient(base_url=context.base_url, timeout=30) as client:
        checkout.SEEDED.api = await checkout.hot_event(
            client, token, "bench-checkout", _owner_dsn(context)
        )
    return [checkout.checkout_request(checkout.SEEDED.api, "bench-checkout")]


async def checkout_sql(context: Context) -> Sequence[Request]:
    token = await _owner_token(context, "bench-checkout-sql")
    async with httpx.AsyncClient(base_url=context.base_url, timeout=30) as client:
        checkout.SEEDED.sql = await checkout.hot_event(
            client, token, "bench-checkout-sql", _owner_dsn(context)
        )
    return [Request("GET", "/health/ready")]  # only the server's probe: the load is direct


async def raw_holds(
    context: Context, warmup: float, duration: float, connections: int
) -> LoadResult:
    return await checkout.raw_holds(
        _owner_dsn(context),
        checkout.SEEDED.sql,
        warmup=warmup,
        duration=duration,
        concurrency=connections,
    )


async def api_oversold(context: Context) -> Sequence[Check]:
    return await checkout.oversold(_owner_dsn(context), checkout.SEEDED.api)


async def sql_oversold(context: Context) -> Sequence[Check]:
    return await checkout.oversold(_owner_dsn(context), checkout.SEEDED.sql)


async def ws_fanout_setup(context: Context) -> Sequence[Request]:
    token = await _owner_token(context, "bench-ws")
    async with httpx.AsyncClient(base_url=context.base_url, timeout=30) as client:
        await _published_event(client, token, "WS Bench", 40)
        events = await client.get("/api/events", headers={"authorization": f"Bearer {token}"})
        events.raise_for_status()
        event = events.json()["items"][0]
        read = await client.get(
            f"/api/events/{event['id']}", headers={"authorization": f"Bearer {token}"}
        )
        read.raise_for_status()
    ws_fanout.SEEDED.token = token
    ws_fanout.SEEDED.slug = "bench-ws"
    ws_fanout.SEEDED.event_id = event["id"]
    ws_fanout.SEEDED.ticket_type_ids = [t["id"] for t in read.json()["ticketTypes"]]
    return [Request("GET", "/health/ready")]  # only the server's probe: the load is direct


async def ws_fanout_direct(
    context: Context, warmup: float, duration: float, connections: int
) -> LoadResult:
    settings = context.settings
    assert settings.database_url is not None
    assert settings.jwt_secret is not None
    env = ws_fanout.worker_env(
        settings.database_url,
        settings.migration_database_url,
        settings.jwt_secret,
        str(settings.data_dir),
    )
    return await ws_fanout.fan_out(context.base_url, env, warmup, duration)


LOGIN_CONCURRENCY = 8

# --- analytics: 1,000,000 orders of one organization (benchmarks/analytics.py seeds them) ----


class _AnalyticsSeed:
    token: str | None = None


ANALYTICS = _AnalyticsSeed()


async def _analytics_token(context: Context) -> str:
    """The owner of ``bench-analytics`` once its year of orders is seeded (once per run)."""
    if ANALYTICS.token is not None:
        return ANALYTICS.token
    token = await _owner_token(context, "bench-analytics")
    tenants = {"bench-analytics": (token, 20)}
    for rival in ("bench-analytics-rival-1", "bench-analytics-rival-2"):
        tenants[rival] = (await _owner_token(context, rival), 2)
    async with httpx.AsyncClient(base_url=context.base_url, timeout=30) as client:
        for slug, (owner, events) in tenants.items():
            for n in range(events):
                await _draft_event(client, owner, f"{slug} {n}")
    dsn = _owner_dsn(context)
    ids = {}
    connection = await asyncpg.connect(dsn)
    try:
        for slug in tenants:
            ids[slug] = await connection.fetchval(
                "SELECT id FROM organizations WHERE slug = $1", slug
            )
        # Days of a zone that is not UTC, as most tenants' are.
        await connection.execute(
            "UPDATE organizations SET settings = jsonb_set(settings, '{timezone}', "
            "'\"Europe/Lisbon\"') WHERE id = $1",
            ids["bench-analytics"],
        )
    finally:
        await connection.close()
    seconds = await analytics.seed(dsn, ids["bench-analytics-rival-1"], analytics.OTHER_ORDERS)
    seconds += await analytics.seed(dsn, ids["bench-analytics"], analytics.ORDERS)
    seconds += await analytics.seed(dsn, ids["bench-analytics-rival-2"], analytics.OTHER_ORDERS)
    print(
        f"{'':<16}seeded {analytics.ORDERS:,} orders (+ {2 * analytics.OTHER_ORDERS:,} of two "
        f"other tenants) with lines and attendees in {seconds:.0f} s",
        flush=True,
    )
    await _explain_analytics(dsn, ids["bench-analytics"])
    ANALYTICS.token = token
    return token


async def _draft_event(client: httpx.AsyncClient, token: str, name: str) -> None:
    """An event with two ticket types, left a draft (a plan may limit published events; the
    figures do not care)."""
    auth = {"authorization": f"Bearer {token}"}
    starts = datetime.now(UTC) + timedelta(days=30)
    created = await client.post(
        "/api/events",
        headers=auth,
        json={
            "name": name,
            "description": "A benchmark event",
            "venue": {"name": "Hall", "address": "1 Main St", "city": "Lisbon", "country": "PT"},
            "startsAt": starts.isoformat(),
            "endsAt": (starts + timedelta(hours=3)).isoformat(),
            "timezone": "Europe/Lisbon",
        },
    )
    created.raise_for_status()
    for ticket_type in ("General", "VIP"):
        added = await client.post(
            f"/api/events/{created.json()['id']}/ticket-types",
            headers=auth,
            json={
                "name": ticket_type,
                "price": {"amount": 2500, "currency": "EUR"},
                "quantity": 1_000_000,
            },
        )
        added.raise_for_status()


async def _explain_analytics(dsn: str, organization_id: UUID) -> None:
    """Print the plans of the two summaries measured (the last 30 days, a whole year) once."""
    end = datetime.now(UTC) + timedelta(days=1)
    used = [name for name in analytics.PARAMETERS if f":{name}" in SUMMARY_STATEMENT]
    text = SUMMARY_STATEMENT
    for index, name in enumerate(used, start=1):
        text = text.replace(f":{name}", f"${index}")
    for days in (30, 366):
        values = {
            "currency": "EUR",
            "event": None,
            "start": end - timedelta(days=days),
            "end": end,
            "org": organization_id,
            "tz": "Europe/Lisbon",
        }
        plan = await analytics.explain(dsn, organization_id, text, *(values[n] for n in used))
        print(f"{'':<16}EXPLAIN ANALYZE, {days} days:", flush=True)
        print("\n".join(f"{'':<16}{line}" for line in plan.splitlines()), flush=True)


async def analytics_month(context: Context) -> Sequence[Request]:
    token = await _analytics_token(context)
    return [Request("GET", "/api/analytics/summary", (("authorization", f"Bearer {token}"),))]


async def analytics_year(context: Context) -> Sequence[Request]:
    token = await _analytics_token(context)
    today = datetime.now(UTC).date()
    path = f"/api/analytics/summary?from={today - timedelta(days=365)}&to={today}"
    return [Request("GET", path, (("authorization", f"Bearer {token}"),))]


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("bare", BARE, bare_json),
    # Every storefront request resolves its tenant; the Admin App calls /me on every start.
    Scenario(
        "by-domain",
        API,
        organization_by_domain,
        baseline="bare",
        ratio_goal=0.50,
        p99_goal_ms=50,
    ),
    Scenario(
        "login",
        API,
        login,
        baseline="bare",
        concurrency=LOGIN_CONCURRENCY,
        note=f"argon2-bound: each login verifies a password hash (2 at a time), hence "
        f"{LOGIN_CONCURRENCY} connections\nthe per-address limit of the credential routes "
        f"({AUTH_RATE_LIMIT[0]}, 30/1m by default) is raised for this run",
    ),
    Scenario("me", API, me, baseline="bare", ratio_goal=0.40, p99_goal_ms=50),
    # On-sale time: thousands of buyers open the same event page at once.
    Scenario(
        "public-event",
        API,
        public_event,
        baseline="bare",
        ratio_goal=0.50,
        p99_goal_ms=50,
        note="GET /api/events/{slug} without a token (X-Organization); availability <= 1 s old",
    ),
    # Every storefront visit opens a page built in Puck.
    Scenario(
        "page",
        API,
        public_page,
        baseline="bare",
        ratio_goal=0.50,
        p99_goal_ms=50,
        note="GET /api/pages/{slug} without a token (X-Organization): a published page of ~10 KB",
    ),
    Scenario(
        "staff-events",
        API,
        staff_events,
        baseline="bare",
        note="GET /api/events?limit=20 with an owner token: 25 published events",
    ),
    # On-sale time: one hot ticket type, every buyer on the same two rows.
    Scenario(
        "checkout-sql",
        API,
        checkout_sql,
        concurrency=checkout.CONCURRENCY,
        direct=raw_holds,
        verify=sql_oversold,
        note="the hold's SQL through asyncpg, no API: UPDATE ticket type, UPDATE event, INSERT "
        "order, commit",
    ),
    Scenario(
        "checkout",
        API,
        checkout_api,
        baseline="checkout-sql",
        concurrency=checkout.CONCURRENCY,
        verify=api_oversold,
        ratio_goal=0.40,
        p99_goal_ms=100,
        rate_goal=500,
        note="POST /api/orders, 1 ticket of one hot type (X-Organization)",
    ),
    # A rush seen live: every staff screen of the organization hears each new order.
    Scenario(
        "ws-fanout",
        API,
        ws_fanout_setup,
        concurrency=ws_fanout.WS_CLIENTS,
        direct=ws_fanout_direct,
        note=f"GET /api/ws: {ws_fanout.WS_CLIENTS:,} sockets of one organization, "
        f"{ws_fanout.RATE:g} checkouts/s (BENCH_WS_RATE), each order.created pushed to every "
        "socket\nrequests/s = deliveries/s; latency = order committed -> received "
        "(outbox, worker woken by the commit, PostgreSQL NOTIFY, fan-out)",
    ),
    Scenario(
        "analytics",
        API,
        analytics_month,
        concurrency=1,
        p99_goal_ms=200,
        note="GET /api/analytics/summary (the last 30 days, Europe/Lisbon) of an organization "
        "with 1,000,000 orders over a year; one request at a time (a dashboard's latency, not a "
        "crowd's)",
    ),
    Scenario(
        "analytics-year",
        API,
        analytics_year,
        concurrency=1,
        p99_goal_ms=200,
        note="GET /api/analytics/summary?from=&to= over the whole year (366 days) of the same "
        "1,000,000 orders",
    ),
)
