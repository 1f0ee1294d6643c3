"""What the change feeds share: applying a change here first, the message format, waiting for
the broker to echo the message back, and a supervisor that keeps the subscription alive.

A publisher returns once the broker has handed the message back to this process's own
subscription: the broker delivers to every subscriber at the same moment, so by then the message
sits on every other process's subscription too, before the writer's response is sent.

While the subscription is down the hub is out of sync: every process then reads the database on
each request (slower, never wrong); on reconnect it starts from an empty cache.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from abc import ABC, abstractmethod
from collections.abc import Collection
from contextlib import AbstractAsyncContextManager

import msgspec
import structlog

from ticketbase.adapters.local.cache import CacheHub

log = structlog.get_logger()

# PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; tags are at most ~80 bytes.
_TAGS_PER_MESSAGE = 64


class _Message(msgspec.Struct, array_like=True):
    nonce: str
    tags: list[str]


class BroadcastFeed(ABC):
    """A ``ChangeFeed`` over a publish/subscribe broker; subclasses bring the broker."""

    def __init__(
        self,
        hub: CacheHub,
        *,
        echo_timeout: float = 2.0,
        health_interval: float = 5.0,
        retry_delay: float = 1.0,
    ) -> None:
        self._hub = hub
        self._echo_timeout = echo_timeout
        self.health_interval = health_interval
        self._retry_delay = retry_delay
        self._waiting: dict[str, asyncio.Future[None]] = {}
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
        echo: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting[nonce] = echo
        try:
            await self._send(msgspec.json.encode(_Message(nonce, tags)).decode())
            if self._hub.in_sync:
                await asyncio.wait_for(echo, self._echo_timeout)
        except Exception as error:
            # The other processes are then out of sync too (their subscription shares the
            # broker) or catch up through the session sweep and the entries' maximum age.
            log.error("change_feed_publish_failed", error=repr(error), tags=len(tags))
        finally:
            self._waiting.pop(nonce, None)

    def received(self, payload: str | bytes) -> None:
        try:
            message = msgspec.json.decode(payload, type=_Message)
        except msgspec.DecodeError:
            log.warning("change_feed_garbage", size=len(payload))
            return
        self._hub.invalidate(message.tags)
        echo = self._waiting.get(message.nonce)
        if echo is not None and not echo.done():
            echo.set_result(None)

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
            except Exception as error:
                log.warning("change_feed_lost", broker=self.broker, error=repr(error))
            finally:
                self._hub.desync()
                self._synced.clear()
            await asyncio.sleep(self._retry_delay)

    broker: str

    @abstractmethod
    def _subscription(self) -> AbstractAsyncContextManager[None]:
        """Connect and subscribe; ``received`` is called for every message from then on."""

    @abstractmethod
    async def _watch(self) -> None:
        """Return or raise when the subscription is lost."""

    @abstractmethod
    async def _send(self, payload: str) -> None: ...
