"""The events use cases wired on the in-memory adapters, as the container builds them.

``EventsKit`` holds every use case over one memory database, one fixed clock and per-process
caches kept by a memory change feed, plus helpers that make events and ticket types through the
use cases and read what was committed (audit rows, outbox messages)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from ticketbase.adapters.local.cache import TaggedCache
from ticketbase.adapters.memory.change_feed import MemoryChangeFeed
from ticketbase.adapters.memory.system import FixedClock, SequentialIds
from ticketbase.adapters.memory.unit_of_work import MemoryUnitOfWork
from ticketbase.application.context import Actor
from ticketbase.application.events.archive_event import ArchiveEvent
from ticketbase.application.events.cancel_event import CancelEvent
from ticketbase.application.events.create_event import CreateEvent, CreateEventCommand
from ticketbase.application.events.create_promo_code import CreatePromoCode
from ticketbase.application.events.create_ticket_type import (
    CreateTicketType,
    CreateTicketTypeCommand,
)
from ticketbase.application.events.delete_promo_code import DeletePromoCode
from ticketbase.application.events.delete_ticket_type import DeleteTicketType
from ticketbase.application.events.get_event import GetEvent
from ticketbase.application.events.get_public_event import GetPublicEvent
from ticketbase.application.events.list_events import ListEvents
from ticketbase.application.events.list_promo_codes import ListPromoCodes
from ticketbase.application.events.list_public_events import ListPublicEvents
from ticketbase.application.events.list_ticket_types import ListTicketTypes
from ticketbase.application.events.publish_event import PublishEvent, PublishEventCommand
from ticketbase.application.events.update_event import UpdateEvent
from ticketbase.application.events.update_promo_code import UpdatePromoCode
from ticketbase.application.events.update_ticket_type import UpdateTicketType
from ticketbase.application.events.views import TicketTypeView
from ticketbase.application.ports.audit import AuditEntry
from ticketbase.application.ports.outbox import OutboxMessage
from ticketbase.domain.events.event import Event
from ticketbase.domain.events.ticket_type import TicketType, TicketTypeSpec
from ticketbase.domain.events.venue import Venue
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.identity.permissions import Role
from ticketbase.domain.shared.ids import EventId, OrganizationId, TicketTypeId
from ticketbase.domain.shared.values import Money
from ticketbase.domain.subscriptions.plan import PlanCatalog

MakeMember = Callable[..., Actor]
MakeOrganization = Callable[..., Awaitable[Organization]]

# The fixed clock starts at 2026-05-01 12:00 UTC: these events lie a month ahead.
STARTS = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)
ENDS = datetime(2026, 6, 1, 23, 0, tzinfo=UTC)
VENUE = Venue(name="Arena", address="Hauptstraße 1", city="Berlin", country="DE")

WRITERS = (Role.OWNER, Role.ADMIN, Role.MANAGER)
READERS_ONLY = (Role.SUPPORT, Role.ANALYST)


def event_command(name: str = "Summer Festival", **overrides: Any) -> CreateEventCommand:
    fields: dict[str, Any] = {
        "name": name,
        "description": "Three stages, one night.",
        "venue": VENUE,
        "starts_at": STARTS,
        "ends_at": ENDS,
        "timezone": "Europe/Berlin",
    }
    return CreateEventCommand(**(fields | overrides))


def spec(name: str = "General", **overrides: Any) -> TicketTypeSpec:
    fields: dict[str, Any] = {"name": name, "price": Money(2500, "EUR"), "quantity": 100}
    return TicketTypeSpec(**(fields | overrides))


@dataclass
class EventsKit:
    uow: MemoryUnitOfWork
    clock: FixedClock
    ids: SequentialIds
    feed: MemoryChangeFeed
    create_event: CreateEvent
    update_event: UpdateEvent
    publish_event: PublishEvent
    cancel_event: CancelEvent
    archive_event: ArchiveEvent
    list_events: ListEvents
    get_event: GetEvent
    list_ticket_types: ListTicketTypes
    create_ticket_type: CreateTicketType
    update_ticket_type: UpdateTicketType
    delete_ticket_type: DeleteTicketType
    list_promo_codes: ListPromoCodes
    create_promo_code: CreatePromoCode
    update_promo_code: UpdatePromoCode
    delete_promo_code: DeletePromoCode
    list_public_events: ListPublicEvents
    get_public_event: GetPublicEvent

    async def event(self, actor: Actor, name: str = "Summer Festival", **overrides: Any) -> Event:
        return await self.create_event(event_command(name, **overrides), actor)

    async def ticket_type(
        self, actor: Actor, event_id: EventId, name: str = "General", **overrides: Any
    ) -> TicketTypeView:
        return await self.create_ticket_type(
            CreateTicketTypeCommand(event_id, spec(name, **overrides)), actor
        )

    async def published(
        self, actor: Actor, name: str = "Summer Festival", **overrides: Any
    ) -> Event:
        """A published event with one visible ticket type, ``General``."""
        event = await self.event(actor, name, **overrides)
        await self.ticket_type(actor, event.id)
        return await self.publish_event(PublishEventCommand(event.id), actor)

    # --- reading the memory database ---------------------------------------------------------

    def stored_event(self, organization_id: OrganizationId, event_id: EventId) -> Event:
        return self.uow.database.state.events[organization_id][event_id]

    def stored_ticket_type(
        self, organization_id: OrganizationId, ticket_type_id: TicketTypeId
    ) -> TicketType:
        return self.uow.database.state.ticket_types[organization_id][ticket_type_id]

    def sell(
        self,
        organization_id: OrganizationId,
        ticket_type_id: TicketTypeId,
        sold: int,
        held: int = 0,
    ) -> None:
        """What the orders area's conditional updates do: change the counts, telling no feed."""
        stored = self.stored_ticket_type(organization_id, ticket_type_id)
        stored.sold, stored.held = sold, held

    def audit(self, organization_id: OrganizationId, prefix: str = "") -> list[AuditEntry]:
        """The committed audit rows of the events area whose action starts with ``prefix``."""
        return [
            e
            for org, e in self.uow.database.state.audit
            if org == organization_id
            and e.target_type in {"event", "ticket_type", "promo_code"}
            and e.action.startswith(prefix)
        ]

    def actions(self, organization_id: OrganizationId, prefix: str = "") -> list[str]:
        return [e.action for e in self.audit(organization_id, prefix)]

    def outbox(self, organization_id: OrganizationId) -> list[OutboxMessage]:
        return [m for org, m in self.uow.database.state.outbox if org == organization_id]


@pytest.fixture
def kit(uow: MemoryUnitOfWork, clock: FixedClock, ids: SequentialIds) -> EventsKit:
    feed = MemoryChangeFeed()
    uow.database.feed = feed
    return EventsKit(
        uow=uow,
        clock=clock,
        ids=ids,
        feed=feed,
        create_event=CreateEvent(uow, clock, ids),
        update_event=UpdateEvent(uow, clock, ids),
        publish_event=PublishEvent(uow, clock, ids, PlanCatalog.unlimited()),
        cancel_event=CancelEvent(uow, clock, ids),
        archive_event=ArchiveEvent(uow, clock, ids),
        list_events=ListEvents(uow),
        get_event=GetEvent(uow, clock),
        list_ticket_types=ListTicketTypes(uow, clock),
        create_ticket_type=CreateTicketType(uow, clock, ids),
        update_ticket_type=UpdateTicketType(uow, clock, ids),
        delete_ticket_type=DeleteTicketType(uow, clock, ids),
        list_promo_codes=ListPromoCodes(uow),
        create_promo_code=CreatePromoCode(uow, clock, ids),
        update_promo_code=UpdatePromoCode(uow, clock, ids),
        delete_promo_code=DeletePromoCode(uow, clock, ids),
        list_public_events=ListPublicEvents(uow, TaggedCache(feed.hub), clock),
        get_public_event=GetPublicEvent(uow, TaggedCache(feed.hub), clock),
    )


@pytest.fixture
async def acme(make_organization: MakeOrganization) -> Organization:
    return await make_organization("acme", "Acme")


@pytest.fixture
async def globex(make_organization: MakeOrganization) -> Organization:
    return await make_organization("globex", "Globex")


@pytest.fixture
def owner(acme: Organization, make_member: MakeMember) -> Actor:
    return make_member(acme.id, Role.OWNER)


@pytest.fixture
def rival(globex: Organization, make_member: MakeMember) -> Actor:
    """The owner of another tenant."""
    return make_member(globex.id, Role.OWNER)
