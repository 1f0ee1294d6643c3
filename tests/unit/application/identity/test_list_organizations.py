"""ListOrganizations: platform administrators only, keyset pages, search."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ticketbase.adapters.memory.system import SequentialIds
from ticketbase.adapters.memory.unit_of_work import MemoryUnitOfWork
from ticketbase.application.context import Actor
from ticketbase.application.identity.list_organizations import ListOrganizations
from ticketbase.application.pagination import PageRequest
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.identity.permissions import Role
from ticketbase.domain.shared.errors import PermissionDenied
from ticketbase.domain.shared.ids import OrganizationId, SessionId, UserId
from ticketbase.domain.shared.values import Slug

pytestmark = pytest.mark.anyio

MakeMember = Callable[..., Actor]
MakeOrganization = Callable[..., Awaitable[Organization]]

ADMIN = Actor(
    user_id=UserId(UUID(int=1)), session_id=SessionId(UUID(int=2)), is_platform_admin=True
)
AT = datetime(2026, 5, 1, tzinfo=UTC)


def seeded(count: int) -> tuple[MemoryUnitOfWork, list[OrganizationId]]:
    """A database holding ``count`` organizations; their ids in creation order."""
    uow, ids = MemoryUnitOfWork(), SequentialIds()
    created = []
    for n in range(count):
        organization = Organization(
            id=OrganizationId(ids.new()),
            name=f"Org {n}",
            slug=Slug(f"org-{n}"),
            created_at=AT,
            updated_at=AT,
        )
        uow.database.state.organizations[organization.id] = organization
        created.append(organization.id)
    return uow, created


async def walk(uow: MemoryUnitOfWork, q: str | None, limit: int) -> list[list[OrganizationId]]:
    pages: list[list[OrganizationId]] = []
    after: UUID | None = None
    while True:
        page = await ListOrganizations(uow)(q, PageRequest(limit=limit, after=after), ADMIN)
        pages.append([o.id for o in page.items])
        assert len(pages) <= 1000, "pagination does not terminate"
        if page.next_after is None:
            return pages
        after = page.next_after


@settings(max_examples=60, deadline=None)
@given(count=st.integers(0, 30), limit=st.integers(1, 12))
async def test_pages_walk_every_organization_once_newest_first(count: int, limit: int) -> None:
    uow, created = seeded(count)
    pages = await walk(uow, None, limit)

    walked = [organization_id for page in pages for organization_id in page]
    assert walked == list(reversed(created))
    assert all(len(page) == limit for page in pages[:-1])
    assert len(pages[-1]) <= limit
    assert len(pages) == max(1, -(-count // limit))


async def test_a_full_last_page_has_no_next_cursor() -> None:
    uow, created = seeded(4)
    first = await ListOrganizations(uow)(None, PageRequest(limit=4), ADMIN)
    assert [o.id for o in first.items] == list(reversed(created))
    assert first.next_after is None


async def test_the_next_key_is_the_last_item_of_the_page() -> None:
    uow, created = seeded(5)
    first = await ListOrganizations(uow)(None, PageRequest(limit=2), ADMIN)
    assert first.next_after == first.items[-1].id == created[3]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("globex", ["globex-events"]),
        ("GLOBEX", ["globex-events"]),
        ("  acme ", ["acme-2", "acme"]),
        ("Industries", ["initech"]),
        ("", ["initech", "globex-events", "acme-2", "acme"]),
        ("   ", ["initech", "globex-events", "acme-2", "acme"]),
        (None, ["initech", "globex-events", "acme-2", "acme"]),
        ("nobody", []),
    ],
)
async def test_q_filters_by_name_or_slug(
    uow: MemoryUnitOfWork, make_organization: MakeOrganization, q: str | None, expected: list[str]
) -> None:
    await make_organization("acme", "Acme")
    await make_organization("acme-2", "Acme Two")
    await make_organization("globex-events", "Globex")
    await make_organization("initech", "Initech Industries")

    page = await ListOrganizations(uow)(q, PageRequest(limit=50), ADMIN)
    assert [o.slug.value for o in page.items] == expected


async def test_q_combines_with_pagination(
    uow: MemoryUnitOfWork, make_organization: MakeOrganization
) -> None:
    for n in range(5):
        await make_organization(f"acme-{n}")
        await make_organization(f"other-{n}")
    pages = await walk(uow, "acme", 2)
    everything = (await ListOrganizations(uow)("acme", PageRequest(limit=50), ADMIN)).items

    assert [o.slug.value for o in everything] == [f"acme-{n}" for n in reversed(range(5))]
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [i for page in pages for i in page] == [o.id for o in everything]


@pytest.mark.parametrize("role", list(Role))
async def test_organization_members_are_denied_whatever_their_role(
    uow: MemoryUnitOfWork, make_organization: MakeOrganization, make_member: MakeMember, role: Role
) -> None:
    acme = await make_organization("acme")
    with pytest.raises(PermissionDenied):
        await ListOrganizations(uow)(None, PageRequest(), make_member(acme.id, role))


async def test_a_member_who_is_also_platform_admin_lists(
    uow: MemoryUnitOfWork, make_organization: MakeOrganization, make_member: MakeMember
) -> None:
    acme = await make_organization("acme")
    await make_organization("globex")
    actor = make_member(acme.id, Role.ANALYST, is_platform_admin=True)
    page = await ListOrganizations(uow)(None, PageRequest(), actor)
    assert len(page.items) == 2
