"""What the realtime brokers share: the wire envelope, its size bound, the outbox wake-up and the
supervisor that keeps a subscription alive.

The bus carries the very text a socket receives, ``{id, type, organizationId, data, at}``, so a
server process decodes only the two routing fields and forwards the rest untouched. PostgreSQL
refuses a NOTIFY payload of 8000 bytes or more: an envelope over ``MAX_ENVELOPE_BYTES`` keeps
only the ids of its ``data`` (``"truncated": true``) — the client reads the rest over HTTP.

Two logical channels: ``realtime`` (the envelopes) and ``outbox`` (an empty wake-up: a request
committed outbox messages, so a waiting worker delivers them now instead of at its next poll).
Wake-ups are coalesced per process, at most one every ``wake_spacing`` seconds, so a rush of
checkouts costs a handful of notifications, not one per order.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection
from contextlib import AbstractAsyncContextManager

import msgspec
import structlog

from ticketbase.application.ports.audit import JsonValue
from ticketbase.application.ports.realtime import RealtimeMessage

log = structlog.get_logger()

REALTIME = "realtime"
OUTBOX = "outbox"
CHANNELS = (REALTIME, OUTBOX)
MAX_ENVELOPE_BYTES = 7000

Deliver = Callable[[str, str], None]  # (logical channel, payload)


class _Envelope(msgspec.Struct, rename="camel"):
    id: str
    type: str
    organization_id: str
    data: dict[str, JsonValue]
    at: str


class Route(msgspec.Struct, rename="camel"):
    """The fields a server process routes on; the rest of the envelope is not decoded."""

    type: str
    organization_id: str


_route_decoder = msgspec.json.Decoder(Route)


def encode_envelope(message: RealtimeMessage) -> str:
    envelope = _Envelope(
        str(message.id), message.type, str(message.organization_id), message.data, message.at
    )
    text = msgspec.json.encode(envelope)
    if len(text) > MAX_ENVELOPE_BYTES:
        ids: dict[str, JsonValue] = {
            k: v for k, v in message.data.items() if k.endswith("Id") and isinstance(v, str)
        }
        envelope.data = {**ids, "truncated": True}
        text = msgspec.json.encode(envelope)
        if len(text) > MAX_ENVELOPE_BYTES:
            envelope.data = {"truncated": True}
            text = msgspec.json.encode(envelope)
    return text.decode()


def route_of(payload: str | bytes) -> Route | None:
    try:
        return _route_decoder.decode(payload)
    except msgspec.DecodeError:
        return None


class RealtimeBroker(ABC):
    """A ``RealtimeBus`` over a publish/subscribe broker; subclasses bring the broker."""

    broker: str

    def __init__(
        self,
        *,
        health_interval: float = 5.0,
        retry_delay: float = 1.0,
        wake_spacing: float = 0.01,
    ) -> None:
        self.health_interval = health_interval
        self._retry_delay = retry_delay
        self._wake_spacing = wake_spacing
        self._wake_wanted = False
        self._waker: asyncio.Task[None] | None = None
        self.subscribed = asyncio.Event()

    async def publish(self, message: RealtimeMessage) -> None:
        await self._send(REALTIME, encode_envelope(message))

    def wake_outbox(self) -> None:
        """Called after a commit that wrote outbox messages; returns at once."""
        self._wake_wanted = True
        if self._waker is None or self._waker.done():
            self._waker = asyncio.get_running_loop().create_task(self._wake())

    async def _wake(self) -> None:
        while self._wake_wanted:
            self._wake_wanted = False
            try:
                await self._send(OUTBOX, "")
            except Exception as error:  # the worker's poll is the backstop
                log.warning("outbox_wake_up_failed", broker=self.broker, error=repr(error))
                return
            await asyncio.sleep(self._wake_spacing)

    async def aclose(self) -> None:
        if self._waker is not None:
            self._waker.cancel()
            await asyncio.gather(self._waker, return_exceptions=True)

    async def run(self, channels: Collection[str], deliver: Deliver) -> None:
        """Stay subscribed to ``channels`` until cancelled, calling ``deliver`` for each
        message; reconnect after any broker failure (what was published meanwhile is lost)."""
        while True:
            try:
                async with self._subscription(channels, deliver):
                    self.subscribed.set()
                    log.info("realtime_subscribed", broker=self.broker, channels=list(channels))
                    await self._watch()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # any broker failure: retry
                log.warning("realtime_subscription_lost", broker=self.broker, error=repr(error))
            finally:
                self.subscribed.clear()
            await asyncio.sleep(self._retry_delay)

    @abstractmethod
    def _subscription(
        self, channels: Collection[str], deliver: Deliver
    ) -> AbstractAsyncContextManager[None]:
        """Connect and subscribe; ``deliver`` is called for every message from then on."""

    @abstractmethod
    async def _watch(self) -> None:
        """Return or raise when the subscription is lost."""

    @abstractmethod
    async def _send(self, channel: str, payload: str) -> None:
        """Publish ``payload`` on the logical ``channel``."""
