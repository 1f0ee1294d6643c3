"""The storefront's event page: a published event of the resolved tenant, by slug, with its
visible ticket types, what is left of each and the price it sells at now.

Drafts, cancelled and archived events answer like a slug that names nothing. Every storefront
visitor asks, so answers — found or not — are kept per process (see
:mod:`~ticketbase.application.events.storefront_cache`): an event under its own tag and the
tenant's events tag, an absence under the events tag (a publish or a new event may fill it)."""

from __future__ import annotations

from datetime import datetime

from ticketbase.application.events.storefront_cache import SingleFlight, Snapshot
from ticketbase.application.events.views import PublicEventView, public_event_view
from ticketbase.application.ports.cache import Cache, CacheTicket, event_tag, events_tag
from ticketbase.application.ports.system import Clock
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.events.errors import EventNotFound
from ticketbase.domain.events.event import EventStatus
from ticketbase.domain.shared.errors import RuleViolated
from ticketbase.domain.shared.ids import OrganizationId
from ticketbase.domain.shared.values import Slug

# Keys: (organization, slug).
PublicEventCache = Cache[tuple[OrganizationId, str], Snapshot[PublicEventView | None]]


class GetPublicEvent:
    def __init__(self, uow: UnitOfWork, cache: PublicEventCache, clock: Clock) -> None:
        self._uow, self._cache, self._clock = uow, cache, clock
        self._flights: SingleFlight[Snapshot[PublicEventView | None]] = SingleFlight()

    async def __call__(self, organization_id: OrganizationId, slug: str) -> PublicEventView:
        try:
            wanted = Slug(slug)
        except RuleViolated:
            raise EventNotFound("no such event") from None
        now = self._clock.now()
        key = (organization_id, wanted.value)
        snapshot = self._cache.get(key)
        if snapshot is None or not snapshot.is_fresh(now):
            ticket = self._cache.ticket()
            snapshot = await self._flights.run(
                key, ticket, lambda: self._read(organization_id, wanted, now, ticket)
            )
        view = snapshot.serve()
        if view is None:
            raise EventNotFound("no such event")
        return view

    async def _read(
        self, organization_id: OrganizationId, slug: Slug, now: datetime, ticket: CacheTicket
    ) -> Snapshot[PublicEventView | None]:
        view: PublicEventView | None = None
        tags = [events_tag(organization_id)]
        async with self._uow.for_tenant(organization_id) as tx:
            event = await tx.events.by_slug(slug)
            if event is not None:
                tags.append(event_tag(event.id))
                if event.status is EventStatus.PUBLISHED:
                    ticket_types = await tx.ticket_types.of_event(event.id)
                    view = public_event_view(event, ticket_types, now)
        snapshot = Snapshot(now, view, tuple(tags))
        self._cache.put(ticket, (organization_id, slug.value), snapshot, tags)
        return snapshot
