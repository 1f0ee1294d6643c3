"""The background worker process: stays up, checks the database, stops cleanly on SIGTERM.

Its jobs (outbox delivery, expiry of ticket holds) arrive with the issues that add the outbox
and checkout; until then it only proves it can connect and shut down."""

from __future__ import annotations

import asyncio
import signal

import structlog

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
        probe = await container.get(DatabaseHealth)
        await probe.check()
        log.info("worker_started")
        await stop.wait()
    finally:
        await container.close()
        log.info("worker_stopped")
