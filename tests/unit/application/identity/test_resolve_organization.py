"""ResolveOrganization: the tenant of a public request from its Host or an explicit slug."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from ticketbase.adapters.local.cache import TaggedCache
from ticketbase.adapters.memory.change_feed import MemoryChangeFeed
from ticketbase.adapters.memory.system import FixedClock, SequentialIds
from ticketbase.adapters.memory.unit_of_work import MemoryUnitOfWork
from ticketbase.application.context import Actor
from ticketbase.application.identity.resolve_organization import ResolveOrganization
from ticketbase.application.identity.update_organization import (
    UpdateOrganization,
    UpdateOrganizationCommand,
)
from ticketbase.application.identity.verify_custom_domain import VerifyCustomDomain
from ticketbase.domain.identity.organization import Organization, OrganizationStatus
from ticketbase.domain.identity.permissions import Role
from ticketbase.domain.shared.errors import NotFound

pytestmark = pytest.mark.anyio

MakeMember = Callable[..., Actor]
MakeOrganization = Callable[..., Awaitable[Organization]]

BASE_DOMAIN = "tickets.test"


@pytest.fixture
def resolve(uow: MemoryUnitOfWork) -> ResolveOrganization:
    # Cached as in production: every test below also proves a change reaches the cache.
    feed = MemoryChangeFeed()
    uow.database.feed = feed
    return ResolveOrganization(uow, BASE_DOMAIN, TaggedCache(feed.hub))


@pytest.fixture
async def acme(make_organization: MakeOrganization) -> Organization:
    return await make_organization("acme", "Acme")


@pytest.fixture
async def with_domains(
    uow: MemoryUnitOfWork,
    clock: FixedClock,
    ids: SequentialIds,
    acme: Organization,
    make_member: MakeMember,
) -> Organization:
    """Acme serving shop.acme.example (verified) and pending.acme.example (not verified)."""
    return await UpdateOrganization(uow, clock, ids)(
        UpdateOrganizationCommand(
            organization_id=acme.id, custom_domains=["shop.acme.example", "pending.acme.example"]
        ),
        make_member(acme.id, Role.OWNER),
    )


async def verify(uow: MemoryUnitOfWork, clock: FixedClock, ids: SequentialIds, domain: str) -> None:
    await VerifyCustomDomain(uow, clock, ids)("acme", domain)


async def suspend(uow: MemoryUnitOfWork, organization: Organization) -> None:
    async with uow.for_tenant(organization.id) as tx:
        stored = await tx.organizations.get()
        assert stored is not None
        stored.status = OrganizationStatus.SUSPENDED
        await tx.organizations.save(stored)
        await tx.commit()


@pytest.mark.parametrize(
    "host",
    [
        "acme.tickets.test",
        "acme.tickets.test:8000",
        "ACME.Tickets.TEST",
        "Acme.tickets.test:443",
        "acme.tickets.test.",
        " acme.tickets.test ",
    ],
)
async def test_a_subdomain_of_the_base_domain_resolves_to_its_slug(
    resolve: ResolveOrganization, acme: Organization, host: str
) -> None:
    assert (await resolve.by_host(host)).id == acme.id


async def test_the_base_domain_is_normalised_too(uow: MemoryUnitOfWork, acme: Organization) -> None:
    resolve = ResolveOrganization(uow, ".Tickets.Test.", TaggedCache(MemoryChangeFeed().hub))
    assert (await resolve.by_host("acme.tickets.test")).id == acme.id


async def test_each_subdomain_finds_its_own_organization(
    resolve: ResolveOrganization, acme: Organization, make_organization: MakeOrganization
) -> None:
    globex = await make_organization("globex")
    assert (await resolve.by_host("globex.tickets.test")).id == globex.id
    assert (await resolve.by_host("acme.tickets.test")).id == acme.id


@pytest.mark.parametrize(
    "host",
    [
        "unknown.tickets.test",
        "tickets.test",
        "x.acme.tickets.test",
        "acme.tickets.test.evil.example",
        "acmetickets.test",
        "acme.other.test",
        "acme",
        "",
        ":8000",
        "not a host",
        "acme_.tickets.test",
    ],
)
async def test_hosts_that_name_no_organization_are_not_found(
    resolve: ResolveOrganization, acme: Organization, host: str
) -> None:
    with pytest.raises(NotFound):
        await resolve.by_host(host)


async def test_a_verified_custom_domain_resolves(
    resolve: ResolveOrganization,
    uow: MemoryUnitOfWork,
    clock: FixedClock,
    ids: SequentialIds,
    with_domains: Organization,
) -> None:
    await verify(uow, clock, ids, "shop.acme.example")
    assert (await resolve.by_host("shop.acme.example")).id == with_domains.id
    assert (await resolve.by_host("SHOP.acme.example:8443")).id == with_domains.id


async def test_an_unverified_custom_domain_does_not_resolve(
    resolve: ResolveOrganization,
    uow: MemoryUnitOfWork,
    clock: FixedClock,
    ids: SequentialIds,
    with_domains: Organization,
) -> None:
    await verify(uow, clock, ids, "shop.acme.example")
    with pytest.raises(NotFound):
        await resolve.by_host("pending.acme.example")


async def test_a_suspended_organization_is_hidden_by_host_and_slug(
    resolve: ResolveOrganization,
    uow: MemoryUnitOfWork,
    clock: FixedClock,
    ids: SequentialIds,
    with_domains: Organization,
) -> None:
    await verify(uow, clock, ids, "shop.acme.example")
    await suspend(uow, with_domains)
    for host in ("acme.tickets.test", "shop.acme.example"):
        with pytest.raises(NotFound):
            await resolve.by_host(host)
    with pytest.raises(NotFound):
        await resolve.by_slug("acme")


async def test_by_slug_finds_the_organization(
    resolve: ResolveOrganization, acme: Organization
) -> None:
    assert (await resolve.by_slug("acme")).id == acme.id


@pytest.mark.parametrize("slug", ["unknown", "ACME", "acme ", "-acme", "", "a" * 65, "acme\n"])
async def test_by_slug_with_an_unknown_or_invalid_slug_is_not_found(
    resolve: ResolveOrganization, acme: Organization, slug: str
) -> None:
    with pytest.raises(NotFound) as caught:
        await resolve.by_slug(slug)
    assert caught.value.code == "not_found"
