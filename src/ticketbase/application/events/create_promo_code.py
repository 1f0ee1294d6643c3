"""Add a promo code to an event: amounts in the organization's currency, only the event's own
ticket types, a code unique per event (case-insensitive)."""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.events.loading import load_event, organization_currency
from ticketbase.application.ports.audit import AuditEntry
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.events.promo_code import PromoCode, PromoCodeSpec
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.shared.ids import EventId, PromoCodeId


@dataclass(frozen=True, slots=True)
class CreatePromoCodeCommand:
    event_id: EventId
    spec: PromoCodeSpec


class CreatePromoCode:
    def __init__(self, uow: UnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    async def __call__(self, command: CreatePromoCodeCommand, actor: Actor) -> PromoCode:
        """``Conflict`` (field ``code``) when the event already has this code."""
        organization_id = require(actor, Permission.EVENTS_WRITE)
        now = self._clock.now()
        async with self._uow.for_tenant(organization_id) as tx:
            event = await load_event(tx, command.event_id)
            promo_code = PromoCode.create(
                id=PromoCodeId(self._ids.new()),
                event_id=event.id,
                spec=command.spec,
                currency=await organization_currency(tx),
                ticket_type_ids=[t.id for t in await tx.ticket_types.of_event(event.id)],
                now=now,
            )
            await tx.promo_codes.add(promo_code)
            await tx.audit.append(
                AuditEntry(
                    id=self._ids.new(),
                    at=now,
                    actor_id=actor.user_id,
                    action="promo_code.created",
                    target_type="promo_code",
                    target_id=str(promo_code.id),
                    meta=actor.meta,
                    changes={"eventId": str(event.id), "code": promo_code.code},
                )
            )
            await tx.commit()
        return promo_code
