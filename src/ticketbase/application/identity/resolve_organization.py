"""Find the tenant of a public request from its host name or an explicit slug.

Every storefront request makes this lookup, so its answers — found or not — are cached per
process: a found organization under its own tag, an absence under ``ANY_ORGANIZATION`` (a new
organization, slug or verified domain may fill it). Either is dropped in every process by the
write that changes it, before that write answers.
"""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.application.ports.cache import (
    ANY_ORGANIZATION,
    Cache,
    CacheTicket,
    organization_tag,
)
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.organization import Organization, OrganizationStatus
from ticketbase.domain.shared.errors import NotFound, RuleViolated
from ticketbase.domain.shared.values import Slug, parse_domain_name


@dataclass(frozen=True, slots=True)
class Resolved:
    organization: Organization | None


# Keys: ("host", normalised domain name) or ("slug", slug).
TenantCache = Cache[tuple[str, str], Resolved]


class ResolveOrganization:
    """``{slug}.{base_domain}`` or a verified custom domain; suspended tenants stay hidden."""

    def __init__(self, uow: UnitOfWork, base_domain: str, cache: TenantCache) -> None:
        self._uow = uow
        self._suffix = "." + base_domain.lower().strip(".")
        self._cache = cache

    async def by_host(self, host: str) -> Organization:
        cached = self._cache.get(("host", host))
        if cached is not None:
            return _visible(cached.organization)
        try:
            name = parse_domain_name(host.split(":", 1)[0])
        except RuleViolated:
            raise NotFound("no organization serves this domain") from None
        ticket = self._cache.ticket()
        async with self._uow.lookups() as system:
            if name.endswith(self._suffix):
                label = name.removesuffix(self._suffix)
                organization = (
                    await system.organization_by_slug(Slug(label)) if _is_slug(label) else None
                )
            else:
                organization = await system.organization_by_verified_domain(name)
        self._remember(ticket, ("host", host), organization)
        return _visible(organization)

    async def by_slug(self, slug: str) -> Organization:
        cached = self._cache.get(("slug", slug))
        if cached is not None:
            return _visible(cached.organization)
        if not _is_slug(slug):
            raise NotFound("no such organization")
        ticket = self._cache.ticket()
        async with self._uow.lookups() as system:
            organization = await system.organization_by_slug(Slug(slug))
        self._remember(ticket, ("slug", slug), organization)
        return _visible(organization)

    def _remember(
        self, ticket: CacheTicket, key: tuple[str, str], found: Organization | None
    ) -> None:
        tag = ANY_ORGANIZATION if found is None else organization_tag(found.id)
        self._cache.put(ticket, key, Resolved(found), (tag,))


def _is_slug(label: str) -> bool:
    try:
        Slug(label)
    except RuleViolated:
        return False
    return True


def _visible(organization: Organization | None) -> Organization:
    if organization is None or organization.status is not OrganizationStatus.ACTIVE:
        raise NotFound("no organization serves this domain")
    return organization
