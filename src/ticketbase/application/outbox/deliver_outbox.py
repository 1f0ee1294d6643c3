"""Deliver the outbox: claim due messages of every tenant, hand each to its topic's handler,
mark the outcome. ``ticketbase worker`` runs it in a loop; several workers may run at once.

Guarantees, and how they are kept:

- **Nothing is held open while a handler runs.** The claim is one short transaction that
  leases the messages (``available_at = now + lease``, ``attempts + 1``) and commits; the
  handlers run with no transaction and no lock; each outcome is marked in another short
  transaction. Two workers never claim the same message at once (the claim skips rows another
  claim holds, and a leased message is not due).
- **A crash loses nothing.** A worker killed mid-delivery leaves its messages leased, not
  delivered: when the lease runs out they are due again and another worker claims them.
- **At least once, so handlers are idempotent.** A handler that finished but whose mark was
  lost (crash, database gone, lease run out before the mark) runs again for the same message.
  Each handler gets the message id as its idempotency key and must carry out its side effect
  at most once per id (an email provider's idempotency key, a unique constraint, a check of
  what it already did). Exactly once toward the outside world is that: at least once here, plus
  idempotent handlers.
- **Failures retry with backoff, then park.** A handler that raises, times out, or a topic with
  no handler at all fails the attempt: the error (its type and message, credentials in URLs
  masked, truncated) is kept in ``last_error`` and the message is due again after an
  exponential delay with jitter (``first_retry`` doubling per attempt up to ``last_retry``,
  each delay drawn between half and all of that, so failures at once spread out). After
  ``max_attempts`` it is parked: kept undelivered and never claimed again (PostgreSQL:
  ``available_at = 'infinity'``) until an operator makes it due again. Attempts are counted at
  the claim, so a message whose handler kills the worker every time is parked too instead of
  looping forever. A failure is only recorded while the attempt still holds its lease; once
  another worker has claimed the message again, that worker's outcome counts.
- **Bounded time.** Each handler call has ``handler_timeout``; a batch is handled one message
  after another, so the lease must outlast a whole batch (checked by ``DeliveryPolicy``).
"""

from __future__ import annotations

import asyncio
import enum
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from ticketbase.application.ports.outbox import ClaimedMessage, MessageHandler
from ticketbase.application.ports.system import Clock
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.shared.ids import OrganizationId

MAX_ERROR_CHARACTERS = 500
_CREDENTIALS_IN_URL = re.compile(r"(\w+://)[^\s/@:]+:[^\s/@]+@")


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    batch_size: int = 10
    lease: timedelta = timedelta(minutes=2)
    handler_timeout: timedelta = timedelta(seconds=10)
    max_attempts: int = 20
    first_retry: timedelta = timedelta(seconds=5)
    last_retry: timedelta = timedelta(hours=1)

    def __post_init__(self) -> None:
        if self.batch_size < 1 or self.max_attempts < 1:
            raise ValueError("the batch size and the attempts must be at least 1")
        if self.lease <= self.handler_timeout * self.batch_size:
            raise ValueError("the lease must outlast a batch of handlers that all time out")

    def retry_delay(self, attempt: int, jitter: float) -> timedelta:
        """The wait after failed attempt ``attempt`` (1, 2, …); ``jitter`` is in [0, 1)."""
        doubled = self.first_retry * (1 << min(max(attempt - 1, 0), 32))
        return min(doubled, self.last_retry) * (0.5 + jitter / 2)


class MessageHandlers:
    """The handler of each topic. A topic missing here fails its messages with a clear error
    (they wait for a deploy that handles them, then park): never delivered silently."""

    def __init__(self, handlers: Mapping[str, MessageHandler]) -> None:
        self._handlers = dict(handlers)

    def for_topic(self, topic: str) -> MessageHandler | None:
        return self._handlers.get(topic)

    @property
    def topics(self) -> frozenset[str]:
        return frozenset(self._handlers)


class Outcome(enum.StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"  # failed; due again later
    PARKED = "parked"  # failed for the last time
    SUPERSEDED = "superseded"  # the lease ran out and another worker claimed it meanwhile


@dataclass(frozen=True, slots=True)
class Delivery:
    organization_id: OrganizationId
    message_id: UUID
    topic: str
    attempt: int
    outcome: Outcome
    error: str | None = None


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    deliveries: tuple[Delivery, ...]
    batch_size: int

    @property
    def full(self) -> bool:
        """A full batch: more messages are probably due, so claim again without waiting."""
        return len(self.deliveries) >= self.batch_size

    def count(self, outcome: Outcome) -> int:
        return sum(1 for d in self.deliveries if d.outcome is outcome)


def describe_error(error: BaseException) -> str:
    """What is stored as ``last_error``: the type and message, credentials masked, bounded."""
    text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    text = _CREDENTIALS_IN_URL.sub(r"\1***@", " ".join(text.split()))
    return text[:MAX_ERROR_CHARACTERS]


class DeliverOutbox:
    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        handlers: MessageHandlers,
        policy: DeliveryPolicy,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._uow, self._clock, self._handlers = uow, clock, handlers
        self._policy, self._jitter = policy, jitter

    async def __call__(self) -> DeliveryReport:
        """Claim one batch and deliver it; the report says what became of each message."""
        policy = self._policy
        async with self._uow.system() as system:
            claimed = await system.outbox_delivery.claim(
                self._clock.now(), policy.lease, policy.batch_size
            )
            await system.commit()
        deliveries = [await self._deliver(message) for message in claimed]
        return DeliveryReport(tuple(deliveries), policy.batch_size)

    async def _deliver(self, message: ClaimedMessage) -> Delivery:
        if message.attempt > self._policy.max_attempts:
            # Earlier attempts ended with no outcome recorded (the worker died, or lost the
            # lease each time): stop before it can take a worker down again.
            return await self._failed(message, "no outcome recorded for the earlier attempts")
        handler = self._handlers.for_topic(message.topic)
        if handler is None:
            return await self._failed(message, f"no handler for topic {message.topic!r}")
        seconds = self._policy.handler_timeout.total_seconds()
        deadline = asyncio.timeout(seconds)
        try:
            async with deadline:
                await handler(message)
        except Exception as error:  # any handler failure is this attempt's outcome
            if deadline.expired():
                return await self._failed(
                    message, f"the handler did not finish within {seconds:g} s"
                )
            return await self._failed(message, describe_error(error))
        async with self._uow.system() as system:
            await system.outbox_delivery.mark_delivered(message, self._clock.now())
            await system.commit()
        return self._delivery(message, Outcome.DELIVERED)

    async def _failed(self, message: ClaimedMessage, error: str) -> Delivery:
        park = message.attempt >= self._policy.max_attempts
        retry_at = (
            None
            if park
            else self._clock.now() + self._policy.retry_delay(message.attempt, self._jitter())
        )
        async with self._uow.system() as system:
            recorded = await system.outbox_delivery.mark_failed(message, error, retry_at)
            await system.commit()
        if not recorded:
            return self._delivery(message, Outcome.SUPERSEDED, error)
        return self._delivery(message, Outcome.PARKED if park else Outcome.RETRY, error)

    @staticmethod
    def _delivery(message: ClaimedMessage, outcome: Outcome, error: str | None = None) -> Delivery:
        return Delivery(
            message.organization_id, message.id, message.topic, message.attempt, outcome, error
        )
