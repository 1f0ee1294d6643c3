"""List the tenant's events for staff, every status, with filters, newest first."""

from __future__ import annotations

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.pagination import Page, PageRequest
from ticketbase.application.ports.events import EventFilter
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.events.event import Event
from ticketbase.domain.identity.permissions import Permission


class ListEvents:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, where: EventFilter, page: PageRequest, actor: Actor) -> Page[Event]:
        organization_id = require(actor, Permission.EVENTS_READ)
        async with self._uow.for_tenant(organization_id) as tx:
            return await tx.events.matching(where, page)
