"""One contract for both department repositories (memory and PostgreSQL), and the tree lock
that keeps concurrent moves from building a cycle on the real database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import URL

from ticketbase.adapters.memory.unit_of_work import MemoryUnitOfWork
from ticketbase.adapters.postgres.engine import app_role_url, create_engine
from ticketbase.adapters.postgres.unit_of_work import PostgresUnitOfWork
from ticketbase.adapters.system import SystemClock, Uuid7Generator
from ticketbase.application.context import Actor
from ticketbase.application.identity.create_organization import (
    CreateOrganization,
    CreateOrganizationCommand,
)
from ticketbase.application.identity.departments.create_department import (
    CreateDepartment,
    CreateDepartmentCommand,
)
from ticketbase.application.identity.departments.update_department import (
    UpdateDepartment,
    UpdateDepartmentCommand,
)
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.department import (
    Department,
    DepartmentCycle,
    DepartmentTree,
    is_forest,
)
from ticketbase.domain.identity.permissions import Role, effective_permissions
from ticketbase.domain.shared.errors import Conflict, NotFound
from ticketbase.domain.shared.ids import DepartmentId, OrganizationId, SessionId, UserId

pytestmark = pytest.mark.anyio
IDS = Uuid7Generator()
NOW = datetime(2026, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)


@dataclass
class Subject:
    uow: UnitOfWork
    tenant: OrganizationId
    other: OrganizationId


async def _organization(uow: UnitOfWork, name: str) -> OrganizationId:
    create = CreateOrganization(uow, SystemClock(), IDS)
    made = await create(CreateOrganizationCommand(name=name, slug=f"d-{IDS.new().hex[-12:]}"))
    return made.id


@asynccontextmanager
async def postgres(database_url: URL) -> AsyncIterator[PostgresUnitOfWork]:
    engine = create_engine(app_role_url(database_url), pool_size=4, max_overflow=4)
    try:
        yield PostgresUnitOfWork(engine)
    finally:
        await engine.dispose()


@pytest.fixture
async def postgres_uow(database_url: URL) -> AsyncIterator[PostgresUnitOfWork]:
    async with postgres(database_url) as uow:
        yield uow


@pytest.fixture(params=["memory", "postgres"])
async def subject(request: pytest.FixtureRequest, database_url: URL) -> AsyncIterator[Subject]:
    async with AsyncExitStack() as stack:
        uow: UnitOfWork = (
            MemoryUnitOfWork()
            if request.param == "memory"
            else await stack.enter_async_context(postgres(database_url))
        )
        yield Subject(uow, await _organization(uow, "Acme"), await _organization(uow, "Rival"))


def a_department(name: str, parent: DepartmentId | None = None) -> Department:
    return Department(DepartmentId(IDS.new()), name, parent, NOW, NOW)


async def given(subject: Subject, *departments: Department) -> None:
    async with subject.uow.for_tenant(subject.tenant) as tx:
        for department in departments:
            await tx.departments.add(department)
        await tx.commit()


# --- the contract -------------------------------------------------------------------------------


async def test_what_is_added_reads_back(subject: Subject) -> None:
    sales = a_department("Sales")
    europe = a_department("Europe", sales.id)
    await given(subject, sales, europe)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.departments.get(europe.id) == europe
        assert sorted(await tx.departments.all(), key=lambda d: d.id) == [sales, europe]
        assert await tx.departments.get(DepartmentId(IDS.new())) is None


async def test_nothing_is_kept_without_a_commit(subject: Subject) -> None:
    async with subject.uow.for_tenant(subject.tenant) as tx:
        await tx.departments.add(a_department("Sales"))
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.departments.all() == []


async def test_save_writes_name_parent_and_time(subject: Subject) -> None:
    sales, support = a_department("Sales"), a_department("Support")
    europe = a_department("Europe", sales.id)
    await given(subject, sales, support, europe)
    later = NOW + timedelta(minutes=5)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        loaded = await tx.departments.get(europe.id)
        assert loaded is not None
        loaded.name, loaded.parent_id, loaded.updated_at = "EMEA", support.id, later
        await tx.departments.save(loaded)
        await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.departments.get(europe.id) == Department(
            europe.id, "EMEA", support.id, NOW, later
        )
        with pytest.raises(NotFound):
            await tx.departments.save(a_department("Ghost"))


async def test_children_are_counted_and_an_empty_department_deleted(subject: Subject) -> None:
    sales = a_department("Sales")
    europe, americas = a_department("Europe", sales.id), a_department("Americas", sales.id)
    await given(subject, sales, europe, americas)
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.departments.count_children(sales.id) == 2
        assert await tx.departments.count_children(europe.id) == 0
        await tx.departments.delete(europe.id)
        await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert {d.id for d in await tx.departments.all()} == {sales.id, americas.id}


async def test_deleting_a_parent_is_refused_as_a_conflict(subject: Subject) -> None:
    sales = a_department("Sales")
    await given(subject, sales, a_department("Europe", sales.id))
    with pytest.raises(Conflict):
        async with subject.uow.for_tenant(subject.tenant) as tx:
            await tx.departments.delete(sales.id)
            await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.departments.get(sales.id) is not None


async def test_a_missing_parent_is_refused_as_a_conflict_on_parent_id(subject: Subject) -> None:
    with pytest.raises(Conflict) as raised:
        async with subject.uow.for_tenant(subject.tenant) as tx:
            await tx.departments.add(a_department("Orphan", DepartmentId(IDS.new())))
            await tx.commit()
    assert raised.value.field == "parentId"


async def test_each_tenant_sees_and_touches_only_its_own(subject: Subject) -> None:
    sales = a_department("Sales")
    await given(subject, sales)
    async with subject.uow.for_tenant(subject.other) as tx:
        assert await tx.departments.all() == []
        assert await tx.departments.get(sales.id) is None
        assert await tx.departments.count_children(sales.id) == 0
        await tx.departments.delete(sales.id)
        with pytest.raises(NotFound):
            await tx.departments.save(sales)
        await tx.commit()
    with pytest.raises(Conflict):  # the other tenant's department is no parent here
        async with subject.uow.for_tenant(subject.other) as tx:
            await tx.departments.add(a_department("Europe", sales.id))
            await tx.commit()
    async with subject.uow.for_tenant(subject.tenant) as tx:
        assert await tx.departments.get(sales.id) == sales


# --- the tree lock on PostgreSQL ---------------------------------------------------------------


def _owner(organization_id: OrganizationId) -> Actor:
    return Actor(
        user_id=UserId(IDS.new()),
        session_id=SessionId(IDS.new()),
        organization_id=organization_id,
        role=Role.OWNER,
        permissions=effective_permissions(Role.OWNER),
    )


async def test_two_opposite_moves_at_once_cannot_build_a_cycle(
    postgres_uow: PostgresUnitOfWork,
) -> None:
    """A under B and B under A, each valid alone: both read the tree before either writes
    unless the lock orders them, and both would then commit a loop."""
    tenant = await _organization(postgres_uow, "Racing")
    owner = _owner(tenant)
    create = CreateDepartment(postgres_uow, SystemClock(), IDS)
    update = UpdateDepartment(postgres_uow, SystemClock(), IDS)
    for round_ in range(5):
        a = (await create(CreateDepartmentCommand(f"A{round_}"), owner)).department.id
        b = (await create(CreateDepartmentCommand(f"B{round_}"), owner)).department.id
        results = await asyncio.gather(
            update(UpdateDepartmentCommand(a, move=True, parent_id=b), owner),
            update(UpdateDepartmentCommand(b, move=True, parent_id=a), owner),
            return_exceptions=True,
        )
        refused = [r for r in results if isinstance(r, BaseException)]
        assert len(refused) == 1, results
        assert isinstance(refused[0], DepartmentCycle)
        async with postgres_uow.for_tenant(tenant) as tx:
            assert is_forest(DepartmentTree(await tx.departments.all()).parents)


async def test_the_lock_of_one_tenant_does_not_hold_up_another(
    postgres_uow: PostgresUnitOfWork,
) -> None:
    first, second = (
        await _organization(postgres_uow, "One"),
        await _organization(postgres_uow, "Two"),
    )
    async with postgres_uow.for_tenant(first) as holding:
        await holding.departments.lock_tree()

        async def lock_other() -> None:
            async with postgres_uow.for_tenant(second) as tx:
                await tx.departments.lock_tree()

        # A guard against hanging, not a wait: the other tenant's lock is granted at once.
        await asyncio.wait_for(lock_other(), timeout=10)
