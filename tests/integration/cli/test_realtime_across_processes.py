"""``GET /api/ws`` against real processes: two ``ticketbase serve`` on one database and a
``ticketbase worker``, without Redis (PostgreSQL LISTEN/NOTIFY) and with it (Redis pub/sub).

What a request commits on server A reaches, through the outbox, the worker and the realtime
bus, a socket connected to server B — only a member of that organization with the permission to
read it. Refusals, logout, expiry, heartbeats and a client that stops reading are checked on the
same processes. Absence is proven without sleeping: a later message that the same socket does
receive (the bus keeps the order of one publisher) shows that the earlier one was not sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import jwt
import pytest
import redis.asyncio
import websockets
from sqlalchemy.engine import URL
from tests.integration.cli.test_serve import _cli, _environment, serving
from tests.integration.http.identity_support import PASSWORD
from tests.integration.http.test_events import event_body, ticket_type_body
from tests.integration.support import raw_dsn
from websockets.asyncio.client import ClientConnection

from ticketbase.adapters.local.realtime import encode_envelope
from ticketbase.adapters.postgres.realtime import LISTENER as POSTGRES_LISTENER
from ticketbase.adapters.postgres.realtime import PREFIX as POSTGRES_PREFIX
from ticketbase.adapters.redis.realtime import PREFIX as REDIS_PREFIX
from ticketbase.adapters.security.tokens import JwtTokenService
from ticketbase.application.ports.realtime import RealtimeMessage
from ticketbase.application.ports.system import Clock
from ticketbase.domain.identity.permissions import Role
from ticketbase.domain.shared.ids import OrganizationId, SessionId, UserId

pytestmark = pytest.mark.anyio
JWT_SECRET = secrets.token_urlsafe(48)
PING_SECONDS, PONG_SECONDS, QUEUE_SIZE = 1.0, 2.0, 32
WAIT_SECONDS = 15.0


@dataclass(frozen=True)
class Cluster:
    broker: str
    a: str
    b: str
    owner_dsn: str
    redis_url: str | None

    async def publish_raw(self, payloads: list[str]) -> None:
        """Straight onto the bus, as the worker's handler does (for floods)."""
        if self.redis_url is not None:
            client = redis.asyncio.Redis.from_url(self.redis_url)
            try:
                for payload in payloads:
                    await client.publish(f"{REDIS_PREFIX}realtime", payload)
            finally:
                await client.aclose()
            return
        connection = await asyncpg.connect(self.owner_dsn)
        try:
            for payload in payloads:
                await connection.execute(
                    "SELECT pg_notify($1, $2)", f"{POSTGRES_PREFIX}realtime", payload
                )
        finally:
            await connection.close()


@contextlib.contextmanager
def working(env: dict[str, str], cwd: Path) -> Iterator[None]:
    process = subprocess.Popen(_cli("worker"), env=env, cwd=cwd)
    try:
        yield
    finally:
        process.terminate()
        try:
            process.wait(30)
        finally:
            if process.poll() is None:
                process.kill()


@pytest.fixture(scope="module", params=["postgres", "redis"])
def cluster(
    request: pytest.FixtureRequest, database_url: URL, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    cwd = tmp_path_factory.mktemp(f"realtime-{request.param}")
    redis_url = request.getfixturevalue("redis_url") if request.param == "redis" else None
    env = _environment(
        TICKETBASE_DATABASE_URL=database_url.render_as_string(hide_password=False),
        TICKETBASE_DATA_DIR=str(cwd),
        TICKETBASE_JWT_SECRET=JWT_SECRET,
        TICKETBASE_RATE_LIMIT_AUTH="1000/1m",
        TICKETBASE_REALTIME_PING_INTERVAL_SECONDS=str(PING_SECONDS),
        TICKETBASE_REALTIME_PONG_TIMEOUT_SECONDS=str(PONG_SECONDS),
        TICKETBASE_REALTIME_QUEUE_SIZE=str(QUEUE_SIZE),
        TICKETBASE_REALTIME_SEND_TIMEOUT_SECONDS="2",
        TICKETBASE_DATABASE_POOL_SIZE="4",
        **({"TICKETBASE_REDIS_URL": redis_url} if redis_url else {}),
    )
    with serving(env, cwd) as a, serving(env, cwd) as b, working(env, cwd):
        cluster = Cluster(request.param, a, b, raw_dsn(database_url), redis_url)
        asyncio.run(_worker_listening(cluster))
        yield cluster


async def _worker_listening(cluster: Cluster) -> None:
    """Until the worker has subscribed to the outbox wake-ups (it starts on its own time)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if cluster.redis_url is not None:
            client = redis.asyncio.Redis.from_url(cluster.redis_url)
            try:
                counts = await client.pubsub_numsub(f"{REDIS_PREFIX}outbox")
            finally:
                await client.aclose()
            if counts and counts[0][1] >= 1:
                return
        else:
            connection = await asyncpg.connect(cluster.owner_dsn)
            try:
                # The two servers listen on the realtime channel, the worker on the outbox one.
                listeners = await connection.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 "
                    "AND datname = current_database()",
                    POSTGRES_LISTENER,
                )
            finally:
                await connection.close()
            if listeners >= 3:
                return
        await asyncio.sleep(0.1)
    raise AssertionError("the worker did not subscribe")


@dataclass
class Listener:
    """A WebSocket client that answers the server's pings (unless told not to) and keeps what
    it receives."""

    socket: ClientConnection
    answer_pings: bool = True
    messages: list[dict[str, Any]] = field(default_factory=list)
    received_at: list[float] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None

    async def _read(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for raw in self.socket:
                message = json.loads(raw)
                if message["type"] == "ping":
                    if self.answer_pings:
                        await self.socket.send(json.dumps({"type": "pong"}))
                    continue
                self.messages.append(message)
                self.received_at.append(time.time())
                self.arrived.set()
        self.arrived.set()

    async def expect(self, predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            for message in self.messages:
                if predicate(message):
                    return message
            assert self.socket.close_code is None, f"closed: {self.socket.close_code}"
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"not received; got {[m['type'] for m in self.messages]}"
            self.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), remaining)

    async def closed(self) -> tuple[int | None, str | None]:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.socket.wait_closed(), WAIT_SECONDS)
        assert self.task is not None
        await self.task
        return self.socket.close_code, self.socket.close_reason

    def types(self) -> list[str]:
        return [m["type"] for m in self.messages]


@contextlib.asynccontextmanager
async def listening(
    base: str, token: str, *, subprotocol: bool = False, answer_pings: bool = True
) -> AsyncIterator[Listener]:
    url = base.replace("http://", "ws://") + "/api/ws"
    if subprotocol:
        socket = await websockets.connect(url, subprotocols=["bearer", token])  # type: ignore[list-item]
        assert socket.subprotocol == "bearer"
    else:
        socket = await websockets.connect(f"{url}?token={token}")
    listener = Listener(socket, answer_pings)
    listener.task = asyncio.create_task(listener._read())
    try:
        yield listener
    finally:
        await socket.close()
        await listener.task


async def refused(base: str, token: str | None) -> int:
    url = base.replace("http://", "ws://") + "/api/ws" + (f"?token={token}" if token else "")
    with pytest.raises(websockets.InvalidStatus) as refusal:
        async with websockets.connect(url):
            pass
    return refusal.value.response.status_code


# --- accounts and business over HTTP ------------------------------------------------------


@dataclass
class Member:
    email: str
    token: str
    organization: dict[str, Any]
    user_id: str

    @property
    def auth(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}"}

    @property
    def session_id(self) -> str:
        return str(jwt.decode(self.token, options={"verify_signature": False})["sid"])


async def owner_of_new_organization(http: httpx.AsyncClient) -> Member:
    suffix = uuid.uuid4().hex[:10]
    email = f"owner-{suffix}@example.com"
    registered = await http.post(
        "/api/auth/register",
        json={
            "organizationName": f"Org {suffix}",
            "organizationSlug": f"org-{suffix}",
            "email": email,
            "password": PASSWORD,
            "fullName": "Olive Owner",
        },
    )
    assert registered.status_code == 201, registered.text
    body = registered.json()
    return Member(email, body["tokens"]["accessToken"], body["organization"], body["user"]["id"])


async def member(
    http: httpx.AsyncClient, owner: Member, role: str, revokes: list[str] | None = None
) -> Member:
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
    created = await http.post(
        "/api/users",
        json={"email": email, "fullName": "Some One", "role": role, "password": PASSWORD},
        headers=owner.auth,
    )
    assert created.status_code == 201, created.text
    if revokes:
        changed = await http.put(
            f"/api/users/{created.json()['id']}", json={"revokes": revokes}, headers=owner.auth
        )
        assert changed.status_code == 200, changed.text
    logged_in = await http.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert logged_in.status_code == 200, logged_in.text
    token = logged_in.json()["tokens"]["accessToken"]
    return Member(email, token, owner.organization, created.json()["id"])


async def published_event(http: httpx.AsyncClient, owner: Member) -> dict[str, Any]:
    created = await http.post(
        "/api/events", json=event_body(name=f"Night {uuid.uuid4().hex[:6]}"), headers=owner.auth
    )
    assert created.status_code == 201, created.text
    event = created.json()
    added = await http.post(
        f"/api/events/{event['id']}/ticket-types", json=ticket_type_body(), headers=owner.auth
    )
    assert added.status_code == 201, added.text
    published = await http.post(f"/api/events/{event['id']}/publish", headers=owner.auth)
    assert published.status_code == 200, published.text
    return {"id": event["id"], "ticketTypeId": added.json()["id"]}


async def place_order(http: httpx.AsyncClient, owner: Member, event: dict[str, Any]) -> str:
    placed = await http.post(
        "/api/orders",
        json={
            "eventId": event["id"],
            "items": [{"ticketTypeId": event["ticketTypeId"], "quantity": 1}],
            "buyer": {"fullName": "Ada Lovelace", "email": "ada@example.com"},
        },
        headers={"x-organization": owner.organization["slug"]},
    )
    assert placed.status_code == 201, placed.text
    return str(placed.json()["id"])


def about(kind: str, key: str, value: str) -> Callable[[dict[str, Any]], bool]:
    return lambda m: m["type"] == kind and m["data"].get(key) == value


@pytest.fixture
async def http(cluster: Cluster) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    async with (
        httpx.AsyncClient(base_url=cluster.a, timeout=30) as a,
        httpx.AsyncClient(base_url=cluster.b, timeout=30) as b,
    ):
        yield a, b


# --- the tests ----------------------------------------------------------------------------


async def test_what_server_a_commits_reaches_a_socket_on_server_b(
    cluster: Cluster, http: tuple[httpx.AsyncClient, httpx.AsyncClient]
) -> None:
    a, _ = http
    owner = await owner_of_new_organization(a)
    async with (
        listening(cluster.b, owner.token) as on_b,
        listening(cluster.a, owner.token, subprotocol=True) as on_a,
    ):
        event = await published_event(a, owner)
        order_id = await place_order(a, owner, event)
        paid = await a.post(
            f"/api/orders/{order_id}/pay", json={"provider": "manual"}, headers=owner.auth
        )
        assert paid.status_code == 200, paid.text
        committed = time.time()
        for listener in (on_b, on_a):
            published = await listener.expect(about("event.published", "eventId", event["id"]))
            assert published["organizationId"] == owner.organization["id"]
            created = await listener.expect(about("order.created", "orderId", order_id))
            assert created["data"]["eventId"] == event["id"]
            assert created["data"]["ticketCount"] == 1
            assert {"id", "type", "organizationId", "data", "at"} == set(created)
            await listener.expect(about("order.paid", "orderId", order_id))
        # Prompt: the worker is woken by the commit, it does not wait for its next poll.
        index = next(i for i, m in enumerate(on_b.messages) if m["type"] == "order.paid")
        assert on_b.received_at[index] - committed < 1.0


async def test_only_members_of_the_organization_with_the_permission_hear(
    cluster: Cluster, http: tuple[httpx.AsyncClient, httpx.AsyncClient]
) -> None:
    a, b = http
    owner = await owner_of_new_organization(a)
    stranger = await owner_of_new_organization(b)
    no_orders = await member(a, owner, "analyst", revokes=["orders:read"])
    no_events = await member(a, owner, "support", revokes=["events:read"])
    async with (
        listening(cluster.b, stranger.token) as other_tenant,
        listening(cluster.b, no_orders.token) as analyst,
        listening(cluster.a, no_events.token) as support,
        listening(cluster.b, owner.token) as owner_socket,
    ):
        event = await published_event(a, owner)
        order_id = await place_order(a, owner, event)
        await owner_socket.expect(about("order.created", "orderId", order_id))
        later = await published_event(a, owner)  # after the order, on the same bus
        await owner_socket.expect(about("event.published", "eventId", later["id"]))
        await analyst.expect(about("event.published", "eventId", later["id"]))
        assert analyst.types() == ["event.published", "event.published"]
        # The support member hears orders, not events: the order comes before a second one.
        second = await place_order(a, owner, later)
        await support.expect(about("order.created", "orderId", second))
        assert support.types() == ["order.created", "order.created"]
        # The other tenant's own event is heard after all of the first one's messages.
        theirs = await published_event(b, stranger)
        await other_tenant.expect(about("event.published", "eventId", theirs["id"]))
        assert other_tenant.types() == ["event.published"]


async def test_wrong_expired_ended_and_missing_tokens_are_refused(
    cluster: Cluster, http: tuple[httpx.AsyncClient, httpx.AsyncClient]
) -> None:
    a, _ = http
    owner = await owner_of_new_organization(a)
    assert await refused(cluster.b, None) == 403
    assert await refused(cluster.b, "not-a-token") == 403
    assert await refused(cluster.b, owner.token[:-4] + "AAAA") == 403
    expired = _tokens(ttl=60, clock=_Past()).issue_access_token(
        user_id=UserId(uuid.UUID(owner.user_id)),
        session_id=SessionId(uuid.UUID(owner.session_id)),
        organization_id=OrganizationId(uuid.UUID(owner.organization["id"])),
        role=Role.OWNER,
        is_platform_admin=False,
    )[0]
    assert await refused(cluster.b, expired) == 403
    kept = await a.post("/api/auth/login", json={"email": owner.email, "password": PASSWORD})
    assert (await a.post("/api/auth/logout", headers=owner.auth)).status_code == 204
    assert await refused(cluster.b, owner.token) == 403
    async with listening(cluster.b, kept.json()["tokens"]["accessToken"]):
        pass  # the other session of the same account still connects


async def test_a_logout_on_server_a_closes_the_socket_on_server_b(
    cluster: Cluster, http: tuple[httpx.AsyncClient, httpx.AsyncClient]
) -> None:
    a, _ = http
    owner = await owner_of_new_organization(a)
    other = await a.post("/api/auth/login", json={"email": owner.email, "password": PASSWORD})
    laptop = Member(
        owner.email, other.json()["tokens"]["accessToken"], owner.organization, owner.user_id
    )
    async with (
        listening(cluster.b, owner.token) as ending,
        listening(cluster.b, laptop.token) as staying,
    ):
        assert (await a.post("/api/auth/logout", headers=owner.auth)).status_code == 204
        assert await ending.closed() == (4401, "session_revoked")
        event = await published_event(a, laptop)  # the other session's socket still hears
        await staying.expect(about("event.published", "eventId", event["id"]))


async def test_a_socket_closes_when_its_token_expires(
    cluster: Cluster, http: tuple[httpx.AsyncClient, httpx.AsyncClient]
) -> None:
    a, _ = http
    owner = await owner_of_new_organization(a)
    short, _ = _tokens(ttl=2).issue_access_token(
        user_id=UserId(uuid.UUID(owner.user_id)),
        session_id=SessionId(uuid.UUID(owner.session_id)),
        organization_id=OrganizationId(uuid.UUID(owner.organization["id"])),
        role=Role.OWNER,
        is_platform_admin=False,
    )
    async with listening(cluster.b, short) as listener:
        assert await listener.closed() == (4401, "token_expired")


async def test_a_client_that_never_answers_pings_is_closed(
    cluster: Cluster, http: tuple[httpx.AsyncClient, httpx.AsyncClient]
) -> None:
    a, _ = http
    owner = await owner_of_new_organization(a)
    async with (
        listening(cluster.a, owner.token, answer_pings=False) as silent,
        listening(cluster.a, owner.token) as alive,
    ):
        started = time.monotonic()
        assert await silent.closed() == (4408, "no_pong")
        assert time.monotonic() - started >= PING_SECONDS
        assert alive.socket.close_code is None  # it answered every ping meanwhile


async def test_a_client_that_stops_reading_is_dropped_and_never_slows_the_others(
    cluster: Cluster, http: tuple[httpx.AsyncClient, httpx.AsyncClient]
) -> None:
    a, _ = http
    owner = await owner_of_new_organization(a)
    organization = OrganizationId(uuid.UUID(owner.organization["id"]))
    flood = [
        encode_envelope(
            RealtimeMessage(
                uuid.uuid4(), "event.published", organization, {"n": n, "pad": "x" * 6000}, "-"
            )
        )
        for n in range(1500)  # ~9 MB: more than every socket buffer between the two ends
    ]
    url = cluster.b.replace("http://", "ws://") + f"/api/ws?token={owner.token}"
    async with (
        websockets.connect(url, max_queue=1) as stalled,  # never read: the buffers fill
        listening(cluster.b, owner.token) as reader,
    ):
        started = time.monotonic()
        # In steps the reader keeps up with (half its queue), as fast as it takes them.
        step = QUEUE_SIZE // 2
        for start in range(0, len(flood), step):
            await cluster.publish_raw(flood[start : start + step])
            last = min(start + step, len(flood)) - 1
            await reader.expect(lambda m, last=last: m["data"].get("n") == last)
        assert [m["data"]["n"] for m in reader.messages] == list(range(len(flood)))
        took = time.monotonic() - started
        # The stalled one was sent a part of the flood (what the buffers held), then dropped.
        got = 0
        with contextlib.suppress(websockets.ConnectionClosed):
            async for _ in stalled:
                got += 1
        assert got < len(flood)
        # 1013 when the close frame could still be written, else the connection was cut.
        assert stalled.close_code in (1013, 1006), stalled.close_code
        assert reader.socket.close_code is None
        assert took < WAIT_SECONDS


class _Past:
    def now(self) -> datetime:
        return datetime.now(UTC) - timedelta(hours=1)


class _Now:
    def now(self) -> datetime:
        return datetime.now(UTC)


def _tokens(*, ttl: int, clock: Clock | None = None) -> JwtTokenService:
    return JwtTokenService(
        secret=JWT_SECRET,
        issuer="ticketbase",
        audience="ticketbase-api",
        ttl_seconds=ttl,
        clock=clock or _Now(),
    )


async def test_a_plain_http_get_is_told_to_upgrade(
    http: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    a, _ = http
    response = await a.get("/api/ws")
    assert response.status_code == 426
    assert response.headers["upgrade"] == "websocket"
    assert response.headers["content-type"].startswith("application/problem+json")
