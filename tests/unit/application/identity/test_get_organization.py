"""GetOrganization: members with organization:read, platform admins; everyone else sees 404."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from uuid import UUID

import pytest

from ticketbase.adapters.memory.unit_of_work import MemoryUnitOfWork
from ticketbase.application.context import Actor
from ticketbase.application.identity.get_organization import GetOrganization
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.identity.permissions import Permission, Role
from ticketbase.domain.shared.errors import NotFound
from ticketbase.domain.shared.ids import OrganizationId

pytestmark = pytest.mark.anyio

MakeMember = Callable[..., Actor]
MakeOrganization = Callable[..., Awaitable[Organization]]


@pytest.mark.parametrize("role", list(Role))
async def test_every_member_role_reads_its_own_organization(
    uow: MemoryUnitOfWork, make_organization: MakeOrganization, make_member: MakeMember, role: Role
) -> None:
    acme = await make_organization("acme", "Acme")
    found = await GetOrganization(uow)(acme.id, make_member(acme.id, role))
    assert found.id == acme.id
    assert found.name == "Acme"


async def test_a_member_without_organization_read_gets_not_found(
    uow: MemoryUnitOfWork, make_organization: MakeOrganization, make_member: MakeMember
) -> None:
    acme = await make_organization("acme")
    actor = make_member(acme.id, Role.ANALYST, revokes=[Permission.ORGANIZATION_READ])
    with pytest.raises(NotFound):
        await GetOrganization(uow)(acme.id, actor)


async def test_a_member_of_another_organization_gets_not_found(
    uow: MemoryUnitOfWork, make_organization: MakeOrganization, make_member: MakeMember
) -> None:
    acme = await make_organization("acme")
    globex = await make_organization("globex")
    with pytest.raises(NotFound) as caught:
        await GetOrganization(uow)(acme.id, make_member(globex.id, Role.OWNER))
    assert caught.value.code == "not_found"


async def test_foreign_and_missing_organizations_answer_alike(
    uow: MemoryUnitOfWork, make_organization: MakeOrganization, make_member: MakeMember
) -> None:
    acme = await make_organization("acme")
    globex = await make_organization("globex")
    actor = make_member(globex.id, Role.OWNER)
    get = GetOrganization(uow)
    with pytest.raises(NotFound) as foreign:
        await get(acme.id, actor)
    with pytest.raises(NotFound) as missing:
        await get(OrganizationId(UUID(int=12345)), actor)
    assert (foreign.value.detail, foreign.value.field) == (
        missing.value.detail,
        missing.value.field,
    )


async def test_a_platform_admin_without_membership_reads_any_organization(
    uow: MemoryUnitOfWork, make_organization: MakeOrganization, platform_admin: Actor
) -> None:
    await make_organization("acme")
    globex = await make_organization("globex", "Globex")
    found = await GetOrganization(uow)(globex.id, platform_admin)
    assert (found.id, found.name) == (globex.id, "Globex")


async def test_a_platform_admin_member_of_one_tenant_reads_another(
    uow: MemoryUnitOfWork, make_organization: MakeOrganization, make_member: MakeMember
) -> None:
    acme = await make_organization("acme")
    globex = await make_organization("globex")
    actor = make_member(acme.id, Role.ANALYST, is_platform_admin=True)
    assert (await GetOrganization(uow)(globex.id, actor)).id == globex.id


async def test_a_platform_admin_asking_for_a_missing_organization_gets_not_found(
    uow: MemoryUnitOfWork, platform_admin: Actor
) -> None:
    with pytest.raises(NotFound):
        await GetOrganization(uow)(OrganizationId(UUID(int=777)), platform_admin)


async def test_an_actor_without_any_membership_gets_not_found(
    uow: MemoryUnitOfWork, make_organization: MakeOrganization, platform_admin: Actor
) -> None:
    acme = await make_organization("acme")
    nobody = Actor(user_id=platform_admin.user_id, session_id=platform_admin.session_id)
    with pytest.raises(NotFound):
        await GetOrganization(uow)(acme.id, nobody)
