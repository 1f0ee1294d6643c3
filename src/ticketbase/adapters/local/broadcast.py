"""What the change feeds share: applying a change here first, the message format, waiting until
every subscribed process has applied it, and a supervisor that keeps the subscription alive.

A writer's ``publish`` returns once every process subscribed when the message went out has
**acknowledged** it — applied it to its caches, then answered on the same channel — or after
``ack_timeout`` (a process that stalls that long is logged). So when the writer's response
leaves (a 204 for a logout, say), no process still serves the old answer from its cache: the
next request, wherever it lands, sees the change. Each change costs one message plus one
acknowledgement per process; changes (logouts, role and organization edits) are rare next to
the reads they keep exact.

While its subscription is down a process is out of sync: it caches nothing and reads the
database on each request (slower, never wrong), and on reconnect it starts from empty.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from abc import ABC, abstractmethod
from collections.abc import Collection
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

import msgspec
import structlog

from ticketbase.adapters.local.cache import CacheHub

log = structlog.get_logger()

# PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; tags are at most ~80 bytes.
_TAGS_PER_MESSAGE = 64


class _Message(msgspec.Struct, array_like=True):
    origin: str  # the process that sent it
    nonce: str  # the change it is, or acknowledges
    tags: list[str] | None  # None: an acknowledgement


@dataclass
class _Pending:
    done: asyncio.Future[None]
    acked_by: set[str] = field(default_factory=set)
    expected: int | None = None

    def check(self) -> None:
        heard_all = self.expected is not None and len(self.acked_by) >= self.expected
        if heard_all and not self.done.done():
            self.done.set_result(None)


class BroadcastFeed(ABC):
    """A ``ChangeFeed`` over a publish/subscribe broker; subclasses bring the broker."""

    broker: str

    def __init__(
        self,
        hub: CacheHub,
        *,
        ack_timeout: float = 2.0,
        health_interval: float = 5.0,
        retry_delay: float = 1.0,
    ) -> None:
        self._hub = hub
        self._ack_timeout = ack_timeout
        self.health_interval = health_interval
        self._retry_delay = retry_delay
        self._origin = uuid.uuid4().hex
        self._pending: dict[str, _Pending] = {}
        self._acks: set[asyncio.Task[None]] = set()
        self._synced = asyncio.Event()

    async def publish(self, tags: Collection[str]) -> None:
        if not tags:
            return
        self._hub.invalidate(tags)
        ordered = sorted(tags)
        for start in range(0, len(ordered), _TAGS_PER_MESSAGE):
            await self._publish_one(ordered[start : start + _TAGS_PER_MESSAGE])

    def forget(self, tags: Collection[str]) -> None:
        self._hub.invalidate(tags)

    async def _publish_one(self, tags: list[str]) -> None:
        nonce = uuid.uuid4().hex
        pending = self._pending[nonce] = _Pending(asyncio.get_running_loop().create_future())
        try:
            pending.expected = await self._send(self._encode(nonce, tags))
            if not self._hub.in_sync:
                return  # not subscribed (a CLI command, or the feed is down): no acks to hear
            pending.check()
            await asyncio.wait_for(asyncio.shield(pending.done), self._ack_timeout)
        except TimeoutError:
            log.warning(
                "change_feed_ack_timeout",
                expected=pending.expected,
                acknowledged=len(pending.acked_by),
            )
        except Exception as error:  # the write has committed: report, go on
            # The other processes are then out of sync too (their subscription shares the
            # broker) or catch up through the session sweep and the entries' maximum age.
            log.error("change_feed_publish_failed", error=repr(error), tags=len(tags))
        finally:
            del self._pending[nonce]

    def received(self, payload: str | bytes) -> None:
        try:
            message = msgspec.json.decode(payload, type=_Message)
        except msgspec.DecodeError:
            log.warning("change_feed_garbage", size=len(payload))
            return
        if message.tags is None:
            pending = self._pending.get(message.nonce)
            if pending is not None:
                pending.acked_by.add(message.origin)
                pending.check()
            return
        self._hub.invalidate(message.tags)
        if message.origin == self._origin:
            pending = self._pending.get(message.nonce)
            if pending is not None:
                pending.acked_by.add(self._origin)
                pending.check()
            return
        task = asyncio.create_task(self._acknowledge(message.nonce))
        self._acks.add(task)
        task.add_done_callback(self._acks.discard)

    async def _acknowledge(self, nonce: str) -> None:
        try:
            await self._send(self._encode(nonce, None))
        except Exception as error:  # the writer times out waiting; nothing else to do
            log.warning("change_feed_ack_failed", error=repr(error))

    def _encode(self, nonce: str, tags: list[str] | None) -> str:
        return msgspec.json.encode(_Message(self._origin, nonce, tags)).decode()

    async def wait_synced(self, within: float) -> bool:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._synced.wait(), within)
        return self._synced.is_set()

    async def run(self) -> None:
        """Keep subscribed until cancelled; resync on every (re)connection."""
        while True:
            try:
                async with self._subscription():
                    self._hub.resync()
                    self._synced.set()
                    log.info("change_feed_subscribed", broker=self.broker)
                    await self._watch()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # any broker failure: retry
                log.warning("change_feed_lost", broker=self.broker, error=repr(error))
            finally:
                self._hub.desync()
                self._synced.clear()
            await asyncio.sleep(self._retry_delay)

    @abstractmethod
    def _subscription(self) -> AbstractAsyncContextManager[None]:
        """Connect and subscribe; ``received`` is called for every message from then on."""

    @abstractmethod
    async def _watch(self) -> None:
        """Return or raise when the subscription is lost."""

    @abstractmethod
    async def _send(self, payload: str) -> int:
        """Publish; return how many subscriptions (processes, this one included) receive it."""
