"""The outbox: side effects written in the business transaction, delivered later by the worker.

A use case that publishes an event, confirms an order or must send an email adds a message
here inside its unit of work; the message commits (or rolls back) with the change that caused
it, so a crash never loses a side effect and a rolled-back request never sends one.

The worker's side is ``OutboxDelivery`` (reached through ``uow.system()``: it spans tenants)
and the ``MessageHandler``s that carry each topic's side effect out; see
``application/outbox/deliver_outbox.py`` for the delivery guarantees.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from ticketbase.application.ports.audit import JsonValue
from ticketbase.domain.shared.ids import OrganizationId


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    id: UUID
    topic: str  # what happened, e.g. "event.published"
    payload: dict[str, JsonValue]
    created_at: datetime


class Outbox(Protocol):
    async def add(self, message: OutboxMessage) -> None: ...


@dataclass(frozen=True, slots=True)
class ClaimedMessage:
    """A message leased to one worker for one delivery attempt.

    ``id`` is the message's idempotency key: delivery is at least once, so a handler may see
    the same id again (after a crash, or a lease that ran out) and must do its side effect at
    most once per id. ``attempt`` counts the claims so far, this one included; it also fences
    the marks: a failure is only recorded while no other worker has claimed the message since.
    """

    organization_id: OrganizationId
    id: UUID
    topic: str
    payload: dict[str, JsonValue]
    created_at: datetime
    attempt: int


class OutboxDelivery(Protocol):
    """Every tenant's undelivered messages, for the worker. Each call belongs in its own short
    transaction (commit it right away): nothing may stay locked while a handler runs."""

    async def claim(self, now: datetime, lease: timedelta, limit: int) -> list[ClaimedMessage]:
        """Lease up to ``limit`` due messages (``available_at <= now``, undelivered), oldest
        due first, skipping those another transaction holds: each leased message becomes due
        again at ``now + lease`` unless marked before, and its attempts count one more."""
        ...

    async def mark_delivered(self, message: ClaimedMessage, now: datetime) -> bool:
        """Stamp it delivered (it is never claimed again); False if it already was."""
        ...

    async def mark_failed(
        self, message: ClaimedMessage, error: str, retry_at: datetime | None
    ) -> bool:
        """Record the error and make it due again at ``retry_at``; ``None`` parks it (kept,
        undelivered, never claimed again). False, changing nothing, when it was delivered or
        claimed again meanwhile (the lease had run out)."""
        ...


class MessageHandler(Protocol):
    """Carries out one topic's side effect. Idempotent by ``message.id``; raising fails the
    attempt (retried with backoff); the error's text is stored, so it must hold no secret."""

    async def __call__(self, message: ClaimedMessage) -> None: ...
