"""How full the hall is (``GET /api/events/{id}/check-ins``, ``orders:read``): per ticket type
of the event, the tickets that admit (of paid or partially refunded orders) and how many of
them are in; totals over all. Counted by the database, not by loading attendees.

``orders:read`` rather than ``attendees:checkin``: the counts are a read of sales, and every
role that scans (owner to support) holds ``orders:read`` too, while an analyst, who does not
scan, may still watch the door fill."""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.events.loading import load_event
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.shared.ids import EventId, TicketTypeId


@dataclass(frozen=True, slots=True)
class TicketTypeCount:
    ticket_type_id: TicketTypeId
    name: str
    issued: int
    checked_in: int


@dataclass(frozen=True, slots=True)
class CheckInSummary:
    event_id: EventId
    issued: int
    checked_in: int
    ticket_types: list[TicketTypeCount]
    """Every ticket type of the event, those with no tickets yet at zero."""


class GetCheckInCounts:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, event_id: EventId, actor: Actor) -> CheckInSummary:
        async with self._uow.for_tenant(require(actor, Permission.ORDERS_READ)) as tx:
            event = await load_event(tx, event_id)
            ticket_types = await tx.ticket_types.of_event(event.id)
            counts = {c.ticket_type_id: c for c in await tx.attendees.check_in_counts(event.id)}
        rows = []
        for ticket_type in ticket_types:
            count = counts.pop(ticket_type.id, None)
            rows.append(
                TicketTypeCount(
                    ticket_type.id,
                    ticket_type.spec.name,
                    count.issued if count else 0,
                    count.checked_in if count else 0,
                )
            )
        # A type with tickets cannot be deleted; should one be missing anyway, its tickets
        # still count, under no name, so the rows always add up to the totals.
        rows += [
            TicketTypeCount(c.ticket_type_id, "", c.issued, c.checked_in) for c in counts.values()
        ]
        return CheckInSummary(
            event_id=event.id,
            issued=sum(r.issued for r in rows),
            checked_in=sum(r.checked_in for r in rows),
            ticket_types=rows,
        )
