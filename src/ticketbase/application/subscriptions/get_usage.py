"""Usage against the plan's limits, counted now (exact reads, no cache)."""

from __future__ import annotations

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.ports.system import Clock
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.application.subscriptions.usage import current_usage
from ticketbase.application.subscriptions.views import UsageView
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.subscriptions.plan import PlanCatalog, Subscription


class GetUsage:
    def __init__(self, uow: UnitOfWork, catalog: PlanCatalog, clock: Clock) -> None:
        self._uow, self._catalog, self._clock = uow, catalog, clock

    async def __call__(self, actor: Actor) -> UsageView:
        organization_id = require(actor, Permission.ORGANIZATION_READ)
        now = self._clock.now()
        async with self._uow.for_tenant(organization_id) as tx:
            subscription = await tx.subscriptions.get() or Subscription.initial(
                organization_id, now
            )
            usage = await current_usage(tx, now)
        return UsageView(subscription, self._catalog[subscription.plan], usage)
