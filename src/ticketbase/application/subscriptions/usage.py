"""What an organization uses of its plan, read in one tenant transaction."""

from __future__ import annotations

from datetime import datetime

from ticketbase.application.ports.unit_of_work import TenantTransaction
from ticketbase.application.subscriptions.limits import month_start
from ticketbase.domain.subscriptions.plan import Usage

# Counting the month's orders stops here: no plan allows more, and the index range stays bounded.
ORDERS_COUNTED_AT_MOST = 10**9


async def current_usage(tx: TenantTransaction, now: datetime) -> Usage:
    return Usage(
        seats=await tx.subscriptions.count_seats(),
        published_events=await tx.subscriptions.count_published_events(),
        orders_this_month=await tx.subscriptions.count_orders_since(
            month_start(now), ORDERS_COUNTED_AT_MOST
        ),
        storage_bytes=await tx.storage_usage.used(),
    )
