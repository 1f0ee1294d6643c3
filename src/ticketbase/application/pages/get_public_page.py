"""The storefront's page: the published version of the resolved tenant's page at a slug.

A draft page, and a slug that names nothing, answer the same ``PageNotFound``. Every visitor
asks, so answers — found or not — are kept per process until a change drops them: a page under
its own tag (a publish, a save or a slug change of that page), an absence under the tenant's
pages tag (a new page or a slug change may fill it). There is no time limit as on the events'
storefront: nothing changes a published page behind the change feed's back. Concurrent misses
of one slug share one database read."""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.application.events.storefront_cache import SingleFlight
from ticketbase.application.ports.cache import Cache, CacheTicket, page_tag, pages_tag
from ticketbase.application.ports.pages import PublishedPage
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.pages.errors import PageNotFound
from ticketbase.domain.shared.errors import RuleViolated
from ticketbase.domain.shared.ids import OrganizationId
from ticketbase.domain.shared.values import Slug


@dataclass(frozen=True, slots=True)
class PublicPageEntry:
    """What a read found at a slug: the published page, or None (nothing published there)."""

    found: PublishedPage | None


# Keys: (organization, slug).
PublicPageCache = Cache[tuple[OrganizationId, str], PublicPageEntry]


class GetPublicPage:
    def __init__(self, uow: UnitOfWork, cache: PublicPageCache) -> None:
        self._uow, self._cache = uow, cache
        self._flights: SingleFlight[PublicPageEntry] = SingleFlight()

    async def __call__(self, organization_id: OrganizationId, slug: str) -> PublishedPage:
        try:
            wanted = Slug(slug)
        except RuleViolated:
            raise PageNotFound("no such page") from None
        key = (organization_id, wanted.value)
        entry = self._cache.get(key)
        if entry is None:
            ticket = self._cache.ticket()
            entry = await self._flights.run(
                key, ticket, lambda: self._read(organization_id, wanted, ticket)
            )
        if entry.found is None:
            raise PageNotFound("no such page")
        return entry.found

    async def _read(
        self, organization_id: OrganizationId, slug: Slug, ticket: CacheTicket
    ) -> PublicPageEntry:
        async with self._uow.for_tenant(organization_id) as tx:
            found = await tx.pages.published(slug)
        entry = PublicPageEntry(found)
        # A page is dropped by its own changes; an absence by any page change of the tenant.
        tags = [pages_tag(organization_id)] if found is None else [page_tag(found.page.id)]
        self._cache.put(ticket, (organization_id, slug.value), entry, tags)
        return entry
