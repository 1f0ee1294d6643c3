"""Departments over HTTP on the real database, by who is calling."""

from __future__ import annotations

import json
import sys
import uuid
from datetime import UTC, datetime

import asyncpg
import httpx
import pytest
from tests.integration.http.conftest import Tenant
from tests.integration.http.test_conventions import assert_problem

from ticketbase.domain.identity.permissions import Role

pytestmark = pytest.mark.anyio
API = "/api/departments"


async def create(
    client: httpx.AsyncClient, tenant: Tenant, name: str, parent: str | None = None
) -> dict[str, object]:
    body: dict[str, object] = {"name": name}
    if parent is not None:
        body["parentId"] = parent
    response = await client.post(API, json=body, headers=tenant.auth())
    assert response.status_code == 201, response.text
    created: dict[str, object] = response.json()
    return created


async def ids(client: httpx.AsyncClient, tenant: Tenant, *names: str) -> list[str]:
    """Create a chain: each name under the previous one; return their ids."""
    made: list[str] = []
    for name in names:
        made.append(str((await create(client, tenant, name, made[-1] if made else None))["id"]))
    return made


async def test_create_read_rename_move_and_delete(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    sales = await create(client, tenant, "  Sales ")
    assert set(sales) == {"id", "name", "parentId", "path"}
    assert (sales["name"], sales["parentId"], sales["path"]) == ("Sales", None, "Sales")
    europe = await create(client, tenant, "Europe", str(sales["id"]))
    assert (europe["parentId"], europe["path"]) == (sales["id"], "Sales / Europe")

    read = await client.get(f"{API}/{europe['id']}", headers=tenant.auth())
    assert read.status_code == 200
    assert read.json() == europe

    renamed = await client.put(
        f"{API}/{sales['id']}", json={"name": "Revenue"}, headers=tenant.auth()
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["path"] == "Revenue"
    below = await client.get(f"{API}/{europe['id']}", headers=tenant.auth())
    assert below.json()["path"] == "Revenue / Europe"

    # Only the name given: the parent stays. ``parentId: null``: to the root level.
    kept = await client.put(f"{API}/{europe['id']}", json={"name": "EMEA"}, headers=tenant.auth())
    assert kept.json()["parentId"] == sales["id"]
    root = await client.put(f"{API}/{europe['id']}", json={"parentId": None}, headers=tenant.auth())
    assert (root.json()["parentId"], root.json()["path"]) == (None, "EMEA")
    back = await client.put(
        f"{API}/{europe['id']}", json={"parentId": sales["id"]}, headers=tenant.auth()
    )
    assert back.json()["path"] == "Revenue / EMEA"

    gone = await client.delete(f"{API}/{europe['id']}", headers=tenant.auth())
    assert gone.status_code == 204
    assert gone.content == b""
    assert_problem(
        await client.get(f"{API}/{europe['id']}", headers=tenant.auth()), 404, "not_found"
    )


async def test_the_list_pages_newest_first(client: httpx.AsyncClient, tenant: Tenant) -> None:
    made = [str((await create(client, tenant, f"Team {i}"))["id"]) for i in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = await client.get(API, params=params, headers=tenant.auth())
        assert page.status_code == 200, page.text
        seen += [item["id"] for item in page.json()["items"]]
        cursor = page.json()["nextCursor"]
        if cursor is None:
            break
    assert seen == list(reversed(made))
    bad = await client.get(API, params={"cursor": "%%%"}, headers=tenant.auth())
    assert_problem(bad, 422, "validation_failed")
    assert_problem(
        await client.get(API, params={"limit": "500"}, headers=tenant.auth()),
        422,
        "validation_failed",
    )


async def test_the_tree_nests_children_with_their_paths(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    sales, europe, vienna = await ids(client, tenant, "Sales", "Europe", "Vienna")
    americas = str((await create(client, tenant, "Americas", sales))["id"])
    support = str((await create(client, tenant, "Support"))["id"])

    response = await client.get(f"{API}/tree", headers=tenant.auth(Role.ANALYST))

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {
        "items": [
            {
                "id": sales,
                "name": "Sales",
                "parentId": None,
                "path": "Sales",
                "children": [
                    {
                        "id": americas,
                        "name": "Americas",
                        "parentId": sales,
                        "path": "Sales / Americas",
                        "children": [],
                    },
                    {
                        "id": europe,
                        "name": "Europe",
                        "parentId": sales,
                        "path": "Sales / Europe",
                        "children": [
                            {
                                "id": vienna,
                                "name": "Vienna",
                                "parentId": europe,
                                "path": "Sales / Europe / Vienna",
                                "children": [],
                            }
                        ],
                    },
                ],
            },
            {"id": support, "name": "Support", "parentId": None, "path": "Support", "children": []},
        ]
    }


async def test_a_tree_deeper_than_the_json_encoders_recursion_is_served(
    client: httpx.AsyncClient, tenant: Tenant, owner_connection: asyncpg.Connection
) -> None:
    depth = 700  # msgspec stops near 500 nested levels, ``json`` near 1 000 / 2
    now = datetime.now(UTC)
    chain = [uuid.uuid4() for _ in range(depth)]
    await owner_connection.executemany(
        "INSERT INTO departments (organization_id, id, name, parent_id, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, $5)",
        [
            (tenant.organization.id, d, f"L{i}", chain[i - 1] if i else None, now)
            for i, d in enumerate(chain)
        ],
    )
    response = await client.get(f"{API}/tree", headers=tenant.auth())
    assert response.status_code == 200
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(10 * depth)  # only for reading the answer back in the test
    try:
        node = json.loads(response.content)["items"][0]
    finally:
        sys.setrecursionlimit(limit)
    levels = 1
    while node["children"]:
        (node,) = node["children"]
        levels += 1
    assert levels == depth
    assert node["path"].endswith(f"L{depth - 2} / L{depth - 1}")


@pytest.mark.parametrize("target", ["itself", "child", "grandchild"])
async def test_a_move_that_would_cycle_is_422_and_changes_nothing(
    client: httpx.AsyncClient, tenant: Tenant, target: str
) -> None:
    sales, europe, vienna = await ids(client, tenant, "Sales", "Europe", "Vienna")
    parent = {"itself": sales, "child": europe, "grandchild": vienna}[target]
    response = await client.put(
        f"{API}/{sales}", json={"name": "Loop", "parentId": parent}, headers=tenant.auth()
    )
    body = assert_problem(response, 422, "department_cycle")
    assert body["errors"] == [{"field": "parentId", "message": body["detail"]}]
    after = await client.get(f"{API}/{sales}", headers=tenant.auth())
    assert (after.json()["name"], after.json()["parentId"]) == ("Sales", None)


async def test_an_unknown_parent_is_422_on_parent_id(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = str((await create(client, other_tenant, "Theirs"))["id"])
    (ours,) = await ids(client, tenant, "Ours")
    for parent in (str(uuid.uuid4()), theirs):
        created = await client.post(
            API, json={"name": "Child", "parentId": parent}, headers=tenant.auth()
        )
        moved = await client.put(f"{API}/{ours}", json={"parentId": parent}, headers=tenant.auth())
        for response in (created, moved):
            body = assert_problem(response, 422, "validation_failed")
            assert body["errors"][0]["field"] == "parentId"  # type: ignore[index]


async def test_sibling_names_are_unique(client: httpx.AsyncClient, tenant: Tenant) -> None:
    (sales,) = await ids(client, tenant, "Sales")
    await create(client, tenant, "Europe", sales)
    response = await client.post(
        API, json={"name": "europe", "parentId": sales}, headers=tenant.auth()
    )
    body = assert_problem(response, 409, "conflict")
    assert body["errors"][0]["field"] == "name"  # type: ignore[index]


async def test_deleting_a_department_with_children_is_409(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    sales, _ = await ids(client, tenant, "Sales", "Europe")
    assert_problem(
        await client.delete(f"{API}/{sales}", headers=tenant.auth()), 409, "department_not_empty"
    )
    assert (await client.get(f"{API}/{sales}", headers=tenant.auth())).status_code == 200


@pytest.mark.parametrize(
    ("status", "code"),
    [("active", "department_not_empty"), ("deactivated", "department_not_empty")],
)
async def test_deleting_a_department_with_members_is_409(
    client: httpx.AsyncClient,
    tenant: Tenant,
    owner_connection: asyncpg.Connection,
    status: str,
    code: str,
) -> None:
    """Deactivated members count too: they keep their department in their history."""
    (sales,) = await ids(client, tenant, "Sales")
    user_id, now = uuid.uuid4(), datetime.now(UTC)
    await owner_connection.execute(
        "INSERT INTO users (id, email, full_name, is_platform_admin, created_at) "
        "VALUES ($1, $2, 'Member', false, $3)",
        user_id,
        f"m-{user_id.hex[:10]}@example.com",
        now,
    )
    await owner_connection.execute(
        "INSERT INTO memberships (organization_id, id, user_id, role, department_id, status, "
        "created_at, updated_at) VALUES ($1, $2, $3, 'support', $4, $5, $6, $6)",
        tenant.organization.id,
        uuid.uuid4(),
        user_id,
        uuid.UUID(sales),
        status,
        now,
    )
    assert_problem(await client.delete(f"{API}/{sales}", headers=tenant.auth()), 409, code)
    assert (await client.get(f"{API}/{sales}", headers=tenant.auth())).status_code == 200


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.OWNER, True),
        (Role.ADMIN, True),
        (Role.MANAGER, False),
        (Role.SUPPORT, False),
        (Role.ANALYST, False),
    ],
)
async def test_only_owners_and_admins_write_and_every_role_reads(
    client: httpx.AsyncClient, tenant: Tenant, role: Role, allowed: bool
) -> None:
    (sales,) = await ids(client, tenant, "Sales")
    headers = tenant.auth(role)
    created = await client.post(API, json={"name": "New"}, headers=headers)
    updated = await client.put(f"{API}/{sales}", json={"name": "Renamed"}, headers=headers)
    if allowed:
        assert (created.status_code, updated.status_code) == (201, 200)
        deleted = await client.delete(f"{API}/{created.json()['id']}", headers=headers)
        assert deleted.status_code == 204
    else:
        for response in (
            created,
            updated,
            await client.delete(f"{API}/{sales}", headers=headers),
        ):
            assert_problem(response, 403, "permission_denied")
        assert (await client.get(f"{API}/{sales}", headers=headers)).json()["name"] == "Sales"
    for path in (API, f"{API}/tree", f"{API}/{sales}"):
        assert (await client.get(path, headers=headers)).status_code == 200, path


async def test_another_tenants_departments_are_404_and_untouched(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs, child = await ids(client, other_tenant, "Theirs", "Child")
    for response in (
        await client.get(f"{API}/{theirs}", headers=tenant.auth()),
        await client.put(f"{API}/{theirs}", json={"name": "Hijacked"}, headers=tenant.auth()),
        await client.put(f"{API}/{child}", json={"parentId": None}, headers=tenant.auth()),
        await client.delete(f"{API}/{child}", headers=tenant.auth()),
    ):
        assert_problem(response, 404, "not_found")
    missing = await client.get(f"{API}/{uuid.uuid4()}", headers=tenant.auth())
    assert (
        missing.json()["detail"]
        == (await client.get(f"{API}/{theirs}", headers=tenant.auth())).json()["detail"]
    )
    assert (await client.get(API, headers=tenant.auth())).json()["items"] == []
    assert (await client.get(f"{API}/tree", headers=tenant.auth())).json() == {"items": []}
    mine = await client.get(f"{API}/tree", headers=other_tenant.auth())
    (root,) = mine.json()["items"]
    assert (root["name"], root["children"][0]["id"]) == ("Theirs", child)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", API),
        ("GET", f"{API}/tree"),
        ("GET", f"{API}/{uuid.uuid4()}"),
        ("POST", API),
        ("PUT", f"{API}/{uuid.uuid4()}"),
        ("DELETE", f"{API}/{uuid.uuid4()}"),
    ],
)
async def test_anonymous_callers_are_401(client: httpx.AsyncClient, method: str, path: str) -> None:
    body = {"json": {"name": "x"}} if method in {"POST", "PUT"} else {}
    response = await client.request(method, path, **body)  # type: ignore[arg-type]
    assert_problem(response, 401, "unauthenticated")


async def test_bodies_that_break_the_schema_are_422(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    (sales,) = await ids(client, tenant, "Sales")
    for response in (
        await client.post(API, json={}, headers=tenant.auth()),
        await client.post(API, json={"name": "A", "parentId": "nope"}, headers=tenant.auth()),
        await client.post(API, json={"name": "A", "parent_id": None}, headers=tenant.auth()),
        await client.put(f"{API}/{sales}", json={"name": None}, headers=tenant.auth()),
    ):
        assert_problem(response, 422, "validation_failed")
    too_long = await client.post(API, json={"name": "x" * 201}, headers=tenant.auth())
    assert_problem(too_long, 422, "validation_failed")


async def test_every_change_is_audited(
    client: httpx.AsyncClient, tenant: Tenant, owner_connection: asyncpg.Connection
) -> None:
    headers = {**tenant.auth(), "x-request-id": f"dept-{uuid.uuid4().hex[:8]}"}
    sales = str((await client.post(API, json={"name": "Sales"}, headers=headers)).json()["id"])
    europe = str(
        (
            await client.post(API, json={"name": "Europe", "parentId": sales}, headers=headers)
        ).json()["id"]
    )
    await client.put(f"{API}/{europe}", json={"name": "EMEA", "parentId": None}, headers=headers)
    await client.delete(f"{API}/{europe}", headers=headers)
    # Refused changes leave no trace.
    await client.delete(f"{API}/{uuid.uuid4()}", headers=headers)

    rows = await owner_connection.fetch(
        "SELECT action, target_id, changes, ip, request_id FROM audit_log "
        "WHERE organization_id = $1 AND target_type = 'department' ORDER BY id",
        tenant.organization.id,
    )
    assert [(r["action"], r["target_id"]) for r in rows] == [
        ("department.created", sales),
        ("department.created", europe),
        ("department.updated", europe),
        ("department.deleted", europe),
    ]
    assert json.loads(rows[2]["changes"]) == {
        "name": {"from": "Europe", "to": "EMEA"},
        "parentId": {"from": sales, "to": None},
    }
    assert {(r["ip"], r["request_id"]) for r in rows} == {("203.0.113.7", headers["x-request-id"])}


async def test_the_openapi_document_describes_the_nested_tree(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    tree = schema["paths"]["/api/departments/tree"]["get"]["responses"]["200"]
    ref = tree["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    items = schema["components"]["schemas"][ref]["properties"]["items"]["items"]["$ref"]
    node = schema["components"]["schemas"][items.rsplit("/", 1)[-1]]
    assert set(node["properties"]) == {"id", "name", "parentId", "path", "children"}
    assert node["properties"]["children"]["items"]["$ref"] == items
