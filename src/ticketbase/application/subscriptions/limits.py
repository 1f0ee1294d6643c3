"""The plan limits where they are spent: seats, published events, orders of the month.

**Seats and published events** are exact under concurrency. The use case calls
:func:`check_seat` / :func:`check_published_event` inside its business transaction, before its
insert: the organization's subscription row is locked (``SELECT … FOR UPDATE``), then the
current count is read. Two transactions racing for the last seat queue on that row; the second
counts after the first has committed and is refused. These are rare staff actions, so a lock
per organization costs nothing.

**Orders of the month** are on the checkout's hot path, where a counter row per organization
would be one more row every buyer of an on-sale updates (and waits on). Instead
:class:`MonthlyOrderAllowance` counts the month's orders with a bounded index range
(``ix_orders_created``, stopped at the limit) and then lets this process admit a share of what
is left — ``(remaining - 1) // PROCESS_SHARE`` — without counting again. Far from the limit a
checkout costs nothing (one dictionary look-up per order, one count per thousands); as the
month's allowance runs out the shares shrink to zero and every checkout counts, and once fewer
than ``LOCK_WITHIN`` orders are left it counts under the subscription row's lock, so the last
orders are exact (they queue on that row, which only happens to an organization at its limit).
The shares of up to ``PROCESS_SHARE`` processes checking out for one organization at once add
up to no more than what was left at their counts; more processes could overshoot by at most
their shares of one round (checkouts placed meanwhile are in the next count). Enterprise's unlimited
orders skip all of it. A refused or rolled-back checkout spends its share (never admits more).
"""

from __future__ import annotations

from datetime import UTC, datetime

from ticketbase.application.ports.unit_of_work import TenantTransaction
from ticketbase.application.subscriptions.plans import CurrentPlans
from ticketbase.domain.shared.ids import OrganizationId
from ticketbase.domain.subscriptions.plan import (
    LimitName,
    PlanCatalog,
    PlanLimitExceeded,
    check_room,
)

PROCESS_SHARE = 8
LOCK_WITHIN = 2 * PROCESS_SHARE


async def check_seat(tx: TenantTransaction, catalog: PlanCatalog, now: datetime) -> None:
    """Before adding a membership that takes a seat (active or invited)."""
    subscription = await tx.subscriptions.lock(now)
    check_room(catalog[subscription.plan], LimitName.SEATS, await tx.subscriptions.count_seats())


async def check_published_event(tx: TenantTransaction, catalog: PlanCatalog, now: datetime) -> None:
    """Before a draft becomes published."""
    subscription = await tx.subscriptions.lock(now)
    used = await tx.subscriptions.count_published_events()
    check_room(catalog[subscription.plan], LimitName.PUBLISHED_EVENTS, used)


def month_start(now: datetime) -> datetime:
    """Months are calendar months in UTC."""
    now = now.astimezone(UTC)
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


class MonthlyOrderAllowance:
    """One per process (see the module's docstring)."""

    def __init__(self, plans: CurrentPlans) -> None:
        self._plans = plans
        # organization → (month, limit the share was computed for, orders still admitted)
        self._shares: dict[OrganizationId, tuple[datetime, int, int]] = {}

    async def limit_of(self, organization_id: OrganizationId) -> int | None:
        """Read before the checkout's transaction (a cache miss opens its own)."""
        return (await self._plans.limits_of(organization_id)).orders_per_month

    async def admit(
        self,
        tx: TenantTransaction,
        organization_id: OrganizationId,
        limit: int | None,
        now: datetime,
    ) -> None:
        """Admit one order in ``tx`` (``organization_id``'s transaction, before its other
        locks), or raise ``PlanLimitExceeded``."""
        if limit is None:
            return
        month = month_start(now)
        share = self._shares.get(organization_id)
        if share is not None and share[0] == month and share[1] == limit and share[2] > 0:
            self._shares[organization_id] = (month, limit, share[2] - 1)
            return
        self._shares.pop(organization_id, None)
        used = await tx.subscriptions.count_orders_since(month, limit)
        if limit - used < LOCK_WITHIN:
            # Near the end: count again under the organization's lock, so the last are exact.
            await tx.subscriptions.lock(now)
            used = await tx.subscriptions.count_orders_since(month, limit)
        if used >= limit:
            raise PlanLimitExceeded(LimitName.ORDERS_PER_MONTH, limit, used)
        remaining = limit - used - 1  # after this order
        if remaining >= LOCK_WITHIN:
            self._shares[organization_id] = (month, limit, remaining // PROCESS_SHARE)
