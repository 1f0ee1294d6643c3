"""The sent-mail ledger in PostgreSQL (``mail_sent``, migration 0010): one row per tenant and
outbox message whose email the mail server accepted."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from ticketbase.adapters.postgres.tables import mail_sent
from ticketbase.domain.shared.ids import OrganizationId


class PostgresSentMail:
    def __init__(self, connection: AsyncConnection, organization_id: OrganizationId) -> None:
        self._c, self._org = connection, organization_id

    async def was_sent(self, message_id: UUID) -> bool:
        found = await self._c.scalar(
            select(mail_sent.c.message_id).where(
                mail_sent.c.organization_id == self._org, mail_sent.c.message_id == message_id
            )
        )
        return found is not None

    async def record(self, message_id: UUID, at: datetime) -> None:
        await self._c.execute(
            pg_insert(mail_sent)
            .values(organization_id=self._org, message_id=message_id, sent_at=at)
            .on_conflict_do_nothing(
                index_elements=[mail_sent.c.organization_id, mail_sent.c.message_id]
            )
        )
