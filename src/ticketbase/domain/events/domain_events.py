"""Facts the events area announces; the application writes them to the outbox in the same
transaction as the change, and the worker delivers them (emails, webhooks, plugins)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from ticketbase.domain.shared.ids import EventId, OrganizationId


@dataclass(frozen=True, slots=True)
class EventPublished:
    name: ClassVar[str] = "event_published"

    organization_id: OrganizationId
    event_id: EventId
    at: datetime


@dataclass(frozen=True, slots=True)
class EventCancelled:
    name: ClassVar[str] = "event_cancelled"

    organization_id: OrganizationId
    event_id: EventId
    at: datetime
