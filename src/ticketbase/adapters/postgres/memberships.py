"""Memberships in PostgreSQL (tenant rows: row level security scopes every statement)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ticketbase.adapters.postgres.accounts import user_from_row
from ticketbase.adapters.postgres.tables import memberships, organizations, users
from ticketbase.application.pagination import Page, PageRequest
from ticketbase.application.ports.cache import member_tag
from ticketbase.application.ports.unit_of_work import (
    Member,
    MemberFilter,
    OrganizationRef,
    Profile,
)
from ticketbase.domain.identity.membership import Membership, MembershipStatus
from ticketbase.domain.identity.permissions import Permission, Role
from ticketbase.domain.shared.errors import StaleVersion
from ticketbase.domain.shared.ids import DepartmentId, MembershipId, OrganizationId, UserId
from ticketbase.domain.shared.values import EmailAddress, Slug


class PostgresMembershipRepository:
    def __init__(self, connection: AsyncConnection, changes: set[str]) -> None:
        self._c = connection
        self._changes = changes

    async def get(self, membership_id: MembershipId) -> Membership | None:
        return await self._one(memberships.c.id == membership_id)

    async def of_user(self, user_id: UserId) -> Membership | None:
        return await self._one(memberships.c.user_id == user_id)

    async def profile(self, user_id: UserId) -> Profile | None:
        # One statement; row level security limits memberships and organizations to the tenant.
        row = (
            (
                await self._c.execute(
                    select(
                        memberships,
                        *(c.label(f"account_{c.name}") for c in users.c),
                        organizations.c.name.label("organization_name"),
                        organizations.c.slug.label("organization_slug"),
                    )
                    .join(users, users.c.id == memberships.c.user_id)
                    .join(organizations, organizations.c.id == memberships.c.organization_id)
                    .where(memberships.c.user_id == user_id)
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        account = {c.name: row[f"account_{c.name}"] for c in users.c}
        return Profile(
            user=user_from_row(account),
            membership=_membership(row),
            organization=OrganizationRef(
                OrganizationId(row["organization_id"]),
                row["organization_name"],
                Slug(row["organization_slug"]),
            ),
        )

    async def add(self, membership: Membership) -> None:
        await self._c.execute(insert(memberships).values(**_columns(membership)))
        self._changes.add(member_tag(membership.organization_id, membership.user_id))

    async def save(self, membership: Membership) -> None:
        columns = _columns(membership)
        del columns["id"], columns["organization_id"], columns["created_at"]
        result = await self._c.execute(
            update(memberships)
            .where(memberships.c.id == membership.id)
            .where(memberships.c.version == membership.version - 1)
            .values(**columns)
        )
        if result.rowcount != 1:
            raise StaleVersion("the member was changed meanwhile; reload and retry")
        self._changes.add(member_tag(membership.organization_id, membership.user_id))

    async def record_login(self, membership_id: MembershipId, at: datetime) -> None:
        await self._c.execute(
            update(memberships)
            .where(memberships.c.id == membership_id)
            .values(
                last_login_at=func.greatest(memberships.c.last_login_at, at),
                status=case(
                    (
                        memberships.c.status == MembershipStatus.INVITED.value,
                        MembershipStatus.ACTIVE.value,
                    ),
                    else_=memberships.c.status,
                ),
            )
        )

    async def count_active_owners(self) -> int:
        rows = await self._c.execute(
            select(memberships.c.id)
            .where(memberships.c.role == Role.OWNER.value)
            .where(memberships.c.status == MembershipStatus.ACTIVE.value)
            .with_for_update()
        )
        return len(rows.all())

    async def members(self, where: MemberFilter, page: PageRequest) -> Page[Member]:
        statement = (
            select(memberships, users.c.email, users.c.full_name)
            .join(users, users.c.id == memberships.c.user_id)
            .order_by(memberships.c.id.desc())
            .limit(page.fetch)
        )
        if where.role is not None:
            statement = statement.where(memberships.c.role == where.role.value)
        if where.department_id is not None:
            statement = statement.where(memberships.c.department_id == where.department_id)
        if where.status is not None:
            statement = statement.where(memberships.c.status == where.status.value)
        if where.q:
            needle = where.q.lower()
            statement = statement.where(
                or_(
                    func.strpos(users.c.email, needle) > 0,
                    func.strpos(func.lower(users.c.full_name), needle) > 0,
                )
            )
        if page.after is not None:
            statement = statement.where(memberships.c.id < page.after)
        rows = (await self._c.execute(statement)).mappings().all()
        found = [Member(_membership(r), EmailAddress(r["email"]), r["full_name"]) for r in rows]
        return Page.from_rows(found, page, key=lambda m: m.membership.id)

    async def count_in_department(self, department_id: DepartmentId) -> int:
        # Deactivated members count too: they keep their department as history.
        count = await self._c.scalar(
            select(func.count())
            .select_from(memberships)
            .where(memberships.c.department_id == department_id)
        )
        return int(count or 0)

    async def _one(self, condition: Any) -> Membership | None:
        row = (await self._c.execute(select(memberships).where(condition))).mappings().first()
        return None if row is None else _membership(row)


def _columns(m: Membership) -> dict[str, Any]:
    return {
        "organization_id": m.organization_id,
        "id": m.id,
        "user_id": m.user_id,
        "role": m.role.value,
        "department_id": m.department_id,
        "grants": sorted(p.value for p in m.grants),
        "revokes": sorted(p.value for p in m.revokes),
        "status": m.status.value,
        "last_login_at": m.last_login_at,
        "created_at": m.created_at,
        "updated_at": m.updated_at,
        "version": m.version,
    }


def _membership(row: Mapping[Any, Any]) -> Membership:
    return Membership(
        id=MembershipId(row["id"]),
        organization_id=OrganizationId(row["organization_id"]),
        user_id=UserId(row["user_id"]),
        role=Role(row["role"]),
        status=MembershipStatus(row["status"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        department_id=DepartmentId(row["department_id"]) if row["department_id"] else None,
        grants=frozenset(Permission(p) for p in row["grants"]),
        revokes=frozenset(Permission(p) for p in row["revokes"]),
        last_login_at=row["last_login_at"],
        version=row["version"],
    )
