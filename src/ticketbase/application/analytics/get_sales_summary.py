"""``GET /api/analytics/summary``: the organization's sales over a period, optionally of one
event (``analytics:read``). Everything is summed by the ``SalesAnalytics`` port in the
database; see application/ports/analytics.py for what counts and how refunds are dated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ticketbase.application.analytics.period import DateRange, period_of
from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.ports.analytics import Figures
from ticketbase.application.ports.system import Clock
from ticketbase.application.ports.unit_of_work import TenantTransaction, UnitOfWork
from ticketbase.domain.events.errors import EventNotFound
from ticketbase.domain.events.event import Event
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.shared.errors import NotFound
from ticketbase.domain.shared.ids import EventId


@dataclass(frozen=True, slots=True)
class SalesSummary:
    first: date
    last: date
    timezone: str
    currency: str
    """The organization's currency: day, event and ticket type revenue are in it."""
    figures: Figures
    event: Event | None = None


class GetSalesSummary:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(
        self, dates: DateRange, actor: Actor, event_id: EventId | None = None
    ) -> SalesSummary:
        organization_id = require(actor, Permission.ANALYTICS_READ)
        async with self._uow.for_tenant(organization_id) as tx:
            return await summarise(tx, dates, self._clock, event_id)


async def summarise(
    tx: TenantTransaction, dates: DateRange, clock: Clock, event_id: EventId | None
) -> SalesSummary:
    organization = await tx.organizations.get()
    if organization is None:
        raise NotFound("no such organization")
    settings = organization.settings
    period, first, last = period_of(dates, settings.timezone, clock.now())
    event = None
    if event_id is not None:
        # Another tenant's event is invisible here (row level security): 404 like a missing one.
        event = await tx.events.get(event_id)
        if event is None:
            raise EventNotFound("no such event")
    figures = await tx.analytics.figures(period, settings.currency, event_id)
    return SalesSummary(first, last, settings.timezone, settings.currency, figures, event)
