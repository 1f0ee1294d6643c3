"""The outbox: side effects written in the business transaction, delivered later by the worker.

A use case that publishes an event, confirms an order or must send an email adds a message
here inside its unit of work; the message commits (or rolls back) with the change that caused
it, so a crash never loses a side effect and a rolled-back request never sends one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from ticketbase.application.ports.audit import JsonValue


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    id: UUID
    topic: str  # what happened, e.g. "event.published"
    payload: dict[str, JsonValue]
    created_at: datetime


class Outbox(Protocol):
    async def add(self, message: OutboxMessage) -> None: ...
