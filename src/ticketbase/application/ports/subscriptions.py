"""Subscriptions: the plan row of the tenant, the counts its limits need, and billing.

``lock`` is the limit lock (migration 0016): a use case that adds something a plan counts takes
it first, in the business transaction, then counts and inserts; a concurrent one waits for the
commit and counts what the first added. The counts are exact reads of the tenant's rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ticketbase.domain.shared.ids import OrganizationId
from ticketbase.domain.subscriptions.plan import PlanName, Subscription


class SubscriptionRepository(Protocol):
    async def get(self) -> Subscription | None:
        """The stored subscription (None: never changed, i.e. free)."""
        ...

    async def lock(self, now: datetime) -> Subscription:
        """The subscription row, created on free when missing, locked until the transaction ends."""
        ...

    async def save(self, subscription: Subscription) -> None:
        """Store a changed subscription (``version`` one above the stored one, else
        ``StaleVersion``)."""
        ...

    async def count_seats(self) -> int:
        """Memberships that take a seat: active and invited (not deactivated)."""
        ...

    async def count_published_events(self) -> int: ...

    async def count_orders_since(self, since: datetime, at_most: int) -> int:
        """Orders created at or after ``since``, counting no further than ``at_most``."""
        ...


@dataclass(frozen=True, slots=True)
class BillingChange:
    """What the billing provider answered for a plan change."""

    provider: str
    reference: str | None


class BillingGateway(Protocol):
    """Where a plan change is billed. ``manual``: nothing to call (invoiced by hand);
    ``stripe``: a Stripe subscription whose price is the plan's. Outages are
    ``DependencyUnavailable("billing")``."""

    async def change_plan(
        self, organization_id: OrganizationId, plan: PlanName, current_reference: str | None
    ) -> BillingChange: ...
