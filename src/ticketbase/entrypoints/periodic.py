"""A job run again and again until told to stop: the worker's jobs, the server's sweep."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import structlog

log = structlog.get_logger()


async def repeat(
    job: str, run_once: Callable[[], Awaitable[bool]], interval: float, stop: asyncio.Event
) -> None:
    """Run ``run_once`` until ``stop``: again at once while it says more work is waiting,
    otherwise after ``interval`` seconds. A failing run is logged and retried next time."""
    while not stop.is_set():
        more = False
        try:
            more = await run_once()
        except Exception:
            log.exception("periodic_job_failed", job=job)
        if not more:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)
