"""The outbox message of the door: ``attendee.checked_in``, written in the check-in's own
transaction (so real time and webhooks hear of a check-in that committed, and only once: a
repeated scan changes nothing and announces nothing)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ticketbase.application.ports.outbox import OutboxMessage
from ticketbase.domain.orders.attendee import Attendee
from ticketbase.domain.shared.ids import OrganizationId

CHECKED_IN = "attendee.checked_in"


def attendee_checked_in(
    organization_id: OrganizationId, attendee: Attendee, at: datetime, message_id: UUID
) -> OutboxMessage:
    """No name or email: the message tells who was admitted by id only."""
    return OutboxMessage(
        id=message_id,
        topic=CHECKED_IN,
        payload={
            "organizationId": str(organization_id),
            "eventId": str(attendee.event_id),
            "attendeeId": str(attendee.id),
            "orderId": str(attendee.order_id),
            "ticketTypeId": str(attendee.ticket_type_id),
            "at": at.isoformat(),
        },
        created_at=at,
    )
