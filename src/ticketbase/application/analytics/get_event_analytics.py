"""``GET /api/analytics/events/{id}``: one event's sales over a period with its ticket types
(``analytics:read``); 404 for an event the tenant does not have."""

from __future__ import annotations

from ticketbase.application.analytics.get_sales_summary import SalesSummary, summarise
from ticketbase.application.analytics.period import DateRange
from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.ports.system import Clock
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.shared.ids import EventId


class GetEventAnalytics:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, event_id: EventId, dates: DateRange, actor: Actor) -> SalesSummary:
        organization_id = require(actor, Permission.ANALYTICS_READ)
        async with self._uow.for_tenant(organization_id) as tx:
            return await summarise(tx, dates, self._clock, event_id)
