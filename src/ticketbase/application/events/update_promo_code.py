"""Replace a promo code's spec (``PUT``), guarded by its version; its uses stay."""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.events.audit import changed_fields
from ticketbase.application.events.loading import (
    load_event,
    load_promo_code,
    organization_currency,
)
from ticketbase.application.ports.audit import AuditEntry
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.events.promo_code import PromoCode, PromoCodeSpec
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.shared.ids import EventId, PromoCodeId


@dataclass(frozen=True, slots=True)
class UpdatePromoCodeCommand:
    """``expected_version``: from ``If-Match`` or the body; ``None`` skips the check."""

    event_id: EventId
    promo_code_id: PromoCodeId
    spec: PromoCodeSpec
    expected_version: int | None = None


class UpdatePromoCode:
    def __init__(self, uow: UnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    async def __call__(self, command: UpdatePromoCodeCommand, actor: Actor) -> PromoCode:
        """``Conflict`` (field ``code``) when the new code is the event's already."""
        organization_id = require(actor, Permission.EVENTS_WRITE)
        now = self._clock.now()
        async with self._uow.for_tenant(organization_id) as tx:
            event = await load_event(tx, command.event_id)
            promo_code = await load_promo_code(tx, event, command.promo_code_id)
            before = promo_code.spec
            if promo_code.revise(
                command.spec,
                currency=await organization_currency(tx),
                ticket_type_ids=[t.id for t in await tx.ticket_types.of_event(event.id)],
                now=now,
                expected_version=command.expected_version,
            ):
                await tx.promo_codes.save(promo_code)
                await tx.audit.append(
                    AuditEntry(
                        id=self._ids.new(),
                        at=now,
                        actor_id=actor.user_id,
                        action="promo_code.updated",
                        target_type="promo_code",
                        target_id=str(promo_code.id),
                        meta=actor.meta,
                        changes={
                            "eventId": str(event.id),
                            "code": promo_code.code,
                            "fields": changed_fields(before, promo_code.spec),
                        },
                    )
                )
                await tx.commit()
        return promo_code
