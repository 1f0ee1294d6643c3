"""The worker's side of the outbox in memory, behaving as PostgreSQL does under READ COMMITTED.

The messages are the committed ``MemoryState.outbox``; their delivery status lives in a
``MemoryOutboxTable`` on the database, outside the state a transaction snapshots, so that a
claim is seen by the next claimer as soon as it commits (not when a snapshot happens to be
written back). A claim locks what it took until its transaction ends and other claimers skip
those (``FOR UPDATE SKIP LOCKED``); its changes reach the table only on commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from uuid import UUID

from ticketbase.application.ports.outbox import ClaimedMessage, OutboxMessage
from ticketbase.domain.shared.ids import OrganizationId

# PostgreSQL parks a message at 'infinity'; the latest instant Python has stands for it here.
PARKED = datetime.max.replace(tzinfo=UTC)
MAX_ERROR = 2000  # characters of ``last_error`` kept, as the SQL function keeps

Key = tuple[OrganizationId, UUID]


@dataclass(frozen=True, slots=True)
class DeliveryStatus:
    attempts: int
    available_at: datetime
    delivered_at: datetime | None = None
    last_error: str | None = None


class MemoryOutboxTable:
    """Committed delivery status per message (absent: never claimed) and the row locks."""

    def __init__(self) -> None:
        self.status: dict[Key, DeliveryStatus] = {}
        self.locked: set[Key] = set()


class MemoryOutboxDelivery:
    def __init__(
        self,
        committed: Callable[[], Iterable[tuple[OrganizationId, OutboxMessage]]],
        table: MemoryOutboxTable,
    ) -> None:
        self._committed, self._table = committed, table
        self._pending: dict[Key, DeliveryStatus] = {}
        self._mine: set[Key] = set()

    def status(self, key: Key, message: OutboxMessage) -> DeliveryStatus:
        """The status this transaction sees: its own changes, else the committed ones."""
        found = self._pending.get(key) or self._table.status.get(key)
        return found or DeliveryStatus(attempts=0, available_at=message.created_at)

    async def claim(self, now: datetime, lease: timedelta, limit: int) -> list[ClaimedMessage]:
        due = []
        for organization_id, message in self._committed():
            key = (organization_id, message.id)
            if key in self._table.locked and key not in self._mine:
                continue
            status = self.status(key, message)
            if status.delivered_at is None and status.available_at <= now:
                due.append((status, key, message))
        due.sort(key=lambda d: d[0].available_at)
        claimed = []
        for status, key, message in due[: max(1, min(limit, 500))]:
            leased = replace(status, attempts=status.attempts + 1, available_at=now + lease)
            self._pending[key] = leased
            self._mine.add(key)
            self._table.locked.add(key)
            claimed.append(
                ClaimedMessage(
                    organization_id=key[0],
                    id=message.id,
                    topic=message.topic,
                    payload=message.payload,
                    created_at=message.created_at,
                    attempt=leased.attempts,
                )
            )
        return sorted(claimed, key=lambda c: (c.created_at, c.id))

    async def mark_delivered(self, message: ClaimedMessage, now: datetime) -> bool:
        return self._update(message, lambda s: replace(s, delivered_at=now), fenced=False)

    async def mark_failed(
        self, message: ClaimedMessage, error: str, retry_at: datetime | None
    ) -> bool:
        return self._update(
            message,
            lambda s: replace(s, last_error=error[:MAX_ERROR], available_at=retry_at or PARKED),
            fenced=True,
        )

    def _update(
        self,
        claimed: ClaimedMessage,
        change: Callable[[DeliveryStatus], DeliveryStatus],
        *,
        fenced: bool,
    ) -> bool:
        key = (claimed.organization_id, claimed.id)
        message = next((m for o, m in self._committed() if (o, m.id) == key), None)
        if message is None:
            return False
        status = self.status(key, message)
        if status.delivered_at is not None or (fenced and status.attempts != claimed.attempt):
            return False
        self._pending[key] = change(status)
        self._mine.add(key)
        self._table.locked.add(key)
        return True

    def commit(self) -> None:
        self._table.status.update(self._pending)
        self._pending.clear()

    def release(self) -> None:
        """The transaction ended: its row locks go (uncommitted changes were never applied)."""
        self._table.locked -= self._mine
        self._mine.clear()
        self._pending.clear()
