"""What is left to sell: per ticket type, bounded by what is left of the event's capacity.

``available = quantity - sold - held``, and when the event has a capacity, at most
``capacity - event sold - event held`` (the event's counts are the sums over its ticket types);
never negative, even when counts already overshoot a limit that was lowered meanwhile. Taking
what ``available`` reports keeps ``sold + held`` within the quantity and the capacity."""

from __future__ import annotations

from collections.abc import Iterable

from ticketbase.domain.events.event import Event
from ticketbase.domain.events.ticket_type import TicketType
from ticketbase.domain.shared.ids import TicketTypeId


def remaining(limit: int, sold: int, held: int) -> int:
    return max(0, limit - sold - held)


def available(
    *,
    quantity: int,
    sold: int,
    held: int,
    capacity: int | None = None,
    event_sold: int = 0,
    event_held: int = 0,
) -> int:
    left = remaining(quantity, sold, held)
    if capacity is None:
        return left
    return min(left, remaining(capacity, event_sold, event_held))


def availability(event: Event, ticket_types: Iterable[TicketType]) -> dict[TicketTypeId, int]:
    """``available`` for each of the event's ticket types (all of them must be given: the
    event-wide counts are summed from them); ticket types of other events are ignored."""
    own = [t for t in ticket_types if t.event_id == event.id]
    event_sold = sum(t.sold for t in own)
    event_held = sum(t.held for t in own)
    return {
        t.id: available(
            quantity=t.quantity,
            sold=t.sold,
            held=t.held,
            capacity=event.capacity,
            event_sold=event_sold,
            event_held=event_held,
        )
        for t in own
    }
