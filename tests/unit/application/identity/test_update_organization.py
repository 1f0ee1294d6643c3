"""UpdateOrganization: organization:update only, own tenant only, optimistic versions, audit."""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest

from ticketbase.adapters.memory.system import FixedClock, SequentialIds
from ticketbase.adapters.memory.unit_of_work import MemoryUnitOfWork
from ticketbase.application.context import Actor
from ticketbase.application.identity.get_organization import GetOrganization
from ticketbase.application.identity.update_organization import (
    UpdateOrganization,
    UpdateOrganizationCommand,
)
from ticketbase.domain.identity.organization import Branding, Organization, OrganizationSettings
from ticketbase.domain.identity.permissions import Permission, Role
from ticketbase.domain.shared.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    RuleViolated,
    StaleVersion,
)

pytestmark = pytest.mark.anyio

MakeMember = Callable[..., Actor]
MakeOrganization = Callable[..., Awaitable[Organization]]


@pytest.fixture
def update(uow: MemoryUnitOfWork, clock: FixedClock, ids: SequentialIds) -> UpdateOrganization:
    return UpdateOrganization(uow, clock, ids)


async def stored(uow: MemoryUnitOfWork, organization: Organization, actor: Actor) -> Organization:
    return await GetOrganization(uow)(organization.id, actor)


async def test_an_owner_updates_and_the_change_is_stored(
    update: UpdateOrganization,
    uow: MemoryUnitOfWork,
    clock: FixedClock,
    make_organization: MakeOrganization,
    make_member: MakeMember,
) -> None:
    acme = await make_organization("acme", "Acme")
    owner = make_member(acme.id, Role.OWNER)
    clock.advance(minutes=5)
    settings = OrganizationSettings(timezone="Europe/Berlin", currency="EUR", locale="de-DE")

    result = await update(
        UpdateOrganizationCommand(
            organization_id=acme.id,
            expected_version=1,
            name=" Acme  Live ",
            settings=settings,
            branding=Branding(primary_color="#123456"),
            custom_domains=["Tickets.Acme.example"],
        ),
        owner,
    )

    assert result.version == 2
    assert result.updated_at == clock.now()
    reloaded = await stored(uow, acme, owner)
    assert reloaded.name == "Acme Live"
    assert reloaded.settings == settings
    assert reloaded.branding.primary_color == "#123456"
    assert [d.name for d in reloaded.custom_domains] == ["tickets.acme.example"]
    assert reloaded.version == 2
    assert reloaded.updated_at == acme.created_at + timedelta(minutes=5)


async def test_appends_an_audit_entry_naming_the_changed_parts(
    update: UpdateOrganization,
    uow: MemoryUnitOfWork,
    clock: FixedClock,
    make_organization: MakeOrganization,
    make_member: MakeMember,
) -> None:
    acme = await make_organization("acme")
    owner = make_member(acme.id, Role.OWNER)

    await update(
        UpdateOrganizationCommand(
            organization_id=acme.id,
            name="Acme Live",
            settings=OrganizationSettings(),
            custom_domains=["a.example.com"],
        ),
        owner,
    )

    assert len(uow.database.state.audit) == 2
    tenant, entry = uow.database.state.audit[-1]
    assert tenant == acme.id
    assert entry.action == "organization.updated"
    assert entry.actor_id == owner.user_id
    assert entry.target_type == "organization"
    assert entry.target_id == str(acme.id)
    assert entry.at == clock.now()
    assert entry.meta == owner.meta
    assert entry.changes == {
        "name": "Acme Live",
        "customDomains": ["a.example.com"],
        "settings": "changed",
    }


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER, Role.SUPPORT, Role.ANALYST])
async def test_roles_without_organization_update_are_denied_and_nothing_changes(
    update: UpdateOrganization,
    uow: MemoryUnitOfWork,
    make_organization: MakeOrganization,
    make_member: MakeMember,
    role: Role,
) -> None:
    acme = await make_organization("acme")
    before = copy.deepcopy(uow.database.state)
    with pytest.raises(PermissionDenied) as caught:
        await update(
            UpdateOrganizationCommand(organization_id=acme.id, name="Hijacked"),
            make_member(acme.id, role),
        )
    assert caught.value.code == "permission_denied"
    assert uow.database.state == before


async def test_a_revoked_organization_update_denies_even_an_owner(
    update: UpdateOrganization, make_organization: MakeOrganization, make_member: MakeMember
) -> None:
    acme = await make_organization("acme")
    owner = make_member(acme.id, Role.OWNER, revokes=[Permission.ORGANIZATION_UPDATE])
    with pytest.raises(PermissionDenied):
        await update(UpdateOrganizationCommand(organization_id=acme.id, name="X"), owner)


async def test_a_granted_organization_update_lets_an_admin_update(
    update: UpdateOrganization, make_organization: MakeOrganization, make_member: MakeMember
) -> None:
    acme = await make_organization("acme")
    admin = make_member(acme.id, Role.ADMIN, grants=[Permission.ORGANIZATION_UPDATE])
    result = await update(UpdateOrganizationCommand(organization_id=acme.id, name="Renamed"), admin)
    assert result.name == "Renamed"


async def test_another_tenants_organization_is_not_found_and_untouched(
    update: UpdateOrganization,
    uow: MemoryUnitOfWork,
    make_organization: MakeOrganization,
    make_member: MakeMember,
) -> None:
    acme = await make_organization("acme", "Acme")
    globex = await make_organization("globex")
    before = copy.deepcopy(uow.database.state)
    with pytest.raises(NotFound):
        await update(
            UpdateOrganizationCommand(organization_id=acme.id, name="Stolen"),
            make_member(globex.id, Role.OWNER),
        )
    assert uow.database.state == before


async def test_a_platform_admin_without_membership_cannot_update(
    update: UpdateOrganization,
    make_organization: MakeOrganization,
    platform_admin: Actor,
) -> None:
    acme = await make_organization("acme")
    with pytest.raises(NotFound):
        await update(UpdateOrganizationCommand(organization_id=acme.id, name="X"), platform_admin)


async def test_a_stale_expected_version_is_refused_and_nothing_changes(
    update: UpdateOrganization,
    uow: MemoryUnitOfWork,
    make_organization: MakeOrganization,
    make_member: MakeMember,
) -> None:
    acme = await make_organization("acme", "Acme")
    owner = make_member(acme.id, Role.OWNER)
    await update(UpdateOrganizationCommand(organization_id=acme.id, name="Acme 2"), owner)
    before = copy.deepcopy(uow.database.state)

    with pytest.raises(StaleVersion) as caught:
        await update(
            UpdateOrganizationCommand(organization_id=acme.id, expected_version=1, name="Acme 3"),
            owner,
        )

    assert caught.value.code == "version_conflict"
    assert uow.database.state == before
    assert (await stored(uow, acme, owner)).name == "Acme 2"


async def test_versions_follow_each_successful_update(
    update: UpdateOrganization, make_organization: MakeOrganization, make_member: MakeMember
) -> None:
    acme = await make_organization("acme")
    owner = make_member(acme.id, Role.OWNER)
    for expected in (1, 2, 3):
        result = await update(
            UpdateOrganizationCommand(
                organization_id=acme.id, expected_version=expected, name=f"v{expected}"
            ),
            owner,
        )
        assert result.version == expected + 1


async def test_an_invalid_part_stores_nothing_not_even_the_valid_parts(
    update: UpdateOrganization,
    uow: MemoryUnitOfWork,
    make_organization: MakeOrganization,
    make_member: MakeMember,
) -> None:
    acme = await make_organization("acme", "Acme")
    before = copy.deepcopy(uow.database.state)
    with pytest.raises(RuleViolated) as caught:
        await update(
            UpdateOrganizationCommand(
                organization_id=acme.id, name="Renamed", custom_domains=["ok.com", "ok.com"]
            ),
            make_member(acme.id, Role.OWNER),
        )
    assert caught.value.field == "customDomains"
    assert uow.database.state == before


async def test_a_custom_domain_of_another_organization_is_a_conflict(
    update: UpdateOrganization,
    uow: MemoryUnitOfWork,
    make_organization: MakeOrganization,
    make_member: MakeMember,
) -> None:
    acme = await make_organization("acme")
    globex = await make_organization("globex")
    await update(
        UpdateOrganizationCommand(organization_id=acme.id, custom_domains=["tickets.shared.com"]),
        make_member(acme.id, Role.OWNER),
    )
    before = copy.deepcopy(uow.database.state)
    with pytest.raises(Conflict) as caught:
        await update(
            UpdateOrganizationCommand(
                organization_id=globex.id, custom_domains=["TICKETS.shared.com"]
            ),
            make_member(globex.id, Role.OWNER),
        )
    assert caught.value.field == "customDomains"
    assert uow.database.state == before
