"""Departments: staff read the tree; owners and admins (``departments:manage``) change it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Annotated
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Controller, Response, delete, get, post, put
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter

from ticketbase.application.context import Actor
from ticketbase.application.identity.departments.create_department import (
    CreateDepartment,
    CreateDepartmentCommand,
)
from ticketbase.application.identity.departments.delete_department import DeleteDepartment
from ticketbase.application.identity.departments.department_tree import GetDepartmentTree
from ticketbase.application.identity.departments.get_department import GetDepartment
from ticketbase.application.identity.departments.list_departments import ListDepartments
from ticketbase.application.identity.departments.update_department import (
    UpdateDepartment,
    UpdateDepartmentCommand,
)
from ticketbase.domain.identity.department import DepartmentNode, LocatedDepartment
from ticketbase.domain.shared.ids import DepartmentId
from ticketbase.entrypoints.http.pagination import next_cursor, page_request
from ticketbase.entrypoints.http.wire import BEARER, PageResponse, Wire


class DepartmentResponse(Wire):
    id: UUID
    name: str
    parent_id: UUID | None
    path: str


class DepartmentNodeResponse(Wire):
    id: UUID
    name: str
    parent_id: UUID | None
    path: str
    children: list[DepartmentNodeResponse]


class DepartmentTreeResponse(Wire):
    items: list[DepartmentNodeResponse]


class DepartmentPage(PageResponse):
    items: list[DepartmentResponse]


class CreateDepartmentRequest(Wire):
    name: str
    parent_id: UUID | None = None


class UpdateDepartmentRequest(Wire):
    """Absent fields stay as they are; ``"parentId": null`` moves to the root level."""

    name: str | msgspec.UnsetType = msgspec.UNSET
    parent_id: UUID | msgspec.UnsetType | None = msgspec.UNSET


def department_response(located: LocatedDepartment) -> DepartmentResponse:
    d = located.department
    return DepartmentResponse(id=d.id, name=d.name, parent_id=d.parent_id, path=located.path_text)


def tree_json(roots: Sequence[DepartmentNode]) -> bytes:
    """``DepartmentTreeResponse`` as JSON, written level by level without recursion: msgspec
    (like ``json``) recurses per nesting level and gives up near 500 levels, and a tree may be
    deeper than that."""
    parts: list[bytes] = [b'{"items":[']
    levels: list[Iterator[DepartmentNode]] = [iter(roots)]
    started = [False]
    while levels:
        node = next(levels[-1], None)
        if node is None:
            levels.pop()
            started.pop()
            parts.append(b"]}")  # closes a node's children, or at last the items
            continue
        if started[-1]:
            parts.append(b",")
        started[-1] = True
        flat = msgspec.json.encode(
            department_response(LocatedDepartment(node.department, node.path))
        )
        parts += [flat[:-1], b',"children":[']
        levels.append(iter(node.children))
        started.append(False)
    return b"".join(parts)


class DepartmentController(Controller):
    path = "/api/departments"
    tags = ["departments"]

    @get("/", security=BEARER, summary="List departments, newest first")
    async def list_departments(
        self,
        actor: FromDishka[Actor],
        use_case: FromDishka[ListDepartments],
        limit: Annotated[int | None, QueryParameter(ge=1, le=200)] = None,
        cursor: Annotated[str | None, QueryParameter(max_length=64)] = None,
    ) -> DepartmentPage:
        page = await use_case(page_request(limit, cursor), actor)
        return DepartmentPage(
            items=[department_response(d) for d in page.items], next_cursor=next_cursor(page)
        )

    @get(
        "/tree",
        security=BEARER,
        summary="Every department as a nested tree",
        description="Not paginated. Roots and the children of each department ordered by name.",
        responses={
            200: ResponseSpec(
                DepartmentTreeResponse, description="The nested tree", generate_examples=False
            )
        },
    )
    async def tree(
        self, actor: FromDishka[Actor], use_case: FromDishka[GetDepartmentTree]
    ) -> Response[bytes]:
        return Response(tree_json(await use_case(actor)), media_type="application/json")

    @get("/{id:uuid}", security=BEARER, summary="Read a department")
    async def get_department(
        self,
        id: FromPath[UUID],
        actor: FromDishka[Actor],
        use_case: FromDishka[GetDepartment],
    ) -> DepartmentResponse:
        return department_response(await use_case(DepartmentId(id), actor))

    @post(
        "/",
        security=BEARER,
        summary="Create a department",
        description="Needs `departments:manage`. Without `parentId` it is a root. Names are "
        "unique among siblings, ignoring case (409 on `name`); an unknown `parentId` is 422.",
    )
    async def create_department(
        self,
        data: JSONBody[CreateDepartmentRequest],
        actor: FromDishka[Actor],
        use_case: FromDishka[CreateDepartment],
    ) -> DepartmentResponse:
        parent = None if data.parent_id is None else DepartmentId(data.parent_id)
        command = CreateDepartmentCommand(name=data.name, parent_id=parent)
        return department_response(await use_case(command, actor))

    @put(
        "/{id:uuid}",
        security=BEARER,
        summary="Rename and/or move a department",
        description="Needs `departments:manage`. An absent field stays as it is; "
        '`"parentId": null` moves to the root level. A move under itself or one of its '
        "sub-departments is 422 `department_cycle`; a sibling's name is 409 on `name`.",
    )
    async def update_department(
        self,
        id: FromPath[UUID],
        data: JSONBody[UpdateDepartmentRequest],
        actor: FromDishka[Actor],
        use_case: FromDishka[UpdateDepartment],
    ) -> DepartmentResponse:
        move = data.parent_id is not msgspec.UNSET
        parent = data.parent_id if isinstance(data.parent_id, UUID) else None
        command = UpdateDepartmentCommand(
            department_id=DepartmentId(id),
            name=None if isinstance(data.name, msgspec.UnsetType) else data.name,
            move=move,
            parent_id=None if parent is None else DepartmentId(parent),
        )
        return department_response(await use_case(command, actor))

    @delete(
        "/{id:uuid}",
        security=BEARER,
        summary="Delete a department with no sub-departments and no members",
        description="Needs `departments:manage`. A department that still has sub-departments or "
        "members (deactivated ones included) is 409.",
    )
    async def delete_department(
        self,
        id: FromPath[UUID],
        actor: FromDishka[Actor],
        use_case: FromDishka[DeleteDepartment],
    ) -> None:
        await use_case(DepartmentId(id), actor)
