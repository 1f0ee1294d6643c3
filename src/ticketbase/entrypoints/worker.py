"""The background worker process: periodic jobs, stopped cleanly by SIGTERM.

Today it purges ended sessions and spent one-time links every
``TICKETBASE_WORKER_PURGE_INTERVAL_SECONDS``; outbox delivery and the expiry of ticket holds
join it with the issues that add them. A failing run is logged and retried next time: the
worker itself never dies of it."""

from __future__ import annotations

import asyncio
import contextlib
import signal

import structlog

from ticketbase.application.identity.purge_ended_sessions import PurgeEndedSessions
from ticketbase.application.ports.health import DatabaseHealth
from ticketbase.entrypoints.container import make_container
from ticketbase.entrypoints.settings import Settings

log = structlog.get_logger()


async def run(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    container = make_container(settings.with_development_secrets())
    try:
        await (await container.get(DatabaseHealth)).check()
        log.info("worker_started")
        while not stop.is_set():
            try:
                async with container() as request:
                    purged = await (await request.get(PurgeEndedSessions))()
                log.info(
                    "sessions_purged",
                    sessions=purged.sessions,
                    one_time_tokens=purged.one_time_tokens,
                )
            except Exception:
                log.exception("worker_job_failed", job="purge_ended_sessions")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), settings.worker_purge_interval_seconds)
    finally:
        await container.close()
        log.info("worker_stopped")
