"""Which plan an organization is on, read on hot paths (every authenticated request's rate,
every upload's quota, every checkout's monthly allowance) from a per-process cache.

The cache is kept exact by the change feed (ports/cache.py): a plan change names the
organization's ``subscription_tag`` and every process drops its entry before the change's
response leaves. Checks that must be exact under concurrency (seats, published events) never
use it: they read the locked row in their own transaction (limits.py).
"""

from __future__ import annotations

from typing import TypeAlias

from ticketbase.application.ports.cache import Cache, subscription_tag
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.shared.ids import OrganizationId
from ticketbase.domain.subscriptions.plan import PlanCatalog, PlanLimits, PlanName

PlanCache: TypeAlias = Cache[OrganizationId, PlanName]


class CurrentPlans:
    def __init__(self, uow: UnitOfWork, catalog: PlanCatalog, cache: PlanCache) -> None:
        self._uow, self.catalog, self._cache = uow, catalog, cache

    async def plan_of(self, organization_id: OrganizationId) -> PlanName:
        plan = self._cache.get(organization_id)
        if plan is not None:
            return plan
        ticket = self._cache.ticket()
        async with self._uow.for_tenant(organization_id) as tx:
            subscription = await tx.subscriptions.get()
        plan = PlanName.FREE if subscription is None else subscription.plan
        self._cache.put(ticket, organization_id, plan, (subscription_tag(organization_id),))
        return plan

    async def limits_of(self, organization_id: OrganizationId) -> PlanLimits:
        return self.catalog[await self.plan_of(organization_id)]
