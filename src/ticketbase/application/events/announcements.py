"""The outbox messages of the events area: what the worker delivers after a publish or a
cancellation (emails to buyers, webhooks, plugins), written in the changing transaction."""

from __future__ import annotations

from uuid import UUID

from ticketbase.application.ports.outbox import OutboxMessage
from ticketbase.domain.events.domain_events import EventCancelled, EventPublished

TOPICS: dict[type[EventPublished | EventCancelled], str] = {
    EventPublished: "event.published",
    EventCancelled: "event.cancelled",
}


def announcement(fact: EventPublished | EventCancelled, message_id: UUID) -> OutboxMessage:
    """``{organizationId, eventId, at}``: ids as strings, the instant in RFC 3339 UTC."""
    return OutboxMessage(
        id=message_id,
        topic=TOPICS[type(fact)],
        payload={
            "organizationId": str(fact.organization_id),
            "eventId": str(fact.event_id),
            "at": fact.at.isoformat(),
        },
        created_at=fact.at,
    )
