"""DeliverOutbox on the memory adapters: each message to its topic's handler with its id as the
idempotency key, failures retried with capped exponential backoff and jitter, then parked;
unknown topics and timeouts fail clearly; a lost lease lets the newer claim decide."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import UUID

import pytest

from ticketbase.adapters.memory.outbox import PARKED, DeliveryStatus
from ticketbase.adapters.memory.system import FixedClock, SequentialIds
from ticketbase.adapters.memory.unit_of_work import MemoryUnitOfWork
from ticketbase.application.outbox.deliver_outbox import (
    DeliverOutbox,
    DeliveryPolicy,
    MessageHandlers,
    Outcome,
    describe_error,
)
from ticketbase.application.ports.outbox import ClaimedMessage, OutboxMessage
from ticketbase.domain.shared.ids import OrganizationId

pytestmark = pytest.mark.anyio
ACME = OrganizationId(UUID(int=1))
RIVAL = OrganizationId(UUID(int=2))
POLICY = DeliveryPolicy(
    batch_size=10, lease=timedelta(minutes=2), handler_timeout=timedelta(seconds=5)
)


class Recorder:
    """A handler that records the idempotency keys it saw, failing while told to."""

    def __init__(self, failures: list[Exception] | None = None) -> None:
        self.keys: list[UUID] = []
        self.failures = failures or []

    async def __call__(self, message: ClaimedMessage) -> None:
        self.keys.append(message.id)
        if self.failures:
            raise self.failures.pop(0)


class Kit:
    def __init__(self, handlers: dict[str, Recorder], policy: DeliveryPolicy = POLICY) -> None:
        self.uow = MemoryUnitOfWork()
        self.clock = FixedClock()
        self.ids = SequentialIds()
        self.deliver = DeliverOutbox(
            self.uow, self.clock, MessageHandlers(handlers), policy, jitter=lambda: 0.5
        )

    async def add(self, organization_id: OrganizationId, topic: str) -> UUID:
        message = OutboxMessage(self.ids.new(), topic, {"k": "v"}, self.clock.now())
        async with self.uow.for_tenant(organization_id) as tx:
            await tx.outbox.add(message)
            await tx.commit()
        return message.id

    def status(self, organization_id: OrganizationId, message_id: UUID) -> DeliveryStatus:
        return self.uow.database.outbox_table.status[(organization_id, message_id)]


async def test_each_message_goes_to_its_topics_handler_with_its_id_as_the_key() -> None:
    published, cancelled = Recorder(), Recorder()
    kit = Kit({"event.published": published, "event.cancelled": cancelled})
    first = await kit.add(ACME, "event.published")
    second = await kit.add(RIVAL, "event.cancelled")
    third = await kit.add(RIVAL, "event.published")

    report = await kit.deliver()

    assert published.keys == [first, third]
    assert cancelled.keys == [second]
    assert [d.outcome for d in report.deliveries] == [Outcome.DELIVERED] * 3
    assert kit.status(ACME, first).delivered_at == kit.clock.now()
    assert not report.full
    kit.clock.advance(days=1)
    assert (await kit.deliver()).deliveries == ()
    assert published.keys == [first, third]


async def test_a_full_batch_says_more_may_be_waiting() -> None:
    kit = Kit({"t": Recorder()}, DeliveryPolicy(batch_size=2, handler_timeout=timedelta(seconds=1)))
    for _ in range(3):
        await kit.add(ACME, "t")
    assert (await kit.deliver()).full
    assert not (await kit.deliver()).full


async def test_an_unknown_topic_fails_with_a_clear_error_and_is_not_delivered() -> None:
    kit = Kit({"event.published": Recorder()})
    message = await kit.add(ACME, "order.paid")

    [delivery] = (await kit.deliver()).deliveries

    assert delivery.outcome is Outcome.RETRY
    assert delivery.error == "no handler for topic 'order.paid'"
    status = kit.status(ACME, message)
    assert status.delivered_at is None
    assert status.last_error == "no handler for topic 'order.paid'"
    assert status.available_at == kit.clock.now() + timedelta(seconds=3.75)  # 5 s x 0.75


async def test_failures_back_off_exponentially_then_park() -> None:
    policy = DeliveryPolicy(max_attempts=4, handler_timeout=timedelta(seconds=1))
    handler = Recorder([ConnectionError("refused")] * 4)
    kit = Kit({"t": handler}, policy)
    message = await kit.add(ACME, "t")

    waits = []
    for _ in range(3):
        before = kit.clock.now()
        [delivery] = (await kit.deliver()).deliveries
        assert delivery.outcome is Outcome.RETRY
        retry_at = kit.status(ACME, message).available_at
        waits.append(retry_at - before)
        kit.clock.current = retry_at - timedelta(microseconds=1)
        assert (await kit.deliver()).deliveries == ()  # not due yet
        kit.clock.current = retry_at
    [last] = (await kit.deliver()).deliveries

    assert waits == [timedelta(seconds=3.75), timedelta(seconds=7.5), timedelta(seconds=15)]
    assert last.outcome is Outcome.PARKED
    assert handler.keys == [message] * 4
    parked = kit.status(ACME, message)
    assert (parked.attempts, parked.available_at, parked.delivered_at) == (4, PARKED, None)
    assert parked.last_error == "ConnectionError: refused"
    kit.clock.advance(days=3650)
    assert (await kit.deliver()).deliveries == ()


def test_the_backoff_is_capped_and_jittered_between_half_and_all() -> None:
    policy = DeliveryPolicy()
    assert policy.retry_delay(1, 0.0) == timedelta(seconds=2.5)
    assert policy.retry_delay(1, 0.999999) == pytest.approx(
        timedelta(seconds=5), abs=timedelta(milliseconds=1)
    )
    assert policy.retry_delay(10, 0.0) == timedelta(seconds=1280)
    assert policy.retry_delay(11, 0.0) == timedelta(minutes=30)
    assert policy.retry_delay(400, 0.5) == timedelta(minutes=45)


def test_the_lease_must_outlast_a_batch_of_handlers_that_time_out() -> None:
    with pytest.raises(ValueError, match="lease"):
        DeliveryPolicy(batch_size=20, lease=timedelta(minutes=1))
    with pytest.raises(ValueError, match="at least 1"):
        DeliveryPolicy(batch_size=0)


async def test_a_message_that_never_got_an_outcome_is_parked_without_calling_its_handler() -> None:
    """A handler that kills its worker leaves no mark: each claim still counts an attempt."""
    handler = Recorder()
    policy = DeliveryPolicy(max_attempts=2, handler_timeout=timedelta(seconds=1))
    kit = Kit({"t": handler}, policy)
    message = await kit.add(ACME, "t")
    for _ in range(2):  # two workers that died mid-delivery
        async with kit.uow.system() as system:
            await system.outbox_delivery.claim(kit.clock.now(), policy.lease, 10)
            await system.commit()
        kit.clock.advance(seconds=policy.lease.total_seconds())

    [delivery] = (await kit.deliver()).deliveries

    assert delivery.outcome is Outcome.PARKED
    assert handler.keys == []
    assert kit.status(ACME, message).available_at == PARKED


async def test_a_handler_that_does_not_finish_in_time_fails_the_attempt() -> None:
    async def hangs(message: ClaimedMessage) -> None:
        await asyncio.Event().wait()

    policy = DeliveryPolicy(handler_timeout=timedelta(milliseconds=10))
    kit = Kit({}, policy)
    kit.deliver = DeliverOutbox(kit.uow, kit.clock, MessageHandlers({"t": hangs}), policy)
    await kit.add(ACME, "t")

    [delivery] = (await kit.deliver()).deliveries

    assert delivery.outcome is Outcome.RETRY
    assert delivery.error == "the handler did not finish within 0.01 s"


async def test_a_failure_after_the_lease_ran_out_leaves_the_newer_claim_in_charge() -> None:
    kit = Kit({})

    async def slow_then_fails(message: ClaimedMessage) -> None:
        kit.clock.advance(seconds=POLICY.lease.total_seconds())
        async with kit.uow.system() as system:  # another worker takes it over meanwhile
            await system.outbox_delivery.claim(kit.clock.now(), POLICY.lease, 10)
            await system.commit()
        raise RuntimeError("too late")

    kit.deliver = DeliverOutbox(kit.uow, kit.clock, MessageHandlers({"t": slow_then_fails}), POLICY)
    message = await kit.add(ACME, "t")

    [delivery] = (await kit.deliver()).deliveries

    assert delivery.outcome is Outcome.SUPERSEDED
    status = kit.status(ACME, message)
    assert (status.attempts, status.last_error) == (2, None)
    assert status.available_at == kit.clock.now() + POLICY.lease


def test_stored_errors_hold_no_credentials_and_stay_short() -> None:
    error = OSError("cannot reach smtp://mailer:s3cret@mail.example.com:587\n  retrying")
    assert describe_error(error) == (
        "OSError: cannot reach smtp://***@mail.example.com:587 retrying"
    )
    assert describe_error(TimeoutError()) == "TimeoutError"
    assert len(describe_error(ValueError("x" * 10_000))) == 500
