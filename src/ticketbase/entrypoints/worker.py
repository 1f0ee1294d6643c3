"""The background worker process: periodic jobs, stopped cleanly by SIGTERM.

Three loops run side by side: outbox delivery every ``TICKETBASE_WORKER_OUTBOX_INTERVAL_SECONDS``
(at once again after a full batch, so a backlog drains without waiting, and at once when a
server process announces a commit that wrote outbox messages on the realtime bus's ``outbox``
channel — so ``GET /api/ws`` hears of an order within milliseconds, not a poll), the expiry of
lapsed ticket holds every ``TICKETBASE_WORKER_HOLD_EXPIRY_INTERVAL_SECONDS`` (batches of
``TICKETBASE_WORKER_HOLD_EXPIRY_BATCH_SIZE``, at once again after a full one), and the purge of
ended sessions and spent one-time links every ``TICKETBASE_WORKER_PURGE_INTERVAL_SECONDS``.
SIGTERM is honoured between runs: a batch being delivered finishes (each handler has its
timeout) and is marked before the process exits. A failing run is logged and retried next
time: the worker itself never dies of it. A stopped worker never blocks sales: a checkout that
finds the stock short expires the event's lapsed holds itself."""

from __future__ import annotations

import asyncio
import signal

import structlog
from dishka import AsyncContainer

from ticketbase.application.identity.purge_ended_sessions import PurgeEndedSessions
from ticketbase.application.orders.expire_holds import ExpireHolds
from ticketbase.application.outbox.deliver_outbox import DeliverOutbox, Outcome
from ticketbase.application.ports.health import DatabaseHealth
from ticketbase.entrypoints.container import OUTBOX, RealtimeBroker, make_container
from ticketbase.entrypoints.periodic import repeat
from ticketbase.entrypoints.settings import Settings

log = structlog.get_logger()


async def run(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    container = make_container(settings.with_development_secrets())
    wake = asyncio.Event()
    woken: asyncio.Task[None] | None = None
    try:
        await (await container.get(DatabaseHealth)).check()
        broker = await container.get(RealtimeBroker)
        woken = asyncio.create_task(
            broker.run([OUTBOX], lambda channel, _: wake.set() if channel == OUTBOX else None)
        )
        log.info("worker_started")
        await asyncio.gather(
            repeat(
                "deliver_outbox",
                lambda: _deliver_outbox(container),
                settings.worker_outbox_interval_seconds,
                stop,
                wake,
            ),
            repeat(
                "expire_holds",
                lambda: _expire_holds(container),
                settings.worker_hold_expiry_interval_seconds,
                stop,
            ),
            repeat(
                "purge_ended_sessions",
                lambda: _purge_ended_sessions(container),
                settings.worker_purge_interval_seconds,
                stop,
            ),
        )
    finally:
        if woken is not None:
            woken.cancel()
            await asyncio.gather(woken, return_exceptions=True)
        await container.close()
        log.info("worker_stopped")


async def _deliver_outbox(container: AsyncContainer) -> bool:
    async with container() as request:
        report = await (await request.get(DeliverOutbox))()
    for delivery in report.deliveries:
        if delivery.outcome is Outcome.DELIVERED:
            continue
        (log.error if delivery.outcome is Outcome.PARKED else log.warning)(
            "outbox_delivery_failed",
            outcome=delivery.outcome.value,
            topic=delivery.topic,
            message_id=str(delivery.message_id),
            organization_id=str(delivery.organization_id),
            attempt=delivery.attempt,
            error=delivery.error,
        )
    if report.deliveries:
        log.info(
            "outbox_batch_delivered",
            **{outcome.value: report.count(outcome) for outcome in Outcome},
        )
    return report.full


async def _expire_holds(container: AsyncContainer) -> bool:
    async with container() as request:
        report = await (await request.get(ExpireHolds))()
    for hold, error in report.failed:
        log.error(
            "hold_expiry_failed",
            order_id=str(hold.order_id),
            organization_id=str(hold.organization_id),
            error=error,
        )
    if report.expired:
        log.info("holds_expired", orders=len(report.expired), found=report.found)
    return report.full


async def _purge_ended_sessions(container: AsyncContainer) -> bool:
    async with container() as request:
        purged = await (await request.get(PurgeEndedSessions))()
    log.info("sessions_purged", sessions=purged.sessions, one_time_tokens=purged.one_time_tokens)
    return False
