"""Read one of the tenant's events, any status, by id or by slug: staff see drafts too, with
every ticket type's sales counts, availability and current price."""

from __future__ import annotations

from uuid import UUID

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.events.views import EventView, event_view
from ticketbase.application.ports.system import Clock
from ticketbase.application.ports.unit_of_work import TenantTransaction, UnitOfWork
from ticketbase.domain.events.errors import EventNotFound
from ticketbase.domain.events.event import Event
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.shared.errors import RuleViolated
from ticketbase.domain.shared.ids import EventId
from ticketbase.domain.shared.values import Slug


class GetEvent:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, reference: EventId | Slug | str, actor: Actor) -> EventView:
        """``reference``: an id, a slug, or the path's text, which may be either (a UUID's
        text is also a well-formed slug: it is tried as an id first, then as a slug)."""
        organization_id = require(actor, Permission.EVENTS_READ)
        async with self._uow.for_tenant(organization_id) as tx:
            event = await _find(tx, reference)
            if event is None:
                raise EventNotFound("no such event")
            ticket_types = await tx.ticket_types.of_event(event.id)
        return event_view(event, ticket_types, self._clock.now())


async def _find(tx: TenantTransaction, reference: EventId | Slug | str) -> Event | None:
    if isinstance(reference, UUID):
        return await tx.events.get(EventId(reference))
    if isinstance(reference, Slug):
        return await tx.events.by_slug(reference)
    try:
        event_id: EventId | None = EventId(UUID(reference))
    except ValueError:
        event_id = None
    if event_id is not None and (event := await tx.events.get(event_id)) is not None:
        return event
    try:
        slug = Slug(reference)
    except RuleViolated:
        return None
    return await tx.events.by_slug(slug)
