"""Find the tenant of a public request from its host name or an explicit slug."""

from __future__ import annotations

from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.organization import Organization, OrganizationStatus
from ticketbase.domain.shared.errors import NotFound, RuleViolated
from ticketbase.domain.shared.values import Slug, parse_domain_name


class ResolveOrganization:
    """``{slug}.{base_domain}`` or a verified custom domain; suspended tenants stay hidden."""

    def __init__(self, uow: UnitOfWork, base_domain: str) -> None:
        self._uow = uow
        self._suffix = "." + base_domain.lower().strip(".")

    async def by_host(self, host: str) -> Organization:
        try:
            name = parse_domain_name(host.split(":", 1)[0])
        except RuleViolated:
            raise NotFound("no organization serves this domain") from None
        async with self._uow.lookups() as system:
            if name.endswith(self._suffix):
                label = name.removesuffix(self._suffix)
                organization = (
                    await system.organization_by_slug(Slug(label)) if _is_slug(label) else None
                )
            else:
                organization = await system.organization_by_verified_domain(name)
        return _visible(organization)

    async def by_slug(self, slug: str) -> Organization:
        if not _is_slug(slug):
            raise NotFound("no such organization")
        async with self._uow.lookups() as system:
            return _visible(await system.organization_by_slug(Slug(slug)))


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
