"""CreateOrganization: a new tenant, its audit entry, and a taken slug."""

from __future__ import annotations

import copy
from uuid import UUID

import pytest

from ticketbase.adapters.memory.system import FixedClock, SequentialIds
from ticketbase.adapters.memory.unit_of_work import MemoryUnitOfWork
from ticketbase.application.context import RequestMeta
from ticketbase.application.identity.create_organization import (
    CreateOrganization,
    CreateOrganizationCommand,
)
from ticketbase.domain.identity.organization import OrganizationStatus
from ticketbase.domain.shared.errors import Conflict, RuleViolated
from ticketbase.domain.shared.ids import UserId
from ticketbase.domain.shared.values import Slug

pytestmark = pytest.mark.anyio


@pytest.fixture
def create(uow: MemoryUnitOfWork, clock: FixedClock, ids: SequentialIds) -> CreateOrganization:
    return CreateOrganization(uow, clock, ids)


async def test_creates_an_active_organization_at_version_1(
    create: CreateOrganization, uow: MemoryUnitOfWork, clock: FixedClock
) -> None:
    organization = await create(CreateOrganizationCommand(name="  Acme   Events ", slug="acme"))

    assert organization.name == "Acme Events"
    assert organization.slug == Slug("acme")
    assert organization.status is OrganizationStatus.ACTIVE
    assert organization.version == 1
    assert organization.created_at == organization.updated_at == clock.now()
    async with uow.system() as system:
        stored = await system.organization_by_slug(Slug("acme"))
    assert stored is not None
    assert stored.id == organization.id
    assert stored.name == "Acme Events"


async def test_ids_are_time_ordered_in_creation_order(create: CreateOrganization) -> None:
    first = await create(CreateOrganizationCommand(name="First", slug="first"))
    second = await create(CreateOrganizationCommand(name="Second", slug="second"))
    assert first.id < second.id
    assert first.id.version == 7


async def test_writes_an_audit_entry_in_the_same_transaction(
    create: CreateOrganization, uow: MemoryUnitOfWork, clock: FixedClock
) -> None:
    creator = UserId(UUID(int=42))
    meta = RequestMeta(ip="198.51.100.1", user_agent="admin-app", request_id="req-1")
    organization = await create(
        CreateOrganizationCommand(name="Acme", slug="acme", created_by=creator, meta=meta)
    )

    [(tenant, entry)] = uow.database.state.audit
    assert tenant == organization.id
    assert entry.action == "organization.created"
    assert entry.target_type == "organization"
    assert entry.target_id == str(organization.id)
    assert entry.actor_id == creator
    assert entry.at == clock.now()
    assert entry.meta == meta
    assert entry.changes == {"name": "Acme", "slug": "acme"}
    assert entry.id != organization.id


async def test_a_taken_slug_is_a_conflict_and_stores_nothing(
    create: CreateOrganization, uow: MemoryUnitOfWork
) -> None:
    await create(CreateOrganizationCommand(name="Acme", slug="acme"))
    before = copy.deepcopy(uow.database.state)

    with pytest.raises(Conflict) as caught:
        await create(CreateOrganizationCommand(name="Acme Again", slug="acme"))

    assert caught.value.code == "conflict"
    assert uow.database.state == before
    assert len(uow.database.state.organizations) == 1
    assert len(uow.database.state.audit) == 1


@pytest.mark.parametrize(
    ("name", "slug", "field"),
    [("Acme", "Acme", "slug"), ("Acme", "-acme", "slug"), ("   ", "acme", "name")],
)
async def test_invalid_input_is_refused_and_stores_nothing(
    create: CreateOrganization, uow: MemoryUnitOfWork, name: str, slug: str, field: str
) -> None:
    with pytest.raises(RuleViolated) as caught:
        await create(CreateOrganizationCommand(name=name, slug=slug))
    assert caught.value.field == field
    assert uow.database.state.organizations == {}
    assert uow.database.state.audit == []
