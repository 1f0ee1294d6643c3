"""The organization's plan and its limits (every member may read them)."""

from __future__ import annotations

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.ports.system import Clock
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.application.subscriptions.views import SubscriptionView
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.subscriptions.plan import PlanCatalog, Subscription


class GetSubscription:
    def __init__(self, uow: UnitOfWork, catalog: PlanCatalog, clock: Clock) -> None:
        self._uow, self._catalog, self._clock = uow, catalog, clock

    async def __call__(self, actor: Actor) -> SubscriptionView:
        organization_id = require(actor, Permission.ORGANIZATION_READ)
        async with self._uow.for_tenant(organization_id) as tx:
            subscription = await tx.subscriptions.get()
        if subscription is None:  # never changed: free since the organization was created
            subscription = Subscription.initial(organization_id, self._clock.now())
        return SubscriptionView(subscription, self._catalog[subscription.plan])
