"""VerifyCustomDomain: an operator marks a listed custom domain as verified."""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable

import pytest

from ticketbase.adapters.memory.system import FixedClock, SequentialIds
from ticketbase.adapters.memory.unit_of_work import MemoryUnitOfWork
from ticketbase.application.context import Actor
from ticketbase.application.identity.update_organization import (
    UpdateOrganization,
    UpdateOrganizationCommand,
)
from ticketbase.application.identity.verify_custom_domain import VerifyCustomDomain
from ticketbase.domain.identity.organization import CustomDomain, Organization
from ticketbase.domain.identity.permissions import Role
from ticketbase.domain.shared.errors import NotFound, RuleViolated
from ticketbase.domain.shared.values import Slug

pytestmark = pytest.mark.anyio

MakeMember = Callable[..., Actor]
MakeOrganization = Callable[..., Awaitable[Organization]]


@pytest.fixture
def verify(uow: MemoryUnitOfWork, clock: FixedClock, ids: SequentialIds) -> VerifyCustomDomain:
    return VerifyCustomDomain(uow, clock, ids)


@pytest.fixture
async def acme(
    uow: MemoryUnitOfWork,
    clock: FixedClock,
    ids: SequentialIds,
    make_organization: MakeOrganization,
    make_member: MakeMember,
) -> Organization:
    created = await make_organization("acme")
    return await UpdateOrganization(uow, clock, ids)(
        UpdateOrganizationCommand(
            organization_id=created.id, custom_domains=["shop.acme.example", "b.acme.example"]
        ),
        make_member(created.id, Role.OWNER),
    )


async def stored_domains(uow: MemoryUnitOfWork) -> tuple[CustomDomain, ...]:
    async with uow.system() as system:
        organization = await system.organization_by_slug(Slug("acme"))
    assert organization is not None
    return organization.custom_domains


async def test_marks_the_domain_verified_and_stores_it(
    verify: VerifyCustomDomain, uow: MemoryUnitOfWork, clock: FixedClock, acme: Organization
) -> None:
    clock.advance(hours=2)
    result = await verify("acme", "shop.acme.example")

    assert result.version == acme.version + 1
    assert await stored_domains(uow) == (
        CustomDomain("shop.acme.example", clock.now()),
        CustomDomain("b.acme.example", None),
    )


async def test_normalises_the_domain_it_is_given(
    verify: VerifyCustomDomain, uow: MemoryUnitOfWork, acme: Organization
) -> None:
    await verify("acme", "  SHOP.Acme.Example. ")
    assert (await stored_domains(uow))[0].verified


async def test_writes_an_audit_entry(
    verify: VerifyCustomDomain, uow: MemoryUnitOfWork, clock: FixedClock, acme: Organization
) -> None:
    audit_before = len(uow.database.state.audit)
    await verify("acme", "shop.acme.example")

    assert len(uow.database.state.audit) == audit_before + 1
    tenant, entry = uow.database.state.audit[-1]
    assert tenant == acme.id
    assert entry.action == "organization.domain_verified"
    assert entry.actor_id is None
    assert entry.target_id == str(acme.id)
    assert entry.changes == {"domain": "shop.acme.example"}
    assert entry.at == clock.now()


async def test_verifying_twice_keeps_the_first_time(
    verify: VerifyCustomDomain, uow: MemoryUnitOfWork, clock: FixedClock, acme: Organization
) -> None:
    await verify("acme", "shop.acme.example")
    first = clock.now()
    clock.advance(days=1)
    await verify("acme", "shop.acme.example")
    assert (await stored_domains(uow))[0].verified_at == first


async def test_an_unknown_organization_is_not_found(
    verify: VerifyCustomDomain, acme: Organization
) -> None:
    with pytest.raises(NotFound):
        await verify("globex", "shop.acme.example")


async def test_a_domain_the_organization_does_not_list_is_refused_and_nothing_changes(
    verify: VerifyCustomDomain, uow: MemoryUnitOfWork, acme: Organization
) -> None:
    before = copy.deepcopy(uow.database.state)
    with pytest.raises(RuleViolated) as caught:
        await verify("acme", "elsewhere.example")
    assert caught.value.field == "domain"
    assert uow.database.state == before


async def test_an_invalid_domain_is_refused(verify: VerifyCustomDomain, acme: Organization) -> None:
    with pytest.raises(RuleViolated) as caught:
        await verify("acme", "not a domain")
    assert caught.value.field == "domain"
