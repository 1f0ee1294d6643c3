"""The storefront's list: the resolved tenant's published events not yet over, soonest first,
each with its visible ticket types, availability and current prices.

Pages are kept per process like the event page (see
:mod:`~ticketbase.application.events.storefront_cache`), under the tenant's events tag and the
tag of every event listed."""

from __future__ import annotations

from datetime import datetime

from ticketbase.application.events.storefront_cache import SingleFlight, Snapshot
from ticketbase.application.events.views import PublicEventPage, public_event_view
from ticketbase.application.pagination import DEFAULT_LIMIT, MAX_LIMIT
from ticketbase.application.ports.cache import Cache, CacheTicket, event_tag, events_tag
from ticketbase.application.ports.events import UpcomingKey
from ticketbase.application.ports.system import Clock
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.shared.errors import RuleViolated
from ticketbase.domain.shared.ids import OrganizationId

# Keys: (organization, limit, the key the page starts after).
PublicEventListCache = Cache[
    tuple[OrganizationId, int, UpcomingKey | None], Snapshot[PublicEventPage]
]


class ListPublicEvents:
    def __init__(self, uow: UnitOfWork, cache: PublicEventListCache, clock: Clock) -> None:
        self._uow, self._cache, self._clock = uow, cache, clock
        self._flights: SingleFlight[Snapshot[PublicEventPage]] = SingleFlight()

    async def __call__(
        self,
        organization_id: OrganizationId,
        limit: int = DEFAULT_LIMIT,
        after: UpcomingKey | None = None,
    ) -> PublicEventPage:
        if not 1 <= limit <= MAX_LIMIT:
            raise RuleViolated(f"a limit is 1-{MAX_LIMIT}", field="limit")
        now = self._clock.now()
        key = (organization_id, limit, after)
        snapshot = self._cache.get(key)
        if snapshot is None or not snapshot.is_fresh(now):
            ticket = self._cache.ticket()
            snapshot = await self._flights.run(
                key, ticket, lambda: self._read(organization_id, limit, after, now, ticket)
            )
        return snapshot.serve()

    async def _read(
        self,
        organization_id: OrganizationId,
        limit: int,
        after: UpcomingKey | None,
        now: datetime,
        ticket: CacheTicket,
    ) -> Snapshot[PublicEventPage]:
        async with self._uow.for_tenant(organization_id) as tx:
            # One more than asked tells whether a next page exists.
            events = await tx.events.upcoming_published(now, limit + 1, after)
            shown = events[:limit]
            items = tuple(
                [
                    public_event_view(event, await tx.ticket_types.of_event(event.id), now)
                    for event in shown
                ]
            )
        last = shown[-1] if len(events) > limit else None
        page = PublicEventPage(items, None if last is None else (last.starts_at, last.id))
        tags = (events_tag(organization_id), *(event_tag(e.id) for e in shown))
        snapshot = Snapshot(now, page, tags)
        self._cache.put(ticket, (organization_id, limit, after), snapshot, tags)
        return snapshot
