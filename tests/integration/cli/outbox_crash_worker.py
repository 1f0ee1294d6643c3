"""A stand-in worker for the crash test: DeliverOutbox with the real PostgreSQL adapter and one
test topic, ``test.slow``, whose handler appends its idempotency key to a file and then, with
``--hang``, never returns (the test kills the process there). Without ``--hang`` it exits once
``--until`` has been delivered. Production has no such topic: tests build their own registry
here instead of configuring one into ``ticketbase worker``."""

from __future__ import annotations

import argparse
import asyncio
from datetime import timedelta
from pathlib import Path
from uuid import UUID

from ticketbase.adapters.postgres.engine import app_role_url, create_engine
from ticketbase.adapters.postgres.unit_of_work import PostgresUnitOfWork
from ticketbase.adapters.system import SystemClock
from ticketbase.application.outbox.deliver_outbox import (
    DeliverOutbox,
    DeliveryPolicy,
    MessageHandlers,
    Outcome,
)
from ticketbase.application.ports.outbox import ClaimedMessage

# One message per batch, so the lease only has to outlast one handler.
POLICY = DeliveryPolicy(
    batch_size=1, lease=timedelta(seconds=3.5), handler_timeout=timedelta(seconds=3)
)


async def main(database_url: str, keys: Path, hang: bool, until: UUID) -> None:
    engine = create_engine(app_role_url(database_url), pool_size=2, max_overflow=0)

    async def slow(message: ClaimedMessage) -> None:
        with keys.open("a") as file:
            file.write(f"{message.id}\n")
        if hang:
            await asyncio.Event().wait()

    deliver = DeliverOutbox(
        PostgresUnitOfWork(engine), SystemClock(), MessageHandlers({"test.slow": slow}), POLICY
    )
    try:
        while True:
            report = await deliver()
            if any(
                d.message_id == until and d.outcome is Outcome.DELIVERED for d in report.deliveries
            ):
                return
            if not report.deliveries:
                await asyncio.sleep(0.05)  # poll interval of this stand-in
    finally:
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--keys", type=Path, required=True)
    parser.add_argument("--until", type=UUID, required=True)
    parser.add_argument("--hang", action="store_true")
    args = parser.parse_args()
    asyncio.run(main(args.database_url, args.keys, args.hang, args.until))
