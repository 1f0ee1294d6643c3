"""Attendees and check-in over HTTP on the real database: staff list, read and correct an
event's attendees; scanners check tickets in (signature first: a forged code, another tenant's
and another event's are 404), once however often scanned and however many scan at once; undo;
the counts of the door. Tickets come from orders paid at the box office."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any

import asyncpg
import httpx
import pytest
from tests.integration.http.conftest import AppFactory, Tenant, new_tenant
from tests.integration.http.conftest import running as running_app
from tests.integration.http.test_conventions import assert_problem
from tests.integration.http.test_events import create_event, storefront, ticket_type_body
from tests.integration.http.test_orders import on_sale, order_body

from ticketbase.domain.identity.permissions import Role

pytestmark = pytest.mark.anyio
ADA = {"fullName": "Ada Lovelace", "email": "ada@example.com"}
GRACE = {"fullName": "Grace Hopper", "email": "grace@navy.example"}


async def paid(
    client: httpx.AsyncClient,
    tenant: Tenant,
    event: dict[str, Any],
    quantity: int = 1,
    *,
    buyer: dict[str, str] = ADA,
    ticket_type_id: str | None = None,
) -> dict[str, Any]:
    """An order placed on the storefront and paid at the box office: its tickets issued."""
    body = order_body(event, quantity, buyer=buyer)
    if ticket_type_id is not None:
        body["items"] = [{"ticketTypeId": ticket_type_id, "quantity": quantity}]
    placed = await client.post("/api/orders", json=body, headers=storefront(tenant))
    assert placed.status_code == 201, placed.text
    order = placed.json()
    paid = await client.post(
        f"/api/orders/{order['id']}/pay", json={"provider": "manual"}, headers=tenant.auth()
    )
    assert paid.status_code == 200, paid.text
    return dict(paid.json())


async def scan(
    client: httpx.AsyncClient, tenant: Tenant, code: str, event_id: str, role: Role = Role.SUPPORT
) -> httpx.Response:
    return await client.post(
        "/api/check-ins", json={"ticketCode": code, "eventId": event_id}, headers=tenant.auth(role)
    )


def flip(code: str, at: int) -> str:
    return code[:at] + ("B" if code[at] == "A" else "A") + code[at + 1 :]


async def rows(connection: asyncpg.Connection, sql: str, *args: object) -> list[dict[str, Any]]:
    return [dict(r) for r in await connection.fetch(sql, *args)]


async def test_staff_list_an_events_attendees_filtered_newest_first_in_pages(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    event = await on_sale(client, tenant)
    vip = await client.post(
        f"/api/events/{event['id']}/ticket-types",
        json=ticket_type_body(name="VIP"),
        headers=tenant.auth(),
    )
    assert vip.status_code == 201, vip.text
    ada = (await paid(client, tenant, event, 2))["attendees"]
    grace_order = await paid(client, tenant, event, buyer=GRACE, ticket_type_id=vip.json()["id"])
    grace = grace_order["attendees"]
    elsewhere = await create_event(client, tenant, name="Winter Gala")
    assert (await scan(client, tenant, ada[0]["ticketCode"], event["id"])).status_code == 200
    path = f"/api/events/{event['id']}/attendees"

    async def ids(**params: Any) -> list[str]:
        listed = await client.get(path, params=params, headers=tenant.auth(Role.ANALYST))
        assert listed.status_code == 200, listed.text
        return [a["id"] for a in listed.json()["items"]]

    everyone = [grace[0]["id"], ada[1]["id"], ada[0]["id"]]
    assert await ids() == everyone
    assert await ids(ticketTypeId=vip.json()["id"]) == [grace[0]["id"]]
    assert await ids(checkedIn="true") == [ada[0]["id"]]
    assert await ids(checkedIn="false") == everyone[:2]
    assert await ids(q="hopper") == [grace[0]["id"]]
    assert await ids(q="NAVY.ex") == [grace[0]["id"]]
    assert await ids(q="%") == []  # a LIKE wildcard is a character like any other
    first = (await client.get(path, params={"limit": 2}, headers=tenant.auth())).json()
    assert [a["id"] for a in first["items"]] == everyone[:2]
    rest = (
        await client.get(
            path, params={"limit": 2, "cursor": first["nextCursor"]}, headers=tenant.auth()
        )
    ).json()
    assert [a["id"] for a in rest["items"]] == everyone[2:]
    assert rest["nextCursor"] is None
    item = first["items"][0]
    assert (item["orderId"], item["eventId"]) == (grace_order["id"], event["id"])
    assert (item["fullName"], item["email"], item["version"]) == (
        GRACE["fullName"],
        GRACE["email"],
        1,
    )
    assert item["ticketCode"] == grace[0]["ticketCode"]
    other_event = await client.get(
        f"/api/events/{elsewhere['id']}/attendees", headers=tenant.auth()
    )
    assert other_event.json() == {"items": [], "nextCursor": None}
    assert_problem(await client.get(path, headers=other_tenant.auth()), 404, "not_found")
    for params in ({"limit": 201}, {"limit": 0}, {"cursor": "!!"}, {"checkedIn": "maybe"}):
        assert_problem(
            await client.get(path, params=params, headers=tenant.auth()), 422, "validation_failed"
        )
    assert_problem(await client.get(path), 401, "unauthenticated")


async def test_an_attendee_is_read_and_given_to_another_holder_under_its_version(
    client: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    owner_connection: asyncpg.Connection,
) -> None:
    event = await on_sale(client, tenant)
    (ticket,) = (await paid(client, tenant, event))["attendees"]
    path = f"/api/attendees/{ticket['id']}"
    read = await client.get(path, headers=tenant.auth(Role.ANALYST))
    assert read.status_code == 200, read.text
    assert read.json()["version"] == 1
    assert read.json()["fullName"] == "Ada Lovelace"
    assert_problem(await client.get(path, headers=other_tenant.auth()), 404, "not_found")
    assert_problem(
        await client.put(path, json=GRACE, headers=other_tenant.auth()), 404, "not_found"
    )
    assert_problem(
        await client.put(path, json=GRACE, headers=tenant.auth(Role.ANALYST)),
        403,
        "permission_denied",
    )
    updated = await client.put(
        path, json=GRACE, headers=tenant.auth(Role.SUPPORT) | {"if-match": '"1"'}
    )
    assert updated.status_code == 200, updated.text
    body = updated.json()
    assert (body["fullName"], body["email"], body["version"]) == (
        "Grace Hopper",
        "grace@navy.example",
        2,
    )
    assert body["ticketCode"] == ticket["ticketCode"]
    stale = await client.put(path, json=ADA, headers=tenant.auth() | {"if-match": '"1"'})
    assert_problem(stale, 409, "version_conflict")
    stale_body = await client.put(path, json=ADA | {"version": 1}, headers=tenant.auth())
    assert_problem(stale_body, 409, "version_conflict")
    assert_problem(
        await client.put(path, json=ADA, headers=tenant.auth() | {"if-match": "soon"}),
        400,
        "bad_request",
    )
    bad = await client.put(path, json=GRACE | {"email": "nope"}, headers=tenant.auth())
    assert_problem(bad, 422, "validation_failed")
    assert (await client.get(path, headers=tenant.auth())).json()["fullName"] == "Grace Hopper"
    (audit,) = await rows(
        owner_connection,
        "SELECT * FROM audit_log WHERE target_id = $1 AND action = 'attendee.updated'",
        ticket["id"],
    )
    assert json.loads(audit["changes"]) == {"fullName": "changed", "email": "changed"}
    written = json.dumps({k: str(v) for k, v in audit.items()})
    for personal in ("Ada", "Lovelace", "Grace", "Hopper", "example.com", "navy.example"):
        assert personal not in written


async def test_a_ticket_is_checked_in_once_announced_and_audited(
    client: httpx.AsyncClient, tenant: Tenant, owner_connection: asyncpg.Connection
) -> None:
    event = await on_sale(client, tenant)
    order = await paid(client, tenant, event, 2)
    ticket, other = order["attendees"]
    first = await scan(client, tenant, ticket["ticketCode"], event["id"])
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["alreadyCheckedIn"] is False
    assert body["attendee"]["id"] == ticket["id"]
    assert body["attendee"]["checkedInAt"] == body["checkedInAt"]
    again = await scan(client, tenant, ticket["ticketCode"], event["id"], Role.OWNER)
    assert again.status_code == 200
    assert again.json()["alreadyCheckedIn"] is True
    assert again.json()["checkedInAt"] == body["checkedInAt"]
    assert again.json()["attendee"]["version"] == body["attendee"]["version"]
    read = (await client.get(f"/api/attendees/{other['id']}", headers=tenant.auth())).json()
    assert read["checkedInAt"] is None
    messages = await rows(
        owner_connection,
        "SELECT payload FROM outbox WHERE topic = 'attendee.checked_in'"
        " AND payload->>'attendeeId' = $1",
        ticket["id"],
    )
    assert [json.loads(m["payload"]) for m in messages] == [
        {
            "organizationId": str(tenant.organization.id),
            "eventId": event["id"],
            "attendeeId": ticket["id"],
            "orderId": order["id"],
            "ticketTypeId": event["ticketTypeId"],
            "at": json.loads(messages[0]["payload"])["at"] if messages else None,
        }
    ]
    at = json.loads(messages[0]["payload"])["at"]
    assert datetime.fromisoformat(at) == datetime.fromisoformat(body["checkedInAt"])
    audits = await rows(
        owner_connection,
        "SELECT action, actor_id FROM audit_log WHERE target_id = $1 ORDER BY at",
        ticket["id"],
    )
    assert [a["action"] for a in audits] == ["attendee.checked_in"]
    assert audits[0]["actor_id"] == tenant.callers[(Role.SUPPORT, False)][0]


async def test_forged_foreign_and_misdirected_codes_are_not_found(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    event = await on_sale(client, tenant)
    (ticket,) = (await paid(client, tenant, event))["attendees"]
    code = ticket["ticketCode"]
    theirs = await on_sale(client, other_tenant)
    (their_ticket,) = (await paid(client, other_tenant, theirs))["attendees"]
    elsewhere = await create_event(client, tenant, name="Winter Gala")
    for forged in (flip(code, 5), flip(code, len(code) - 4), code[:-1], "garbled-ticket-text!"):
        assert_problem(await scan(client, tenant, forged, event["id"]), 404, "not_found")
    # Another tenant's genuine code, at this tenant's door and named as that tenant's event.
    assert_problem(
        await scan(client, tenant, their_ticket["ticketCode"], event["id"]), 404, "not_found"
    )
    assert_problem(
        await scan(client, tenant, their_ticket["ticketCode"], theirs["id"]), 404, "not_found"
    )
    # This tenant's ticket at another of its events.
    assert_problem(await scan(client, tenant, code, elsewhere["id"]), 404, "not_found")
    assert_problem(
        await scan(client, tenant, code, event["id"], Role.ANALYST), 403, "permission_denied"
    )
    read = await client.get(f"/api/attendees/{ticket['id']}", headers=tenant.auth())
    assert read.json()["checkedInAt"] is None
    # The genuine scans still work.
    assert (await scan(client, tenant, code, event["id"])).json()["alreadyCheckedIn"] is False
    their_scan = await scan(client, other_tenant, their_ticket["ticketCode"], theirs["id"])
    assert their_scan.json()["alreadyCheckedIn"] is False


async def test_a_ticket_of_a_refunded_order_is_void_at_the_door_a_partial_refund_keeps_it(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    event = await on_sale(client, tenant)
    refunded, partial = await paid(client, tenant, event), await paid(client, tenant, event)
    for order, body in ((refunded, {}), (partial, {"amount": {"amount": 100, "currency": "EUR"}})):
        answer = await client.post(
            f"/api/orders/{order['id']}/refund", json=body, headers=tenant.auth()
        )
        assert answer.status_code == 200, answer.text
    (void,), (kept,) = refunded["attendees"], partial["attendees"]
    assert_problem(await scan(client, tenant, void["ticketCode"], event["id"]), 409, "ticket_void")
    read = await client.get(f"/api/attendees/{void['id']}", headers=tenant.auth())
    assert read.json()["checkedInAt"] is None
    admitted = await scan(client, tenant, kept["ticketCode"], event["id"])
    assert admitted.json()["alreadyCheckedIn"] is False
    counts = await client.get(f"/api/events/{event['id']}/check-ins", headers=tenant.auth())
    assert (counts.json()["issued"], counts.json()["checkedIn"]) == (1, 1)


async def test_a_check_in_is_undone_and_undoing_nothing_is_fine(
    client: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    owner_connection: asyncpg.Connection,
) -> None:
    event = await on_sale(client, tenant)
    (ticket,) = (await paid(client, tenant, event))["attendees"]
    path = f"/api/check-ins/{ticket['id']}"
    assert (await client.delete(path, headers=tenant.auth(Role.SUPPORT))).status_code == 204
    await scan(client, tenant, ticket["ticketCode"], event["id"])
    assert_problem(
        await client.delete(path, headers=tenant.auth(Role.ANALYST)), 403, "permission_denied"
    )
    assert_problem(await client.delete(path, headers=other_tenant.auth()), 404, "not_found")
    assert_problem(
        await client.delete(f"/api/check-ins/{event['id']}", headers=tenant.auth()),
        404,
        "not_found",
    )
    undone = await client.delete(path, headers=tenant.auth(Role.SUPPORT))
    assert undone.status_code == 204
    read = (await client.get(f"/api/attendees/{ticket['id']}", headers=tenant.auth())).json()
    assert (read["checkedInAt"], read["version"]) == (None, 3)
    assert (await client.delete(path, headers=tenant.auth())).status_code == 204
    assert (await client.get(f"/api/attendees/{ticket['id']}", headers=tenant.auth())).json()[
        "version"
    ] == 3
    actions = await rows(
        owner_connection,
        "SELECT action FROM audit_log WHERE target_id = $1 ORDER BY at, id",
        ticket["id"],
    )
    assert [a["action"] for a in actions] == ["attendee.checked_in", "attendee.check_in_undone"]
    rescanned = await scan(client, tenant, ticket["ticketCode"], event["id"])
    assert rescanned.json()["alreadyCheckedIn"] is False


async def test_the_door_counts_per_ticket_type_and_in_total(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    event = await on_sale(client, tenant)
    vip = await client.post(
        f"/api/events/{event['id']}/ticket-types",
        json=ticket_type_body(name="VIP"),
        headers=tenant.auth(),
    )
    tickets = (await paid(client, tenant, event, 3))["attendees"]
    for ticket in tickets[:2]:
        assert (await scan(client, tenant, ticket["ticketCode"], event["id"])).status_code == 200
    path = f"/api/events/{event['id']}/check-ins"
    counts = await client.get(path, headers=tenant.auth(Role.ANALYST))
    assert counts.status_code == 200, counts.text
    assert counts.json() == {
        "eventId": event["id"],
        "issued": 3,
        "checkedIn": 2,
        "ticketTypes": [
            {
                "ticketTypeId": event["ticketTypeId"],
                "name": "General admission",
                "issued": 3,
                "checkedIn": 2,
            },
            {"ticketTypeId": vip.json()["id"], "name": "VIP", "issued": 0, "checkedIn": 0},
        ],
    }
    assert_problem(await client.get(path, headers=other_tenant.auth()), 404, "not_found")


async def test_ten_scanners_at_once_make_exactly_one_first_check_in(
    make_app: AppFactory, owner_connection: asyncpg.Connection
) -> None:
    app = make_app(database_pool_size=12)
    async with running_app(app) as client:
        tenant = await new_tenant(app)
        event = await on_sale(client, tenant)
        (ticket,) = (await paid(client, tenant, event))["attendees"]
        answers = await asyncio.gather(
            *(scan(client, tenant, ticket["ticketCode"], event["id"]) for _ in range(10))
        )
    assert [a.status_code for a in answers] == [200] * 10, [a.text for a in answers]
    bodies = [a.json() for a in answers]
    assert sorted(b["alreadyCheckedIn"] for b in bodies) == [False] + [True] * 9
    assert len({b["checkedInAt"] for b in bodies}) == 1
    messages = await owner_connection.fetchval(
        "SELECT count(*) FROM outbox WHERE topic = 'attendee.checked_in'"
        " AND payload->>'attendeeId' = $1",
        ticket["id"],
    )
    audits = await owner_connection.fetchval(
        "SELECT count(*) FROM audit_log WHERE action = 'attendee.checked_in' AND target_id = $1",
        ticket["id"],
    )
    version = await owner_connection.fetchval(
        "SELECT version FROM attendees WHERE id = $1::uuid", ticket["id"]
    )
    assert (messages, audits, version) == (1, 1, 2)
