"""List an event's promo codes with their uses (``events:write``: codes are not for every
reader's eyes)."""

from __future__ import annotations

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.events.loading import load_event
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.events.promo_code import PromoCode
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.shared.ids import EventId


class ListPromoCodes:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, event_id: EventId, actor: Actor) -> list[PromoCode]:
        """In the order they were added."""
        organization_id = require(actor, Permission.EVENTS_WRITE)
        async with self._uow.for_tenant(organization_id) as tx:
            event = await load_event(tx, event_id)
            return await tx.promo_codes.of_event(event.id)
