"""The outbox in PostgreSQL: messages inserted in the business transaction, for the worker."""

from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from ticketbase.adapters.postgres.tables import outbox
from ticketbase.application.ports.outbox import OutboxMessage
from ticketbase.domain.shared.ids import OrganizationId


class PostgresOutbox:
    def __init__(self, connection: AsyncConnection, organization_id: OrganizationId) -> None:
        self._c = connection
        self._organization_id = organization_id

    async def add(self, message: OutboxMessage) -> None:
        await self._c.execute(
            insert(outbox).values(
                organization_id=self._organization_id,
                id=message.id,
                topic=message.topic,
                payload=message.payload,
                created_at=message.created_at,
                available_at=message.created_at,
                attempts=0,
            )
        )
