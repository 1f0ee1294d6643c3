"""A job run again and again until told to stop: the worker's jobs, the server's sweep."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import structlog

log = structlog.get_logger()


async def repeat(
    job: str,
    run_once: Callable[[], Awaitable[bool]],
    interval: float,
    stop: asyncio.Event,
    wake: asyncio.Event | None = None,
) -> None:
    """Run ``run_once`` until ``stop``: again at once while it says more work is waiting,
    otherwise after ``interval`` seconds — or as soon as ``wake`` is set (new work announced).
    A failing run is logged and retried next time."""
    while not stop.is_set():
        if wake is not None:
            wake.clear()  # what is announced from now on is seen by this run or the next
        more = False
        try:
            more = await run_once()
        except Exception:
            log.exception("periodic_job_failed", job=job)
        if not more:
            await _pause(stop, wake, interval)


async def _pause(stop: asyncio.Event, wake: asyncio.Event | None, interval: float) -> None:
    waits = [asyncio.ensure_future(stop.wait())]
    if wake is not None:
        waits.append(asyncio.ensure_future(wake.wait()))
    try:
        await asyncio.wait(waits, timeout=interval, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiting in waits:
            waiting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*waits, return_exceptions=True)
