"""What the events use cases answer with when an aggregate alone is not enough: ticket types
with their live availability and current price, as staff and as the storefront see them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from ticketbase.application.ports.events import UpcomingKey
from ticketbase.domain.events.availability import availability
from ticketbase.domain.events.event import Event
from ticketbase.domain.events.ticket_type import TicketType
from ticketbase.domain.shared.ids import TicketTypeId
from ticketbase.domain.shared.values import Money


@dataclass(frozen=True, slots=True)
class TicketTypeView:
    """A ticket type as staff see it: the whole ticket type (with ``sold`` and ``held``), what
    is left to sell and the price it sells at now."""

    ticket_type: TicketType
    available: int
    current_price: Money


@dataclass(frozen=True, slots=True)
class EventView:
    event: Event
    ticket_types: tuple[TicketTypeView, ...]


@dataclass(frozen=True, slots=True)
class PublicTicketType:
    """A visible ticket type as the storefront shows it: nothing about sales counts."""

    id: TicketTypeId
    name: str
    description: str
    current_price: Money
    available: int
    min_per_order: int
    max_per_order: int


@dataclass(frozen=True, slots=True)
class PublicEventView:
    """A published event with its visible ticket types."""

    event: Event
    ticket_types: tuple[PublicTicketType, ...]


@dataclass(frozen=True, slots=True)
class PublicEventPage:
    """Upcoming published events, soonest first; ``next_after`` is the key to ask the next page
    with, ``None`` on the last one."""

    items: tuple[PublicEventView, ...]
    next_after: UpcomingKey | None


def ticket_type_views(
    event: Event, ticket_types: Iterable[TicketType], at: datetime
) -> tuple[TicketTypeView, ...]:
    """Views of the event's ticket types (all of them must be given: the event's capacity is
    shared by them), in the order given."""
    own = [t for t in ticket_types if t.event_id == event.id]
    left = availability(event, own)
    return tuple(TicketTypeView(t, left[t.id], t.current_price(at)) for t in own)


def event_view(event: Event, ticket_types: Iterable[TicketType], at: datetime) -> EventView:
    return EventView(event, ticket_type_views(event, ticket_types, at))


def public_event_view(
    event: Event, ticket_types: Iterable[TicketType], at: datetime
) -> PublicEventView:
    """Hidden ticket types are left out after availability is computed over all of them."""
    return PublicEventView(
        event,
        tuple(
            PublicTicketType(
                id=view.ticket_type.id,
                name=view.ticket_type.name,
                description=view.ticket_type.spec.description,
                current_price=view.current_price,
                available=view.available,
                min_per_order=view.ticket_type.spec.min_per_order,
                max_per_order=view.ticket_type.spec.max_per_order,
            )
            for view in ticket_type_views(event, ticket_types, at)
            if not view.ticket_type.hidden
        ),
    )
