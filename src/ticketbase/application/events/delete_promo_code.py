"""Remove a promo code from an event."""

from __future__ import annotations

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.events.loading import load_event, load_promo_code
from ticketbase.application.ports.audit import AuditEntry
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.shared.ids import EventId, PromoCodeId


class DeletePromoCode:
    def __init__(self, uow: UnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    async def __call__(self, event_id: EventId, promo_code_id: PromoCodeId, actor: Actor) -> None:
        organization_id = require(actor, Permission.EVENTS_WRITE)
        now = self._clock.now()
        async with self._uow.for_tenant(organization_id) as tx:
            event = await load_event(tx, event_id)
            promo_code = await load_promo_code(tx, event, promo_code_id)
            await tx.promo_codes.delete(promo_code.id)
            await tx.audit.append(
                AuditEntry(
                    id=self._ids.new(),
                    at=now,
                    actor_id=actor.user_id,
                    action="promo_code.deleted",
                    target_type="promo_code",
                    target_id=str(promo_code.id),
                    meta=actor.meta,
                    changes={
                        "eventId": str(event.id),
                        "code": promo_code.code,
                        "uses": promo_code.uses,
                    },
                )
            )
            await tx.commit()
