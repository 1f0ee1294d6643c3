"""The ledger of emails the mail server has accepted, by the outbox message that asked for them.

SMTP has no idempotency key: a message handed over twice is delivered twice. The outbox
delivers at least once, so an email handler records the message id here in its own short
transaction right after the server's 250, and a redelivery of the same message reads it first
and sends nothing. Reached through ``uow.for_tenant(...)`` (a tenant's rows, like the rest)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID


class SentMail(Protocol):
    async def was_sent(self, message_id: UUID) -> bool: ...

    async def record(self, message_id: UUID, at: datetime) -> None:
        """Remember that the email of ``message_id`` was accepted; recording it again keeps
        the first instant and raises nothing."""
        ...
