"""``/api/users``: the organization's members."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Controller, delete, get, post, put
from litestar.params import FromPath, JSONBody, QueryParameter

from ticketbase.application.context import Actor
from ticketbase.application.identity.users.create_user import CreateUser, CreateUserCommand
from ticketbase.application.identity.users.deactivate_user import DeactivateUser
from ticketbase.application.identity.users.list_users import ListUsers
from ticketbase.application.identity.users.update_user import UpdateUser, UpdateUserCommand
from ticketbase.application.ports.unit_of_work import Member, MemberFilter
from ticketbase.domain.identity.membership import MembershipStatus
from ticketbase.domain.identity.permissions import Permission, Role
from ticketbase.domain.shared.ids import DepartmentId, UserId
from ticketbase.entrypoints.http.pagination import next_cursor, page_request
from ticketbase.entrypoints.http.wire import BEARER, PageResponse, Wire

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class UserResponse(Wire):
    id: UUID
    email: str
    full_name: str
    role: Role
    department_id: UUID | None
    status: MembershipStatus
    last_login_at: datetime | None
    grants: list[Permission]
    revokes: list[Permission]


class UserPage(PageResponse):
    items: list[UserResponse]


class CreateUserRequest(Wire):
    email: Annotated[str, msgspec.Meta(min_length=3, max_length=320)]
    full_name: Name
    role: Role
    department_id: UUID | None = None
    password: Annotated[str, msgspec.Meta(max_length=1024)] | None = None


class UpdateUserRequest(Wire):
    full_name: Name | msgspec.UnsetType = msgspec.UNSET
    role: Role | msgspec.UnsetType = msgspec.UNSET
    department_id: UUID | msgspec.UnsetType | None = msgspec.UNSET
    grants: list[Permission] | msgspec.UnsetType = msgspec.UNSET
    revokes: list[Permission] | msgspec.UnsetType = msgspec.UNSET


def user_response(member: Member) -> UserResponse:
    m = member.membership
    return UserResponse(
        id=m.user_id,
        email=member.email.value,
        full_name=member.full_name,
        role=m.role,
        department_id=m.department_id,
        status=m.status,
        last_login_at=m.last_login_at,
        grants=sorted(m.grants),
        revokes=sorted(m.revokes),
    )


def _update_command(user_id: UUID, data: UpdateUserRequest) -> UpdateUserCommand:
    department = data.department_id
    return UpdateUserCommand(
        user_id=UserId(user_id),
        full_name=None if data.full_name is msgspec.UNSET else data.full_name,
        role=None if data.role is msgspec.UNSET else data.role,
        change_department=department is not msgspec.UNSET,
        department_id=None
        if department is msgspec.UNSET or department is None
        else DepartmentId(department),
        grants=None if data.grants is msgspec.UNSET else frozenset(data.grants),
        revokes=None if data.revokes is msgspec.UNSET else frozenset(data.revokes),
    )


class UserController(Controller):
    path = "/api/users"
    tags = ["users"]
    security = BEARER

    @get("/", summary="List members (users:read)")
    async def list_users(
        self,
        actor: FromDishka[Actor],
        use_case: FromDishka[ListUsers],
        role: Annotated[Role | None, QueryParameter()] = None,
        department_id: Annotated[UUID | None, QueryParameter(name="departmentId")] = None,
        status: Annotated[MembershipStatus | None, QueryParameter()] = None,
        q: Annotated[str | None, QueryParameter(max_length=200)] = None,
        limit: Annotated[int | None, QueryParameter(ge=1, le=200)] = None,
        cursor: Annotated[str | None, QueryParameter(max_length=64)] = None,
    ) -> UserPage:
        where = MemberFilter(
            role=role,
            department_id=DepartmentId(department_id) if department_id else None,
            status=status,
            q=q.strip() or None if q else None,
        )
        page = await use_case(where, page_request(limit, cursor), actor)
        return UserPage(items=[user_response(m) for m in page.items], next_cursor=next_cursor(page))

    @post("/", status_code=201, summary="Add a member, or invite one by email (users:manage)")
    async def create_user(
        self,
        data: JSONBody[CreateUserRequest],
        actor: FromDishka[Actor],
        use_case: FromDishka[CreateUser],
    ) -> UserResponse:
        command = CreateUserCommand(
            email=data.email,
            full_name=data.full_name,
            role=data.role,
            department_id=DepartmentId(data.department_id) if data.department_id else None,
            password=data.password,
        )
        return user_response(await use_case(command, actor))

    @put("/{id:uuid}", summary="Change a member (users:manage)")
    async def update_user(
        self,
        id: FromPath[UUID],
        data: JSONBody[UpdateUserRequest],
        actor: FromDishka[Actor],
        use_case: FromDishka[UpdateUser],
    ) -> UserResponse:
        return user_response(await use_case(_update_command(id, data), actor))

    @delete("/{id:uuid}", status_code=204, summary="Deactivate a member (users:manage)")
    async def deactivate_user(
        self,
        id: FromPath[UUID],
        actor: FromDishka[Actor],
        use_case: FromDishka[DeactivateUser],
    ) -> None:
        await use_case(UserId(id), actor)
