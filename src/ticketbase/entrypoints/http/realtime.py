"""``GET /api/ws``: the realtime push, one WebSocket per signed-in screen.

**Handshake.** The access token comes as ``?token=`` or as the ``Sec-WebSocket-Protocol``
value ``bearer, <token>`` (answered with ``bearer`` selected). It is verified exactly as an
HTTP request's bearer token is (signature, expiry, then the session through ``CheckSession``);
a missing, wrong, expired or ended one — or a token without an organization — is refused
before the connection is accepted (the close code 4401 or 4403 becomes HTTP 403 on the
handshake). A plain HTTP ``GET /api/ws`` answers 426.

**Messages.** Text frames of JSON ``{id, type, organizationId, data, at}``, only of the token's
organization and only those its permissions (after grants and revokes) may read:
``order.created``, ``order.paid``, ``order.refunded`` need ``orders:read``;
``attendee.checked_in`` needs ``orders:read`` or ``attendees:checkin``; ``event.published``
needs ``events:read``; ``plugin.status_changed`` needs ``plugins:manage`` or
``organization:read``. ``id`` is the same for a repeat (delivery is at least once). Every
``TICKETBASE_REALTIME_PING_INTERVAL_SECONDS`` the server sends
``{"type": "ping", "at": …}``; a client that sends nothing (``{"type": "pong"}``, say) within
``TICKETBASE_REALTIME_PONG_TIMEOUT_SECONDS`` after it is closed with 4408.

**Ending.** At the token's (or its session's) expiry: 4401 ``token_expired``; when the session
ends anywhere (logout, password change, removal, role change): 4401 ``session_revoked``, as
soon as the change feed tells this process; a client that does not keep up with its queue
(``TICKETBASE_REALTIME_QUEUE_SIZE`` messages) or whose socket takes longer than
``TICKETBASE_REALTIME_SEND_TIMEOUT_SECONDS`` to take one: 1013 ``too_slow`` — it never slows
the others, whose queues are filled without waiting; at shutdown 1001.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import msgspec
import structlog
from litestar import WebSocket, get, websocket
from litestar.exceptions import HTTPException, WebSocketDisconnect

from ticketbase.application.context import Actor
from ticketbase.application.identity.check_session import CheckSession
from ticketbase.application.ports.cache import read_record, session_tag
from ticketbase.application.ports.errors import DependencyUnavailable
from ticketbase.application.ports.security import TokenService
from ticketbase.application.realtime.audience import may_hear
from ticketbase.domain.identity.permissions import effective_permissions
from ticketbase.domain.shared.errors import Unauthenticated
from ticketbase.entrypoints.container import REALTIME, RealtimeBroker, route_of

log = structlog.get_logger()

UNAUTHORIZED = 4401
FORBIDDEN = 4403
NO_PONG = 4408
TOO_SLOW = 1013
GOING_AWAY = 1001
GONE = 1006  # never sent: the peer left (or its socket failed), nothing is closed


@dataclass(frozen=True, slots=True)
class RealtimePolicy:
    queue_size: int = 256
    ping_interval: float = 25.0
    pong_timeout: float = 20.0
    send_timeout: float = 10.0
    tick: float = 1.0  # how often pings, pong deadlines and expiries are looked at


class _Connection:
    """One accepted socket: its member, its bounded queue and why it ends (once it does)."""

    __slots__ = (
        "actor",
        "awaiting_pong_since",
        "code",
        "deadline",
        "last_ping",
        "limit",
        "pending",
        "ready",
        "reason",
    )

    def __init__(self, actor: Actor, deadline: datetime, limit: int) -> None:
        self.actor = actor
        self.deadline = deadline
        self.limit = limit
        self.pending: deque[str] = deque()
        self.ready = asyncio.Event()
        self.code: int | None = None
        self.reason = ""
        self.last_ping = time.monotonic()
        self.awaiting_pong_since: float | None = None

    def offer(self, payload: str) -> None:
        """Queue without waiting; a full queue drops the connection, never the message of
        another."""
        if self.code is not None:
            return
        if len(self.pending) >= self.limit:
            self.end(TOO_SLOW, "too_slow")
            return
        self.pending.append(payload)
        self.ready.set()

    def end(self, code: int, reason: str) -> None:
        if self.code is None:
            self.code, self.reason = code, reason
            self.ready.set()

    def heard(self) -> None:
        self.awaiting_pong_since = None

    async def next(self) -> str | None:
        """The next message to send, or None once the connection ends (what is queued then is
        dropped: a client being closed gets nothing more)."""
        while self.code is None:
            if self.pending:
                return self.pending.popleft()
            self.ready.clear()
            await self.ready.wait()
        return None


def _bearer_of(socket: WebSocket[Any, Any, Any]) -> tuple[str | None, bool]:
    """(the token, whether it came as the ``bearer`` subprotocol)."""
    offered = [p.strip() for p in socket.headers.get("sec-websocket-protocol", "").split(",")]
    if len(offered) >= 2 and offered[0].lower() == "bearer" and offered[1]:
        return offered[1], True
    token = socket.query_params.get("token")
    return (token.strip() or None) if token else None, False


class RealtimeHub:
    """This process's sockets, by organization and by session; fed by the realtime bus."""

    def __init__(
        self,
        tokens: TokenService,
        check_session: CheckSession,
        broker: RealtimeBroker,
        policy: RealtimePolicy,
    ) -> None:
        self._tokens, self._check_session = tokens, check_session
        self._broker, self._policy = broker, policy
        self._by_organization: dict[UUID, set[_Connection]] = {}
        self._by_session: dict[UUID, set[_Connection]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._rechecks: set[asyncio.Task[None]] = set()

    @property
    def connections(self) -> int:
        return sum(len(c) for c in self._by_organization.values())

    # --- the bus and the change feed -----------------------------------------------------

    def deliver(self, channel: str, payload: str) -> None:
        if channel != REALTIME:
            return
        route = route_of(payload)
        if route is None:
            log.warning("realtime_garbage", size=len(payload))
            return
        try:
            organization = UUID(route.organization_id)
        except ValueError:
            return
        for connection in self._by_organization.get(organization, ()):
            if may_hear(connection.actor.permissions, route.type):
                connection.offer(payload)

    def drop_tagged(self, tags: Collection[str]) -> None:
        """The change feed's invalidations (``CacheHub`` calls this like a cache's): a session
        tag of a connected session is checked again, and its sockets closed if it ended."""
        touched = [
            sid for sid in self._by_session if session_tag(sid) in tags
        ]  # a handful of tags per change, usually none of ours
        if touched:
            self._recheck(touched)

    def clear(self) -> None:
        """The feed was lost or came back: changes may have been missed, check them all."""
        if self._by_session:
            self._recheck(list(self._by_session))

    def _recheck(self, sessions: Iterable[UUID]) -> None:
        task = asyncio.get_running_loop().create_task(self._recheck_sessions(list(sessions)))
        self._rechecks.add(task)
        task.add_done_callback(self._rechecks.discard)

    async def _recheck_sessions(self, sessions: list[UUID]) -> None:
        for sid in sessions:
            connections = list(self._by_session.get(sid, ()))
            if not connections:
                continue
            actor = connections[0].actor
            try:
                await self._check_session(actor.user_id, actor.session_id)
            except Unauthenticated:
                for connection in connections:
                    connection.end(UNAUTHORIZED, "session_revoked")
            except Exception as error:  # the database is away: the next change or sweep retries
                log.warning("realtime_session_check_failed", error=repr(error))

    # --- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._broker.run([REALTIME], self.deliver), name="realtime"),
            asyncio.create_task(self._heartbeat(), name="realtime-heartbeat"),
        ]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._broker.subscribed.wait(), 5)

    async def stop(self) -> None:
        for connections in self._by_organization.values():
            for connection in connections:
                connection.end(GOING_AWAY, "server_shutting_down")
        for task in [*self._tasks, *self._rechecks]:
            task.cancel()
        await asyncio.gather(*self._tasks, *self._rechecks, return_exceptions=True)
        self._tasks = []

    async def _heartbeat(self) -> None:
        policy = self._policy
        while True:
            await asyncio.sleep(policy.tick)
            now, wall = time.monotonic(), datetime.now(UTC)
            ping: str | None = None
            for connections in self._by_organization.values():
                for connection in connections:
                    if wall >= connection.deadline:
                        connection.end(UNAUTHORIZED, "token_expired")
                    elif connection.awaiting_pong_since is not None:
                        if now - connection.awaiting_pong_since > policy.pong_timeout:
                            connection.end(NO_PONG, "no_pong")
                    elif now - connection.last_ping >= policy.ping_interval:
                        ping = (
                            ping
                            or msgspec.json.encode(
                                {"type": "ping", "at": wall.isoformat()}
                            ).decode()
                        )
                        connection.last_ping = connection.awaiting_pong_since = now
                        connection.offer(ping)

    # --- one socket -------------------------------------------------------------------------

    async def serve(self, socket: WebSocket[Any, Any, Any]) -> None:
        token, as_subprotocol = _bearer_of(socket)
        try:
            if token is None:
                raise Unauthenticated("no access token")
            claims = self._tokens.verify_access_token(token)
            with read_record() as record:
                await self._check_session(claims.user_id, claims.session_id)
        except Unauthenticated as error:
            await _refuse(socket, UNAUTHORIZED, error.code)
            return
        except DependencyUnavailable:
            await _refuse(socket, 1011, "unavailable")
            return
        if claims.organization_id is None or claims.role is None:
            await _refuse(socket, FORBIDDEN, "no_organization")
            return
        actor = Actor(
            user_id=claims.user_id,
            session_id=claims.session_id,
            organization_id=claims.organization_id,
            role=claims.role,
            permissions=effective_permissions(claims.role, claims.grants, claims.revokes),
        )
        deadline = min(claims.expires_at, record.valid_until or claims.expires_at)
        await socket.accept(subprotocols="bearer" if as_subprotocol else None)
        connection = _Connection(actor, deadline, self._policy.queue_size)
        self._add(connection)
        listener = asyncio.create_task(self._listen(socket, connection))
        try:
            await self._send_until_closed(socket, connection)
        finally:
            self._remove(connection)
            # Before the close frame: a receive still pending holds the close back.
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)
        if connection.code != GONE:
            # A client that stopped reading may not take the close frame either: bounded.
            with contextlib.suppress(Exception):
                async with asyncio.timeout(self._policy.send_timeout):
                    await socket.close(connection.code or 1000, connection.reason)
        log.info("realtime_closed", code=connection.code, reason=connection.reason)

    async def _send_until_closed(
        self, socket: WebSocket[Any, Any, Any], connection: _Connection
    ) -> None:
        try:
            while (payload := await connection.next()) is not None:
                async with asyncio.timeout(self._policy.send_timeout):
                    await socket.send_text(payload)
        except TimeoutError:
            connection.end(TOO_SLOW, "too_slow")
        except (WebSocketDisconnect, OSError, RuntimeError):
            connection.end(GONE, "gone")  # the peer went away: nothing to close

    @staticmethod
    async def _listen(socket: WebSocket[Any, Any, Any], connection: _Connection) -> None:
        """Any message from the client proves it is alive; a disconnect ends the socket."""
        try:
            while True:
                message = await socket.receive()
                if message["type"] != "websocket.receive":
                    break
                connection.heard()
        except (WebSocketDisconnect, OSError, RuntimeError):
            pass
        connection.end(GONE, "gone")

    def _add(self, connection: _Connection) -> None:
        actor = connection.actor
        assert actor.organization_id is not None
        self._by_organization.setdefault(actor.organization_id, set()).add(connection)
        self._by_session.setdefault(actor.session_id, set()).add(connection)

    def _remove(self, connection: _Connection) -> None:
        actor = connection.actor
        assert actor.organization_id is not None
        for index, key in (
            (self._by_organization, actor.organization_id),
            (self._by_session, actor.session_id),
        ):
            group = index.get(key)
            if group is not None:
                group.discard(connection)
                if not group:
                    del index[key]


async def _refuse(socket: WebSocket[Any, Any, Any], code: int, reason: str) -> None:
    """Close before accepting: the server answers the handshake with 403."""
    with contextlib.suppress(Exception):
        await socket.receive()  # websocket.connect
        await socket.close(code, reason)


@websocket("/api/ws", opt={"exclude_from_auth": True})
async def realtime_socket(socket: WebSocket[Any, Any, Any]) -> None:
    hub: RealtimeHub = socket.app.state["realtime"]
    await hub.serve(socket)


_DESCRIPTION = __doc__ or ""


@get(
    "/api/ws",
    summary="Realtime push (WebSocket)",
    description=_DESCRIPTION.split("\n", 2)[2],
    tags=["Real time"],
    status_code=426,
    responses={},
)
async def realtime_without_upgrade() -> None:
    """A plain HTTP request on the WebSocket route: 426 with ``Upgrade: websocket``."""
    raise HTTPException(
        status_code=426,
        detail="GET /api/ws is a WebSocket: connect with Upgrade: websocket",
        headers={"upgrade": "websocket", "connection": "Upgrade"},
    )
