"""The outbox in PostgreSQL: messages inserted in the business transaction, for the worker.

The worker's claim and marks span tenants, so they call the SECURITY DEFINER functions of
migration 0006 (owned by ``ticketbase_system``) instead of reading the table as the app role.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import (
    Boolean,
    DateTime,
    Integer,
    Interval,
    String,
    Uuid,
    bindparam,
    column,
    func,
    insert,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncConnection

from ticketbase.adapters.postgres.tables import outbox
from ticketbase.application.ports.outbox import ClaimedMessage, OutboxMessage
from ticketbase.domain.shared.ids import OrganizationId

_INSTANT = DateTime(timezone=True)
_CLAIM = select(
    func.tb_outbox_claim(
        bindparam("p_now", type_=_INSTANT),
        bindparam("p_lease", type_=Interval),
        bindparam("p_limit", type_=Integer),
    ).table_valued(
        column("organization_id", Uuid),
        column("id", Uuid),
        column("topic", String),
        column("payload", JSONB),
        column("created_at", _INSTANT),
        column("attempts", Integer),
    )
)
_DELIVERED = select(
    func.tb_outbox_delivered(
        bindparam("p_organization_id", type_=Uuid),
        bindparam("p_id", type_=Uuid),
        bindparam("p_now", type_=_INSTANT),
        type_=Boolean,
    )
)
_FAILED = select(
    func.tb_outbox_failed(
        bindparam("p_organization_id", type_=Uuid),
        bindparam("p_id", type_=Uuid),
        bindparam("p_attempts", type_=Integer),
        bindparam("p_error", type_=String),
        bindparam("p_retry_at", type_=_INSTANT),
        type_=Boolean,
    )
)


# Built once: insert().values() per message cost more CPU than the round trip (py-spy).
_ADD = insert(outbox)


class PostgresOutbox:
    def __init__(self, connection: AsyncConnection, organization_id: OrganizationId) -> None:
        self._c = connection
        self._organization_id = organization_id
        self.added = 0  # messages written in this transaction (the worker is woken on commit)

    async def add(self, message: OutboxMessage) -> None:
        self.added += 1
        await self._c.execute(
            _ADD,
            {
                "organization_id": self._organization_id,
                "id": message.id,
                "topic": message.topic,
                "payload": message.payload,
                "created_at": message.created_at,
                "available_at": message.created_at,
                "attempts": 0,
            },
        )


class PostgresOutboxDelivery:
    """Each method is one statement; the caller commits right after it."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection

    async def claim(self, now: datetime, lease: timedelta, limit: int) -> list[ClaimedMessage]:
        rows = await self._c.execute(_CLAIM, {"p_now": now, "p_lease": lease, "p_limit": limit})
        return [
            ClaimedMessage(
                organization_id=OrganizationId(r["organization_id"]),
                id=r["id"],
                topic=r["topic"],
                payload=r["payload"],
                created_at=r["created_at"],
                attempt=r["attempts"],
            )
            for r in sorted(rows.mappings(), key=lambda r: (r["created_at"], r["id"]))
        ]

    async def mark_delivered(self, message: ClaimedMessage, now: datetime) -> bool:
        arguments = {"p_organization_id": message.organization_id, "p_id": message.id, "p_now": now}
        return bool(await self._c.scalar(_DELIVERED, arguments))

    async def mark_failed(
        self, message: ClaimedMessage, error: str, retry_at: datetime | None
    ) -> bool:
        arguments = {
            "p_organization_id": message.organization_id,
            "p_id": message.id,
            "p_attempts": message.attempt,
            "p_error": error,
            "p_retry_at": retry_at,
        }
        return bool(await self._c.scalar(_FAILED, arguments))
