"""Privacy requests over HTTP on the real database: a person's export (orders they bought or
are named on, tickets, check-ins, membership, audit mentions) and their erasure (orders keep
their amounts, the person is gone; a membership deactivated, never the last owner), both for
owners only, both audited without the address, neither reaching another tenant."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import asyncpg
import httpx
import pytest
from litestar import Litestar
from tests.integration.http.conftest import Tenant
from tests.integration.http.test_attendees import rows, scan
from tests.integration.http.test_conventions import assert_problem
from tests.integration.http.test_events import storefront
from tests.integration.http.test_orders import on_sale, order_body

from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.membership import Membership, MembershipStatus
from ticketbase.domain.identity.permissions import Role
from ticketbase.domain.shared.ids import MembershipId

pytestmark = pytest.mark.anyio
ADA = {"fullName": "Ada Lovelace", "email": "ada@example.com"}
GRACE = {"fullName": "Grace Hopper", "email": "grace@navy.example"}
ALAN = {"fullName": "Alan Turing", "email": "alan@example.org"}


async def paid(
    client: httpx.AsyncClient,
    tenant: Tenant,
    event: dict[str, Any],
    quantity: int,
    buyer: dict[str, str],
    *named: dict[str, str],
) -> dict[str, Any]:
    body = order_body(event, quantity, buyer=buyer)
    body["attendees"] = [{"ticketTypeId": event["ticketTypeId"]} | person for person in named]
    placed = await client.post("/api/orders", json=body, headers=storefront(tenant))
    assert placed.status_code == 201, placed.text
    order = placed.json()
    done = await client.post(
        f"/api/orders/{order['id']}/pay", json={"provider": "manual"}, headers=tenant.auth()
    )
    assert done.status_code == 200, done.text
    return dict(done.json())


async def export(client: httpx.AsyncClient, tenant: Tenant, email: str) -> dict[str, Any]:
    answer = await client.get("/api/privacy/export", params={"email": email}, headers=tenant.auth())
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def erase(client: httpx.AsyncClient, tenant: Tenant, email: str) -> dict[str, Any]:
    answer = await client.post("/api/privacy/erase", json={"email": email}, headers=tenant.auth())
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def a_world(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> dict[str, Any]:
    """Ada buys two tickets naming Grace on one, and is named on one of Alan's; her first
    ticket is scanned in. Ada also bought from another organization."""
    event = await on_sale(client, tenant)
    mine = await paid(client, tenant, event, 2, ADA, GRACE)
    alans = await paid(client, tenant, event, 2, ALAN, ADA)
    adas = [a for a in mine["attendees"] + alans["attendees"] if a["email"] == ADA["email"]]
    assert len(adas) == 2
    assert (await scan(client, tenant, adas[0]["ticketCode"], event["id"])).status_code == 200
    elsewhere = await paid(client, other_tenant, await on_sale(client, other_tenant), 1, ADA)
    return {"event": event, "mine": mine, "alans": alans, "adas": adas, "elsewhere": elsewhere}


async def test_an_export_holds_the_persons_records_of_this_tenant_only(
    client: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    owner_connection: asyncpg.Connection,
) -> None:
    world = await a_world(client, tenant, other_tenant)
    mine, alans, adas = world["mine"], world["alans"], world["adas"]

    got = await export(client, tenant, "  Ada@Example.COM ")
    assert got["email"] == ADA["email"]
    assert [o["id"] for o in got["orders"]] == [mine["id"], alans["id"]]
    bought, named_on = got["orders"]
    assert bought["buyer"] == ADA
    assert bought["namedAttendees"] == []  # Grace is another person
    assert bought["total"] == mine["totals"]["total"]
    assert named_on["buyer"] is None  # Alan bought it
    assert named_on["namedAttendees"] == [{"ticketTypeId": world["event"]["ticketTypeId"]} | ADA]
    assert [a["id"] for a in got["attendees"]] == [a["id"] for a in adas]
    assert all(a["email"] == ADA["email"] for a in got["attendees"])
    assert [c["attendeeId"] for c in got["checkIns"]] == [adas[0]["id"]]
    assert got["membership"] is None
    mentioned = {mine["id"], alans["id"], *(a["id"] for a in adas)}
    assert got["audit"]  # payments and the check-in name her records
    assert {e["targetId"] for e in got["audit"]} <= mentioned
    assert world["elsewhere"]["id"] not in json.dumps(got)

    theirs = await export(client, other_tenant, ADA["email"])
    assert [o["id"] for o in theirs["orders"]] == [world["elsewhere"]["id"]]
    assert theirs["checkIns"] == []
    nobody = await export(client, tenant, "nobody@example.com")
    assert (nobody["orders"], nobody["attendees"], nobody["audit"]) == ([], [], [])

    audited = await rows(
        owner_connection,
        "SELECT actor_id, target_type, target_id, changes::text AS changes FROM audit_log"
        " WHERE organization_id = $1 AND action = 'privacy.exported' ORDER BY id",
        tenant.organization.id,
    )
    assert len(audited) == 2
    ada_entry, nobody_entry = audited
    assert ada_entry["actor_id"] == tenant.callers[(Role.OWNER, False)][0]
    assert ada_entry["target_type"] == "data_subject"
    assert ada_entry["target_id"].startswith("hmac-sha256:")
    assert ada_entry["target_id"] != nobody_entry["target_id"]
    assert json.loads(ada_entry["changes"])["orders"] == 2
    assert "example.com" not in json.dumps(audited, default=str)
    # The same person under the same key is the same id: the other tenant's export of Ada.
    (elsewhere_id,) = await owner_connection.fetchval(
        "SELECT array_agg(target_id) FROM audit_log WHERE organization_id = $1"
        " AND action = 'privacy.exported'",
        other_tenant.organization.id,
    )
    assert elsewhere_id == ada_entry["target_id"]


async def test_an_erasure_keeps_the_amounts_and_loses_the_person_in_this_tenant_only(
    client: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    owner_connection: asyncpg.Connection,
) -> None:
    world = await a_world(client, tenant, other_tenant)
    mine, alans, adas = world["mine"], world["alans"], world["adas"]

    assert await erase(client, tenant, ADA["email"]) == {
        "orders": 2,
        "attendees": 2,
        "membershipDeactivated": False,
        "sessionsEnded": 0,
    }
    order = (await client.get(f"/api/orders/{mine['id']}", headers=tenant.auth())).json()
    assert order["buyer"] == {
        "fullName": "Erased",
        "email": f"erased+{mine['id'].replace('-', '')}@erased.invalid",
    }
    assert (order["totals"], order["status"]) == (mine["totals"], mine["status"])
    alan = (await client.get(f"/api/orders/{alans['id']}", headers=tenant.auth())).json()
    assert alan["buyer"] == ALAN  # Alan is not erased
    exported_grace = await export(client, tenant, GRACE["email"])
    assert [o["id"] for o in exported_grace["orders"]] == [mine["id"]]  # nor Grace on Ada's
    assert exported_grace["orders"][0]["namedAttendees"][0]["fullName"] == GRACE["fullName"]
    for ticket in adas:
        held = await client.get(f"/api/attendees/{ticket['id']}", headers=tenant.auth())
        assert held.status_code == 200, held.text
        assert held.json()["fullName"] == "Erased"
        assert held.json()["email"] == f"erased+{ticket['id'].replace('-', '')}@erased.invalid"
        assert held.json()["ticketCode"] == ticket["ticketCode"]
    checked_in = await client.get(f"/api/attendees/{adas[0]['id']}", headers=tenant.auth())
    assert checked_in.json()["checkedInAt"] is not None  # the door's count stays
    for email, found in ((ADA["email"], []), (ALAN["email"], [alans["id"]])):
        listed = await client.get("/api/orders", params={"email": email}, headers=tenant.auth())
        assert [o["id"] for o in listed.json()["items"]] == found
    again = await export(client, tenant, ADA["email"])
    assert (again["orders"], again["attendees"], again["checkIns"]) == ([], [], [])

    # The other organization still has Ada's order whole.
    theirs = await client.get(
        f"/api/orders/{world['elsewhere']['id']}", headers=other_tenant.auth()
    )
    assert theirs.json()["buyer"] == ADA
    assert await erase(client, tenant, ADA["email"]) == {
        "orders": 0,
        "attendees": 0,
        "membershipDeactivated": False,
        "sessionsEnded": 0,
    }
    audited = await rows(
        owner_connection,
        "SELECT target_id, changes::text AS changes FROM audit_log WHERE organization_id = $1"
        " AND action = 'privacy.erased' ORDER BY id",
        tenant.organization.id,
    )
    assert len(audited) == 2
    assert audited[0]["target_id"] == audited[1]["target_id"]
    assert json.loads(audited[0]["changes"])["orders"] == 2
    assert "example.com" not in json.dumps(audited, default=str)


async def member(app: Litestar, tenant: Tenant, role: Role) -> str:
    """Give the tenant's caller of ``role`` a membership; return its account's email."""
    user_id = tenant.callers[(role, False)][0]
    now = datetime.now(UTC)
    uow = await app.state.dishka_container.get(UnitOfWork)
    async with uow.for_tenant(tenant.organization.id) as tx:
        await tx.memberships.add(
            Membership(
                id=MembershipId(uuid4()),
                organization_id=tenant.organization.id,
                user_id=user_id,
                role=role,
                status=MembershipStatus.ACTIVE,
                created_at=now,
                updated_at=now,
            )
        )
        await tx.commit()
    return f"{user_id.hex}@callers.example"


async def test_a_members_erasure_deactivates_the_membership_but_not_the_last_owner(
    app: Litestar, client: httpx.AsyncClient, tenant: Tenant, owner_connection: asyncpg.Connection
) -> None:
    support = await member(app, tenant, Role.SUPPORT)
    owner = await member(app, tenant, Role.OWNER)
    before = await client.get("/api/events", headers=tenant.auth(Role.SUPPORT))
    assert before.status_code == 200, before.text

    exported = await export(client, tenant, support)
    assert exported["membership"]["role"] == "support"
    assert exported["membership"]["email"] == support
    assert await erase(client, tenant, support) == {
        "orders": 0,
        "attendees": 0,
        "membershipDeactivated": True,
        "sessionsEnded": 1,
    }
    after = await client.get("/api/events", headers=tenant.auth(Role.SUPPORT))
    assert after.status_code == 401, after.text
    status = await owner_connection.fetchval(
        "SELECT status FROM memberships WHERE organization_id = $1 AND user_id = $2",
        tenant.organization.id,
        tenant.callers[(Role.SUPPORT, False)][0],
    )
    assert status == "deactivated"
    # The global account is not the organization's to erase.
    assert (
        await owner_connection.fetchval("SELECT count(*) FROM users WHERE email = $1", support) == 1
    )

    assert_problem(
        await client.post("/api/privacy/erase", json={"email": owner}, headers=tenant.auth()),
        409,
        "last_owner",
    )


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER, Role.SUPPORT, Role.ANALYST])
async def test_only_owners_export_or_erase(
    client: httpx.AsyncClient, tenant: Tenant, role: Role
) -> None:
    headers = tenant.auth(role)
    assert_problem(
        await client.get("/api/privacy/export", params={"email": ADA["email"]}, headers=headers),
        403,
        "permission_denied",
    )
    assert_problem(
        await client.post("/api/privacy/erase", json={"email": ADA["email"]}, headers=headers),
        403,
        "permission_denied",
    )


async def test_anonymous_and_invalid_requests_are_refused(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    assert_problem(
        await client.get("/api/privacy/export", params={"email": ADA["email"]}),
        401,
        "unauthenticated",
    )
    assert_problem(
        await client.post("/api/privacy/erase", json={"email": ADA["email"]}),
        401,
        "unauthenticated",
    )
    bad = await client.get(
        "/api/privacy/export", params={"email": "not-an-email"}, headers=tenant.auth()
    )
    assert_problem(bad, 422, "validation_failed")
    missing = await client.get("/api/privacy/export", headers=tenant.auth())
    assert missing.status_code in (400, 422), missing.text
    wrong = await client.post(
        "/api/privacy/erase", json={"email": "x@y.z", "extra": 1}, headers=tenant.auth()
    )
    assert wrong.status_code in (400, 422), wrong.text
