"""Events, ticket types and promo codes over HTTP on the real database: staff management,
permissions, the storefront's public reads, tenancy, and caches across two app instances."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
from tests.integration.http.conftest import AppFactory, Tenant, running
from tests.integration.http.test_conventions import assert_problem

from ticketbase.domain.identity.permissions import Role

pytestmark = pytest.mark.anyio
BASE = "ticketbase.localhost"
SOON = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)


def event_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Summer Jazz Night",
        "description": "Outdoor concert",
        "venue": {"name": "Park Stage", "address": "1 Park Rd", "city": "Lisbon", "country": "PT"},
        "startsAt": SOON.isoformat(),
        "endsAt": (SOON + timedelta(hours=3)).isoformat(),
        "timezone": "Europe/Lisbon",
    }
    return body | changes


def ticket_type_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "General admission",
        "price": {"amount": 2500, "currency": "EUR"},
        "quantity": 100,
    }
    return body | changes


async def create_event(client: httpx.AsyncClient, tenant: Tenant, **changes: Any) -> dict[str, Any]:
    response = await client.post("/api/events", json=event_body(**changes), headers=tenant.auth())
    assert response.status_code == 201, response.text
    return dict(response.json())


async def published_event(
    client: httpx.AsyncClient, tenant: Tenant, **changes: Any
) -> dict[str, Any]:
    event = await create_event(client, tenant, **changes)
    added = await client.post(
        f"/api/events/{event['id']}/ticket-types", json=ticket_type_body(), headers=tenant.auth()
    )
    assert added.status_code == 201, added.text
    published = await client.post(f"/api/events/{event['id']}/publish", headers=tenant.auth())
    assert published.status_code == 200, published.text
    return dict(published.json())


def storefront(tenant: Tenant) -> dict[str, str]:
    return {"x-organization": tenant.organization.slug.value}


async def test_an_event_is_created_as_a_draft_with_a_derived_slug(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    event = await create_event(client, tenant)
    assert event["status"] == "draft"
    assert event["slug"] == "summer-jazz-night"
    assert event["version"] == 1
    assert event["ticketTypes"] == []
    taken = await client.post("/api/events", json=event_body(), headers=tenant.auth())
    body = assert_problem(taken, 409, "conflict")
    assert body["errors"][0]["field"] == "slug"  # type: ignore[index]


async def test_the_storefront_sees_published_events_only_without_staff_fields(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    draft = await create_event(client, tenant, name="Draft Only")
    assert_problem(
        await client.get(f"/api/events/{draft['slug']}", headers=storefront(tenant)),
        404,
        "not_found",
    )
    event = await published_event(client, tenant)
    for headers in (storefront(tenant), {"host": f"{tenant.organization.slug.value}.{BASE}"}):
        public = await client.get(f"/api/events/{event['slug']}", headers=headers)
        assert public.status_code == 200, public.text
        body = public.json()
        assert body["name"] == "Summer Jazz Night"
        assert "status" not in body
        assert "version" not in body
        [ticket_type] = body["ticketTypes"]
        assert ticket_type["available"] == 100
        assert ticket_type["currentPrice"] == {"amount": 2500, "currency": "EUR"}
        assert "sold" not in ticket_type
        assert "held" not in ticket_type
        assert public.headers["etag"]
    listed = await client.get("/api/events", headers=storefront(tenant))
    assert [e["slug"] for e in listed.json()["items"]] == [event["slug"]]


async def test_staff_read_drafts_by_slug_or_id_with_sales_counts(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    event = await create_event(client, tenant)
    await client.post(
        f"/api/events/{event['id']}/ticket-types", json=ticket_type_body(), headers=tenant.auth()
    )
    for reference in (event["slug"], event["id"]):
        read = await client.get(f"/api/events/{reference}", headers=tenant.auth(Role.ANALYST))
        assert read.status_code == 200, read.text
        body = read.json()
        assert body["status"] == "draft"
        assert body["ticketTypes"][0]["sold"] == 0
        assert body["ticketTypes"][0]["held"] == 0


@pytest.mark.parametrize(
    ("role", "writes"),
    [
        (Role.OWNER, True),
        (Role.ADMIN, True),
        (Role.MANAGER, True),
        (Role.SUPPORT, False),
        (Role.ANALYST, False),
    ],
)
async def test_managers_and_up_write_and_every_role_reads(
    client: httpx.AsyncClient, tenant: Tenant, role: Role, writes: bool
) -> None:
    created = await client.post("/api/events", json=event_body(), headers=tenant.auth(role))
    if writes:
        assert created.status_code == 201, created.text
    else:
        assert_problem(created, 403, "permission_denied")
    listed = await client.get("/api/events", headers=tenant.auth(role))
    assert listed.status_code == 200


async def test_another_tenants_events_are_404_and_untouched(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    event = await create_event(client, tenant)
    theirs = other_tenant.auth()
    for response in (
        await client.get(f"/api/events/{event['id']}", headers=theirs),
        await client.put(f"/api/events/{event['id']}", json={"name": "Mine"}, headers=theirs),
        await client.post(f"/api/events/{event['id']}/publish", headers=theirs),
        await client.get(f"/api/events/{event['id']}/ticket-types", headers=theirs),
        await client.post(
            f"/api/events/{event['id']}/ticket-types", json=ticket_type_body(), headers=theirs
        ),
    ):
        assert_problem(response, 404, "not_found")
    mine = await client.get(f"/api/events/{event['id']}", headers=tenant.auth())
    assert mine.json()["name"] == "Summer Jazz Night"
    listed = await client.get("/api/events", headers=theirs)
    assert listed.json()["items"] == []


async def test_invalid_inputs_are_422_on_the_field_as_sent(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    cases = [
        (event_body(timezone="Mars/Olympus"), "timezone"),
        (event_body(endsAt=SOON.isoformat()), "endsAt"),
        (event_body(startsAt="2026-07-01T20:00:00"), "startsAt"),
        (
            event_body(
                venue={
                    "name": "X",
                    "address": "Y",
                    "city": "Z",
                    "country": "PT",
                    "lat": 91,
                    "lng": 0,
                }
            ),
            "venue.lat",
        ),
        (event_body(unknown=1), "unknown"),
        (event_body(metadata={"a": "x" * 70_000}), "metadata"),
    ]
    for body, field in cases:
        response = await client.post("/api/events", json=body, headers=tenant.auth())
        problem = assert_problem(response, 422, "validation_failed")
        assert problem["errors"][0]["field"] == field, (field, problem)  # type: ignore[index]
    event = await create_event(client, tenant)
    tier = {
        "name": "Early",
        "price": {"amount": 1500, "currency": "EUR"},
        "endsAt": "2026-01-01T00:00:00",
    }
    response = await client.post(
        f"/api/events/{event['id']}/ticket-types",
        json=ticket_type_body(tiers=[tier]),
        headers=tenant.auth(),
    )
    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"][0]["field"] == "tiers[0].endsAt"  # type: ignore[index]


async def test_publishing_needs_a_visible_ticket_type_and_a_stale_version_is_409(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    event = await create_event(client, tenant)
    assert_problem(
        await client.post(f"/api/events/{event['id']}/publish", headers=tenant.auth()),
        409,
        "event_not_publishable",
    )
    renamed = await client.put(
        f"/api/events/{event['id']}",
        json={"name": "Renamed"},
        headers={**tenant.auth(), "if-match": '"1"'},
    )
    assert renamed.json()["version"] == 2
    stale = await client.put(
        f"/api/events/{event['id']}",
        json={"name": "Again"},
        headers={**tenant.auth(), "if-match": '"1"'},
    )
    assert_problem(stale, 409, "version_conflict")


async def test_publish_and_cancel_write_the_outbox_and_the_audit_log(
    client: httpx.AsyncClient, tenant: Tenant, owner_connection: asyncpg.Connection
) -> None:
    event = await published_event(client, tenant)
    cancelled = await client.post(f"/api/events/{event['id']}/cancel", headers=tenant.auth())
    assert cancelled.json()["status"] == "cancelled"
    topics = await owner_connection.fetch(
        "SELECT topic, payload->>'eventId' AS event FROM outbox "
        "WHERE organization_id = $1 ORDER BY created_at, topic",
        tenant.organization.id,
    )
    assert [(r["topic"], r["event"]) for r in topics] == [
        ("event.published", event["id"]),
        ("event.cancelled", event["id"]),
    ]
    actions = await owner_connection.fetch(
        "SELECT action FROM audit_log WHERE organization_id = $1 AND target_id = $2 ORDER BY at",
        tenant.organization.id,
        event["id"],
    )
    assert [r["action"] for r in actions][-2:] == ["event.published", "event.cancelled"]
    assert_problem(
        await client.get(f"/api/events/{event['slug']}", headers=storefront(tenant)),
        404,
        "not_found",
    )


async def test_promo_codes_are_case_insensitive_and_unique_per_event(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    event = await create_event(client, tenant)
    path = f"/api/events/{event['id']}/promo-codes"
    created = await client.post(
        path, json={"code": "summer10", "discount": {"percent": 10}}, headers=tenant.auth()
    )
    assert created.status_code == 201, created.text
    assert created.json()["code"] == "SUMMER10"
    again = await client.post(
        path, json={"code": "Summer10", "discount": {"percent": 20}}, headers=tenant.auth()
    )
    assert_problem(again, 409, "conflict")
    both = await client.post(
        path,
        json={
            "code": "BOTH",
            "discount": {"percent": 5, "amount": {"amount": 1, "currency": "EUR"}},
        },
        headers=tenant.auth(),
    )
    assert assert_problem(both, 422, "validation_failed")["errors"][0]["field"] == "discount"  # type: ignore[index]
    listed = await client.get(path, headers=tenant.auth())
    assert [p["code"] for p in listed.json()["items"]] == ["SUMMER10"]
    promo = created.json()
    removed = await client.delete(f"{path}/{promo['id']}", headers=tenant.auth())
    assert removed.status_code == 204


async def test_times_round_trip_exactly_around_dst_changes(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    for zone, local in (
        ("America/New_York", datetime(2027, 3, 14, 1, 30)),
        ("Europe/Berlin", datetime(2027, 3, 28, 1, 30)),
        ("Australia/Sydney", datetime(2027, 4, 4, 2, 30)),
    ):
        starts = local.replace(tzinfo=ZoneInfo(zone))
        event = await create_event(
            client,
            tenant,
            name=f"DST {zone}",
            startsAt=starts.isoformat(),
            endsAt=(starts + timedelta(hours=2)).isoformat(),
            timezone=zone,
        )
        read = (await client.get(f"/api/events/{event['id']}", headers=tenant.auth())).json()
        # Compared as instants: Python never calls two zones' times in a repeated hour equal.
        assert datetime.fromisoformat(read["startsAt"]).timestamp() == starts.timestamp()
        assert read["timezone"] == zone
        saved = await client.put(
            f"/api/events/{event['id']}", json={"description": "again"}, headers=tenant.auth()
        )
        assert datetime.fromisoformat(saved.json()["startsAt"]).timestamp() == starts.timestamp()


@pytest.fixture
async def pair(make_app: AppFactory) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    async with AsyncExitStack() as stack:
        a = await stack.enter_async_context(running(make_app()))
        b = await stack.enter_async_context(running(make_app()))
        yield a, b


async def test_a_change_on_one_instance_reaches_the_others_storefront_at_the_next_request(
    make_app: AppFactory,
) -> None:
    async with AsyncExitStack() as stack:
        a_app, b_app = make_app(), make_app()
        a = await stack.enter_async_context(running(a_app))
        b = await stack.enter_async_context(running(b_app))
        from tests.integration.http.conftest import new_tenant

        tenant = await new_tenant(a_app)
        event = await published_event(a, tenant)
        path = f"/api/events/{event['slug']}"
        assert (await b.get(path, headers=storefront(tenant))).json()["name"] == "Summer Jazz Night"
        assert len((await b.get("/api/events", headers=storefront(tenant))).json()["items"]) == 1
        await a.put(f"/api/events/{event['id']}", json={"name": "Renamed"}, headers=tenant.auth())
        assert (await b.get(path, headers=storefront(tenant))).json()["name"] == "Renamed"
        assert (await b.get("/api/events", headers=storefront(tenant))).json()["items"][0][
            "name"
        ] == "Renamed"
        await a.post(f"/api/events/{event['id']}/cancel", headers=tenant.auth())
        assert_problem(await b.get(path, headers=storefront(tenant)), 404, "not_found")
        assert (await b.get("/api/events", headers=storefront(tenant))).json()["items"] == []
        second = await published_event(a, tenant, name="Second Show")
        assert [
            e["slug"]
            for e in (await b.get("/api/events", headers=storefront(tenant))).json()["items"]
        ] == [second["slug"]]


async def test_the_storefront_list_pages_soonest_first(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    slugs = []
    for days in (9, 3, 6):
        starts = SOON + timedelta(days=days)
        event = await published_event(
            client,
            tenant,
            name=f"Show in {days}",
            startsAt=starts.isoformat(),
            endsAt=(starts + timedelta(hours=1)).isoformat(),
        )
        slugs.append((days, event["slug"]))
    first = (await client.get("/api/events?limit=2", headers=storefront(tenant))).json()
    assert [e["slug"] for e in first["items"]] == [s for _, s in sorted(slugs)][:2]
    rest = (
        await client.get(
            f"/api/events?limit=2&cursor={first['nextCursor']}", headers=storefront(tenant)
        )
    ).json()
    assert [e["slug"] for e in rest["items"]] == [sorted(slugs)[2][1]]
    assert rest["nextCursor"] is None


async def test_an_unknown_storefront_is_404(client: httpx.AsyncClient) -> None:
    assert_problem(
        await client.get(
            "/api/events", headers={"x-organization": f"nobody-{uuid.uuid4().hex[:8]}"}
        ),
        404,
        "not_found",
    )


async def test_a_verified_custom_domain_serves_the_storefront(
    app: object, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    from ticketbase.application.identity.verify_custom_domain import VerifyCustomDomain

    event = await published_event(client, tenant)
    domain = f"tickets-{uuid.uuid4().hex[:8]}.example.org"
    await client.put(
        f"/api/organizations/{tenant.organization.id}",
        json={"customDomains": [domain]},
        headers=tenant.auth(),
    )
    path = f"/api/events/{event['slug']}"
    assert_problem(await client.get(path, headers={"host": domain}), 404, "not_found")
    async with app.state.dishka_container() as request:  # type: ignore[attr-defined]
        verify = await request.get(VerifyCustomDomain)
        await verify(tenant.organization.slug.value, domain)
    served = await client.get(path, headers={"host": domain})
    assert served.status_code == 200, served.text
    assert served.json()["id"] == event["id"]
    listed = await client.get("/api/events", headers={"host": domain})
    assert [e["id"] for e in listed.json()["items"]] == [event["id"]]


async def test_staff_reads_of_an_event_see_every_change_at_once(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    """The staff view is read from the database, never replayed from the storefront's cache."""
    event = await create_event(client, tenant)
    auth = tenant.auth()  # one token, as an app sends it on every call
    for reference in (event["slug"], event["id"]):
        first = await client.get(f"/api/events/{reference}", headers=auth)
        assert first.json()["version"] == 1
    await client.put(f"/api/events/{event['id']}", json={"name": "Changed"}, headers=auth)
    for reference in (event["slug"], event["id"]):
        again = await client.get(f"/api/events/{reference}", headers=auth)
        assert again.json()["name"] == "Changed"
        assert again.json()["version"] == 2
