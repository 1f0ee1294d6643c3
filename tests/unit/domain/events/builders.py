"""Valid events and ticket types for the tests, each part overridable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from ticketbase.domain.events.event import Event
from ticketbase.domain.events.schedule import Schedule
from ticketbase.domain.events.ticket_type import TicketType, TicketTypeSpec
from ticketbase.domain.events.venue import Venue
from ticketbase.domain.shared.ids import EventId, OrganizationId, TicketTypeId
from ticketbase.domain.shared.values import Money

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
STARTS = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)
ENDS = STARTS + timedelta(hours=5)
ORGANIZATION = OrganizationId(UUID(int=1))
EVENT_ID = EventId(UUID(int=10))
OTHER_EVENT_ID = EventId(UUID(int=11))
CURRENCY = "EUR"


def eur(amount: int) -> Money:
    return Money(amount, CURRENCY)


def ticket_type_id(n: int) -> TicketTypeId:
    return TicketTypeId(UUID(int=100 + n))


def a_venue(**overrides: object) -> Venue:
    values: dict[str, object] = {
        "name": "Konzerthaus",
        "address": "Lothringerstraße 20",
        "city": "Wien",
        "country": "AT",
    }
    values.update(overrides)
    return Venue(**values)  # type: ignore[arg-type]


def a_schedule(**overrides: object) -> Schedule:
    values: dict[str, object] = {
        "starts_at": STARTS,
        "ends_at": ENDS,
        "timezone": "Europe/Vienna",
    }
    values.update(overrides)
    return Schedule(**values)  # type: ignore[arg-type]


def an_event(**overrides: object) -> Event:
    values: dict[str, object] = {
        "id": EVENT_ID,
        "organization_id": ORGANIZATION,
        "name": "Spring Gala",
        "description": "An evening of music.",
        "venue": a_venue(),
        "schedule": a_schedule(),
        "now": NOW,
    }
    values.update(overrides)
    return Event.create(**values)  # type: ignore[arg-type]


def a_spec(**overrides: object) -> TicketTypeSpec:
    values: dict[str, object] = {"name": "Standard", "price": eur(2500), "quantity": 100}
    values.update(overrides)
    return TicketTypeSpec(**values)  # type: ignore[arg-type]


def a_ticket_type(n: int = 1, **overrides: object) -> TicketType:
    values: dict[str, object] = {
        "id": ticket_type_id(n),
        "event_id": EVENT_ID,
        "spec": a_spec(),
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(overrides)
    return TicketType(**values)  # type: ignore[arg-type]
