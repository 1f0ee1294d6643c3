"""Members (/api/users) and the audit log over HTTP, by who is calling."""

from __future__ import annotations

import uuid

import httpx
import pytest
from tests.integration.http.identity_support import (
    PASSWORD,
    Account,
    login,
    mailbox_links,
    register,
)
from tests.integration.http.test_conventions import assert_problem

from ticketbase.entrypoints.settings import Settings

pytestmark = pytest.mark.anyio


async def add_member(
    client: httpx.AsyncClient, by: Account, role: str, *, password: str | None = PASSWORD
) -> tuple[dict[str, object], dict[str, str]]:
    """A member with a password, logged in: (its user record, its auth header)."""
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
    created = await client.post(
        "/api/users",
        json={
            "email": email,
            "fullName": f"{role.title()} Person",
            "role": role,
            **({"password": password} if password else {}),
        },
        headers=by.auth,
    )
    assert created.status_code == 201, created.text
    if password is None:
        return created.json(), {}
    tokens = (await login(client, email, password)).json()["tokens"]
    return created.json(), {"authorization": f"Bearer {tokens['accessToken']}"}


async def test_an_owner_adds_and_lists_members(client: httpx.AsyncClient) -> None:
    owner = await register(client)
    admin, _ = await add_member(client, owner, "admin")
    assert admin["role"] == "admin"
    assert admin["status"] == "active"
    await add_member(client, owner, "analyst")
    page = await client.get("/api/users", params={"limit": "2"}, headers=owner.auth)
    assert page.status_code == 200
    first = page.json()
    assert len(first["items"]) == 2
    rest = await client.get(
        "/api/users", params={"limit": "2", "cursor": first["nextCursor"]}, headers=owner.auth
    )
    everyone = first["items"] + rest.json()["items"]
    assert {u["role"] for u in everyone} == {"owner", "admin", "analyst"}
    assert rest.json()["nextCursor"] is None
    analysts = await client.get("/api/users", params={"role": "analyst"}, headers=owner.auth)
    assert [u["role"] for u in analysts.json()["items"]] == ["analyst"]
    by_name = await client.get("/api/users", params={"q": "olive"}, headers=owner.auth)
    assert [u["email"] for u in by_name.json()["items"]] == [owner.email]


async def test_an_invitation_email_lets_the_member_choose_a_password(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    owner = await register(client)
    invited, _ = await add_member(client, owner, "manager", password=None)
    assert invited["status"] == "invited"
    (token,) = mailbox_links(settings.data_dir, str(invited["email"]))
    accepted = await client.post(
        "/api/auth/accept-invitation", json={"token": token, "password": "my own long passphrase"}
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["organization"]["id"] == owner.organization["id"]
    me = await client.get(
        "/api/auth/me",
        headers={"authorization": f"Bearer {accepted.json()['tokens']['accessToken']}"},
    )
    assert me.json()["membership"]["role"] == "manager"
    again = await client.post(
        "/api/auth/accept-invitation", json={"token": token, "password": "my own long passphrase"}
    )
    assert_problem(again, 422, "invalid_token")


@pytest.mark.parametrize("role", ["manager", "support", "analyst"])
async def test_only_user_managers_add_members(client: httpx.AsyncClient, role: str) -> None:
    owner = await register(client)
    _, auth = await add_member(client, owner, role)
    refused = await client.post(
        "/api/users",
        json={"email": "x@example.com", "fullName": "X", "role": "support"},
        headers=auth,
    )
    assert_problem(refused, 403, "permission_denied")


async def test_nobody_grants_above_themselves_and_only_owners_make_owners(
    client: httpx.AsyncClient,
) -> None:
    owner = await register(client)
    _, admin = await add_member(client, owner, "admin")
    make_owner = await client.post(
        "/api/users",
        json={"email": "o2@example.com", "fullName": "O Two", "role": "owner"},
        headers=admin,
    )
    assert_problem(make_owner, 403, "permission_denied")
    member, _ = await add_member(client, owner, "support")
    grant_billing = await client.put(
        f"/api/users/{member['id']}", json={"grants": ["billing:manage"]}, headers=admin
    )
    assert_problem(grant_billing, 403, "permission_denied")
    grant_events = await client.put(
        f"/api/users/{member['id']}", json={"grants": ["events:write"]}, headers=admin
    )
    assert grant_events.status_code == 200
    assert grant_events.json()["grants"] == ["events:write"]
    owner_id = owner.user["id"]
    touch_owner = await client.put(f"/api/users/{owner_id}", json={"role": "admin"}, headers=admin)
    assert_problem(touch_owner, 403, "permission_denied")


async def test_the_last_owner_stays(client: httpx.AsyncClient) -> None:
    owner = await register(client)
    me = owner.user["id"]
    demote = await client.put(f"/api/users/{me}", json={"role": "admin"}, headers=owner.auth)
    assert_problem(demote, 409, "last_owner")
    assert_problem(await client.delete(f"/api/users/{me}", headers=owner.auth), 409, "last_owner")
    second, _ = await add_member(client, owner, "owner")
    demoted = await client.put(f"/api/users/{me}", json={"role": "admin"}, headers=owner.auth)
    assert demoted.status_code == 200
    assert second["role"] == "owner"


async def test_a_role_change_ends_the_members_sessions(client: httpx.AsyncClient) -> None:
    owner = await register(client)
    member, auth = await add_member(client, owner, "manager")
    assert (await client.get("/api/auth/me", headers=auth)).status_code == 200
    changed = await client.put(
        f"/api/users/{member['id']}", json={"role": "analyst"}, headers=owner.auth
    )
    assert changed.status_code == 200
    assert_problem(await client.get("/api/auth/me", headers=auth), 401, "session_revoked")
    relogged = (await login(client, str(member["email"]))).json()["tokens"]
    me = await client.get(
        "/api/auth/me", headers={"authorization": f"Bearer {relogged['accessToken']}"}
    )
    assert me.json()["membership"]["role"] == "analyst"


async def test_deactivating_a_member_ends_access_and_keeps_history(
    client: httpx.AsyncClient,
) -> None:
    owner = await register(client)
    member, auth = await add_member(client, owner, "support")
    assert (
        await client.delete(f"/api/users/{member['id']}", headers=owner.auth)
    ).status_code == 204
    assert_problem(await client.get("/api/auth/me", headers=auth), 401, "session_revoked")
    assert_problem(await login(client, str(member["email"])), 401, "invalid_credentials")
    listed = await client.get("/api/users", params={"status": "deactivated"}, headers=owner.auth)
    assert [u["id"] for u in listed.json()["items"]] == [member["id"]]


async def test_another_tenant_sees_404_and_changes_nothing(client: httpx.AsyncClient) -> None:
    owner = await register(client)
    member, _ = await add_member(client, owner, "support")
    rival = await register(client, "Rival")
    path = f"/api/users/{member['id']}"
    assert_problem(
        await client.put(path, json={"role": "admin"}, headers=rival.auth), 404, "not_found"
    )
    assert_problem(await client.delete(path, headers=rival.auth), 404, "not_found")
    theirs = await client.get("/api/users", headers=rival.auth)
    assert member["id"] not in {u["id"] for u in theirs.json()["items"]}
    ours = await client.get("/api/users", params={"role": "support"}, headers=owner.auth)
    assert [(u["id"], u["status"]) for u in ours.json()["items"]] == [(member["id"], "active")]


async def test_the_audit_log_records_mutations_for_auditors_only(
    client: httpx.AsyncClient,
) -> None:
    owner = await register(client)
    member, analyst = await add_member(client, owner, "analyst")
    await client.put(
        f"/api/users/{member['id']}",
        json={"fullName": "Ana Lyst"},
        headers={**owner.auth, "x-request-id": "audit-trail-1"},
    )
    log = await client.get("/api/audit-logs", headers=owner.auth)
    assert log.status_code == 200
    actions = [e["action"] for e in log.json()["items"]]
    assert actions[:2] == ["user.updated", "auth.login"]
    assert {"organization.registered", "user.created"} <= set(actions)
    updated = next(e for e in log.json()["items"] if e["action"] == "user.updated")
    assert updated["requestId"] == "audit-trail-1"
    assert updated["actor"] == owner.user["id"]
    assert updated["changes"] == {"fullName": "Ana Lyst"}
    only = await client.get(
        "/api/audit-logs", params={"action": "user.created"}, headers=owner.auth
    )
    assert {e["action"] for e in only.json()["items"]} == {"user.created"}
    assert_problem(await client.get("/api/audit-logs", headers=analyst), 403, "permission_denied")
    rival = await register(client, "Rival")
    theirs = await client.get("/api/audit-logs", headers=rival.auth)
    assert {e["targetId"] for e in theirs.json()["items"]}.isdisjoint({member["id"]})


async def test_a_department_with_a_deactivated_member_is_not_deleted(
    client: httpx.AsyncClient,
) -> None:
    owner = await register(client)
    department = (
        await client.post("/api/departments", json={"name": "Box office"}, headers=owner.auth)
    ).json()
    created = await client.post(
        "/api/users",
        json={
            "email": f"d-{uuid.uuid4().hex[:8]}@example.com",
            "fullName": "Dee Partment",
            "role": "support",
            "departmentId": department["id"],
            "password": PASSWORD,
        },
        headers=owner.auth,
    )
    assert created.json()["departmentId"] == department["id"]
    await client.delete(f"/api/users/{created.json()['id']}", headers=owner.auth)
    refused = await client.delete(f"/api/departments/{department['id']}", headers=owner.auth)
    assert_problem(refused, 409, "department_not_empty")
    moved = await client.put(
        f"/api/users/{created.json()['id']}", json={"departmentId": None}, headers=owner.auth
    )
    assert moved.json()["departmentId"] is None
    deleted = await client.delete(f"/api/departments/{department['id']}", headers=owner.auth)
    assert deleted.status_code == 204
