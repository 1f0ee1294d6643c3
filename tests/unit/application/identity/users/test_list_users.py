"""ListUsers: users:read, this organization only, filters and keyset pagination."""

from __future__ import annotations

import pytest
from tests.unit.application.identity.conftest import IdentityKit

from ticketbase.application.context import Actor
from ticketbase.application.identity.departments.create_department import (
    CreateDepartment,
    CreateDepartmentCommand,
)
from ticketbase.application.pagination import PageRequest
from ticketbase.application.ports.unit_of_work import MemberFilter
from ticketbase.domain.identity.membership import MembershipStatus
from ticketbase.domain.identity.permissions import Role
from ticketbase.domain.shared.errors import PermissionDenied

pytestmark = pytest.mark.anyio


async def staffed(kit: IdentityKit) -> Actor:
    """Acme: Olivia (owner), Mia and Max (managers), Sue (support, deactivated), Ivy (invited
    analyst); Globex: Gary (owner), who is not listed in Acme."""
    owner = await kit.actor((await kit.register("acme", "olivia@acme.example")).tokens)
    await kit.register("globex", "gary@globex.example")
    await kit.add_member(owner, "mia@acme.example", Role.MANAGER, full_name="Mia Moreau")
    await kit.add_member(owner, "max@acme.example", Role.MANAGER, full_name="Max Müller")
    sue = await kit.add_member(owner, "sue@acme.example", Role.SUPPORT, full_name="Sue Smith")
    await kit.deactivate_user(sue.membership.user_id, owner)
    await kit.add_member(owner, "ivy@acme.example", Role.ANALYST, password=None)
    return owner


async def emails(kit: IdentityKit, actor: Actor, where: MemberFilter) -> list[str]:
    page = await kit.list_users(where, PageRequest(), actor)
    return [m.email.value for m in page.items]


async def test_lists_this_organizations_members_newest_first(kit: IdentityKit) -> None:
    owner = await staffed(kit)
    assert await emails(kit, owner, MemberFilter()) == [
        "ivy@acme.example",
        "sue@acme.example",
        "max@acme.example",
        "mia@acme.example",
        "olivia@acme.example",
    ]


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        (MemberFilter(role=Role.MANAGER), ["max@acme.example", "mia@acme.example"]),
        (MemberFilter(status=MembershipStatus.DEACTIVATED), ["sue@acme.example"]),
        (MemberFilter(status=MembershipStatus.INVITED), ["ivy@acme.example"]),
        (MemberFilter(q="MÜLLER"), ["max@acme.example"]),
        (MemberFilter(q="Mia@ACME"), ["mia@acme.example"]),
        (MemberFilter(q="gary"), []),
        (MemberFilter(role=Role.MANAGER, q="moreau"), ["mia@acme.example"]),
        (MemberFilter(role=Role.OWNER, status=MembershipStatus.ACTIVE), ["olivia@acme.example"]),
    ],
)
async def test_filters(kit: IdentityKit, where: MemberFilter, expected: list[str]) -> None:
    owner = await staffed(kit)
    assert await emails(kit, owner, where) == expected


async def test_filters_by_department(kit: IdentityKit) -> None:
    owner = await staffed(kit)
    sales = await CreateDepartment(kit.uow, kit.clock, kit.ids)(
        CreateDepartmentCommand("Sales"), owner
    )
    await kit.add_member(owner, "sam@acme.example", Role.SUPPORT, department_id=sales.department.id)

    assert await emails(kit, owner, MemberFilter(department_id=sales.department.id)) == [
        "sam@acme.example"
    ]


async def test_pages_follow_each_other_without_gaps_or_repeats(kit: IdentityKit) -> None:
    owner = await staffed(kit)
    seen: list[str] = []
    request = PageRequest(limit=2)
    pages = 0
    while True:
        page = await kit.list_users(MemberFilter(), request, owner)
        pages += 1
        assert len(page.items) <= 2
        seen += [m.email.value for m in page.items]
        if page.next_after is None:
            break
        request = PageRequest(limit=2, after=page.next_after)

    assert pages == 3
    assert seen == await emails(kit, owner, MemberFilter())


async def test_support_may_read_the_members(kit: IdentityKit) -> None:
    owner = await staffed(kit)
    _, support = await kit.member_session(owner, "sam@acme.example", Role.SUPPORT)
    assert "olivia@acme.example" in await emails(kit, support, MemberFilter())


async def test_an_analyst_may_not(kit: IdentityKit) -> None:
    owner = await staffed(kit)
    _, analyst = await kit.member_session(owner, "ana@acme.example", Role.ANALYST)
    with pytest.raises(PermissionDenied):
        await kit.list_users(MemberFilter(), PageRequest(), analyst)
