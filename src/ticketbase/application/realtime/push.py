"""The outbox's handler of the pushed topics: hand the committed announcement to the realtime
bus. It runs in the worker, after the business transaction committed, so a rolled-back change
is never pushed and a crash only delays the push (the outbox retries a failed publish)."""

from __future__ import annotations

from ticketbase.application.ports.outbox import ClaimedMessage
from ticketbase.application.ports.realtime import RealtimeBus, RealtimeMessage

# Carried by the envelope itself, not repeated in ``data``.
_ENVELOPE_KEYS = frozenset({"organizationId", "at"})


class PushToRealtime:
    def __init__(self, bus: RealtimeBus) -> None:
        self._bus = bus

    async def __call__(self, message: ClaimedMessage) -> None:
        at = message.payload.get("at")
        await self._bus.publish(
            RealtimeMessage(
                id=message.id,
                type=message.topic,
                organization_id=message.organization_id,
                data={k: v for k, v in message.payload.items() if k not in _ENVELOPE_KEYS},
                at=at if isinstance(at, str) else message.created_at.isoformat(),
            )
        )
