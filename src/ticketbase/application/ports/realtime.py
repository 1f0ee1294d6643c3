"""The realtime bus: what the worker hands over, after the commit, for ``GET /api/ws`` to push.

A message is published once and reaches every API server process (Redis pub/sub when Redis is
configured, PostgreSQL ``LISTEN/NOTIFY`` otherwise); each process then pushes it to its own
sockets of the message's organization whose member may read it. Delivery is at most once per
socket and best effort: a process that is not subscribed at that moment misses it, so a client
reloads what it shows after a reconnect. The message ``id`` (the outbox message's) lets a
client drop a repeat (the outbox delivers at least once).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from ticketbase.application.ports.audit import JsonValue
from ticketbase.domain.shared.ids import OrganizationId


@dataclass(frozen=True, slots=True)
class RealtimeMessage:
    id: UUID
    type: str  # the outbox topic, e.g. "order.paid"
    organization_id: OrganizationId
    data: dict[str, JsonValue]
    at: str  # RFC 3339, when the fact happened


class RealtimeBus(Protocol):
    async def publish(self, message: RealtimeMessage) -> None:
        """Hand ``message`` to every subscribed server process; raises when the broker is
        unreachable (the outbox then retries)."""
        ...
