"""Analytics over HTTP on PostgreSQL, against numbers computed by hand: orders placed and paid
through the API, their payment instants then moved around midnight in New York (the tenant's
zone), a partial and a full refund, a check-in, another tenant's sale; who may read (owner,
analyst) and who may not (support: 403), another tenant's event (404), and the dates (422)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import pytest
from tests.integration.http.conftest import Tenant
from tests.integration.http.test_attendees import paid, scan
from tests.integration.http.test_conventions import assert_problem
from tests.integration.http.test_events import storefront
from tests.integration.http.test_orders import on_sale, order_body

from ticketbase.domain.identity.permissions import Role

pytestmark = pytest.mark.anyio

PERIOD = "from=2026-03-01&to=2026-03-02"


async def paid_at(connection: asyncpg.Connection, order: dict[str, Any], at: datetime) -> None:
    """Move a payment to ``at`` (the API stamps the clock's now)."""
    await connection.execute("UPDATE orders SET paid_at = $2 WHERE id = $1", order["id"], at)


async def refund(
    client: httpx.AsyncClient, tenant: Tenant, order: dict[str, Any], amount: int
) -> None:
    refunded = await client.post(
        f"/api/orders/{order['id']}/refund",
        json={"amount": {"amount": amount, "currency": "EUR"}},
        headers=tenant.auth(),
    )
    assert refunded.status_code == 200, refunded.text


async def scene(
    client: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    connection: asyncpg.Connection,
) -> dict[str, Any]:
    await in_zone(client, tenant, "America/New_York")
    event = await on_sale(client, tenant)  # General admission at EUR 25.00
    # 23:30 on March 1st in New York (04:30 UTC on the 2nd): 1 ticket, 2500.
    first = await paid(client, tenant, event, 1)
    await paid_at(connection, first, datetime(2026, 3, 2, 4, 30, tzinfo=UTC))
    # 00:30 on the 2nd: 2 tickets, 5000, 1500 refunded, one ticket admitted.
    second = await paid(client, tenant, event, 2)
    scanned = await scan(client, tenant, second["attendees"][0]["ticketCode"], event["id"])
    assert scanned.status_code == 200, scanned.text
    await refund(client, tenant, second, 1500)
    await paid_at(connection, second, datetime(2026, 3, 2, 5, 30, tzinfo=UTC))
    # The 2nd, refunded in full: money only.
    third = await paid(client, tenant, event, 1)
    await refund(client, tenant, third, 2500)
    await paid_at(connection, third, datetime(2026, 3, 2, 15, tzinfo=UTC))
    # 23:59 on February 28th in New York: before the period.
    early = await paid(client, tenant, event, 1)
    await paid_at(connection, early, datetime(2026, 3, 1, 4, 59, tzinfo=UTC))
    # Never paid.
    placed = await client.post("/api/orders", json=order_body(event, 3), headers=storefront(tenant))
    assert placed.status_code == 201, placed.text
    # Another tenant's sale in the period.
    rival_event = await on_sale(client, other_tenant)
    rival = await paid(client, other_tenant, rival_event, 4)
    await paid_at(connection, rival, datetime(2026, 3, 2, 12, tzinfo=UTC))
    return event


async def in_zone(client: httpx.AsyncClient, tenant: Tenant, zone: str) -> None:
    settings = {"timezone": zone, "currency": "EUR", "locale": "en", "allowedOrigins": []}
    response = await client.put(
        f"/api/organizations/{tenant.organization.id}",
        json={"name": "Acme Events", "settings": settings},
        headers=tenant.auth(),
    )
    assert response.status_code == 200, response.text


def money(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": "EUR"}


async def test_the_summary_and_an_events_figures_add_up_by_hand(
    client: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    owner_connection: asyncpg.Connection,
) -> None:
    event = await scene(client, tenant, other_tenant, owner_connection)
    summary = await client.get(f"/api/analytics/summary?{PERIOD}", headers=tenant.auth())
    assert summary.status_code == 200, summary.text
    body = summary.json()
    assert body == {
        "from": "2026-03-01",
        "to": "2026-03-02",
        "timezone": "America/New_York",
        "revenue": money(2500 + 3500 + 0),
        "refunded": money(1500 + 2500),
        "otherCurrencies": [],
        "orders": 2,
        "ticketsSold": 3,
        "checkedIn": 1,
        "checkInRate": 0.3333,
        "topEvents": [
            {
                "eventId": event["id"],
                "name": "Summer Jazz Night",
                "ticketsSold": 3,
                "revenue": money(6000),
            }
        ],
        "daily": [
            {"date": "2026-03-01", "orders": 1, "ticketsSold": 1, "revenue": money(2500)},
            {"date": "2026-03-02", "orders": 1, "ticketsSold": 2, "revenue": money(3500)},
        ],
    }
    filtered = await client.get(
        f"/api/analytics/summary?{PERIOD}&eventId={event['id']}", headers=tenant.auth()
    )
    assert filtered.json() == body

    one = await client.get(
        f"/api/analytics/events/{event['id']}?{PERIOD}", headers=tenant.auth(Role.ANALYST)
    )
    assert one.status_code == 200, one.text
    figures = one.json()
    assert {k: figures[k] for k in body} == body
    assert figures["eventId"] == event["id"]
    assert figures["name"] == "Summer Jazz Night"
    # The lines' totals (2500 + 5000): the partial refund is the order's, not a line's.
    assert figures["ticketTypes"] == [
        {
            "ticketTypeId": event["ticketTypeId"],
            "name": "General admission",
            "ticketsSold": 3,
            "revenue": money(7500),
            "checkedIn": 1,
        }
    ]
    # The same instants in UTC days: the three on March 2nd, and the one of 04:59 UTC on March
    # 1st (February 28th in New York) now inside the period.
    await in_zone(client, tenant, "UTC")
    utc = (await client.get(f"/api/analytics/summary?{PERIOD}", headers=tenant.auth())).json()
    assert utc["daily"] == [
        {"date": "2026-03-01", "orders": 1, "ticketsSold": 1, "revenue": money(2500)},
        {"date": "2026-03-02", "orders": 2, "ticketsSold": 3, "revenue": money(6000)},
    ]
    assert (utc["timezone"], utc["orders"], utc["revenue"]) == ("UTC", 3, money(8500))


async def test_who_may_read_and_what_another_tenant_sees(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    event = await on_sale(client, tenant)
    path = f"/api/analytics/events/{event['id']}"
    for role, status in ((Role.OWNER, 200), (Role.ANALYST, 200), (Role.SUPPORT, 403)):
        assert (await client.get(path, headers=tenant.auth(role))).status_code == status
        summary = await client.get("/api/analytics/summary", headers=tenant.auth(role))
        assert summary.status_code == status
    assert (await client.get("/api/analytics/summary")).status_code == 401
    assert_problem(await client.get(path, headers=other_tenant.auth()), 404, "not_found")
    assert_problem(
        await client.get(
            f"/api/analytics/summary?eventId={event['id']}", headers=other_tenant.auth()
        ),
        404,
        "not_found",
    )
    empty = (await client.get("/api/analytics/summary", headers=other_tenant.auth())).json()
    assert (empty["orders"], empty["daily"], empty["revenue"]) == (0, [], money(0))


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-03-02&to=2026-03-01",  # ends before it starts
        "from=2025-01-01&to=2026-03-01",  # longer than 366 days
        "from=yesterday",
        "to=2026-02-30",
    ],
)
async def test_dates_are_validated(client: httpx.AsyncClient, tenant: Tenant, query: str) -> None:
    response = await client.get(f"/api/analytics/summary?{query}", headers=tenant.auth())
    assert_problem(response, 422, "validation_failed")
