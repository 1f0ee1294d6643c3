"""Departments in PostgreSQL: plain rows, the tree rules live in the domain.

Every statement names the tenant explicitly as well as through row level security: the primary
key starts with ``organization_id``, and a distributed (Citus) table routes on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ticketbase.adapters.postgres.tables import departments
from ticketbase.domain.identity.department import Department, DepartmentNotFound
from ticketbase.domain.shared.ids import DepartmentId, OrganizationId

# Transaction-scoped, so it is released by the commit or the rollback and never outlives the
# unit of work on a pooled connection. The key is a 64-bit hash of a name unique to the tenant.
_LOCK_TREE = text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")


class PostgresDepartmentRepository:
    def __init__(self, connection: AsyncConnection, organization_id: OrganizationId) -> None:
        self._c = connection
        self._organization_id = organization_id

    @property
    def _mine(self) -> ColumnElement[bool]:
        # Built when used, not per transaction: every tenant transaction makes this repository.
        return departments.c.organization_id == self._organization_id

    async def get(self, department_id: DepartmentId) -> Department | None:
        row = (
            (
                await self._c.execute(
                    select(departments).where(self._mine, departments.c.id == department_id)
                )
            )
            .mappings()
            .first()
        )
        return None if row is None else department_from_row(row)

    async def all(self) -> list[Department]:
        rows = await self._c.execute(select(departments).where(self._mine))
        return [department_from_row(row) for row in rows.mappings()]

    async def add(self, department: Department) -> None:
        await self._c.execute(
            insert(departments).values(
                organization_id=self._organization_id,
                id=department.id,
                name=department.name,
                parent_id=department.parent_id,
                created_at=department.created_at,
                updated_at=department.updated_at,
            )
        )

    async def save(self, department: Department) -> None:
        result = await self._c.execute(
            update(departments)
            .where(self._mine, departments.c.id == department.id)
            .values(
                name=department.name,
                parent_id=department.parent_id,
                updated_at=department.updated_at,
            )
        )
        if result.rowcount != 1:
            raise DepartmentNotFound("no such department")

    async def delete(self, department_id: DepartmentId) -> None:
        # A sub-department or a member still pointing here fails the foreign key, which
        # constraint_errors turns into a Conflict.
        await self._c.execute(
            delete(departments).where(self._mine, departments.c.id == department_id)
        )

    async def count_children(self, department_id: DepartmentId) -> int:
        count = await self._c.scalar(
            select(func.count())
            .select_from(departments)
            .where(self._mine, departments.c.parent_id == department_id)
        )
        return int(count or 0)

    async def lock_tree(self) -> None:
        await self._c.execute(_LOCK_TREE, {"key": f"departments:{self._organization_id}"})


def department_from_row(row: Mapping[Any, Any]) -> Department:
    parent = row["parent_id"]
    return Department(
        id=DepartmentId(row["id"]),
        name=row["name"],
        parent_id=None if parent is None else DepartmentId(parent),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
