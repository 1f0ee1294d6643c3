"""``POST /api/orders/{id}/resend-confirmation``: staff (``orders:manage``) send the buyer
their confirmation email again (lost, deleted, sent to spam).

It writes a new ``order.confirmation`` message (a new id: the sent-mail ledger and the email's
``Message-ID`` tell it apart from the first, so it is delivered, as asked) and audits it; the
worker sends it. Only an order whose tickets admit has one to resend: paid or partially
refunded (409 ``order_not_confirmable`` otherwise: a pending order has no tickets yet, a
cancelled, expired or fully refunded one only void ones)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.orders.access import OrderAccess, load_order
from ticketbase.application.orders.announcements import confirmation
from ticketbase.application.orders.audit import staff_action
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.orders.order import OrderStatus
from ticketbase.domain.shared.errors import Conflict
from ticketbase.domain.shared.ids import OrderId

_ADMITTING = frozenset({OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED})


class OrderNotConfirmable(Conflict):
    """The order has no valid tickets to confirm."""

    code = "order_not_confirmable"


@dataclass(frozen=True, slots=True)
class QueuedConfirmation:
    order_id: OrderId
    message_id: UUID


class ResendConfirmation:
    def __init__(self, uow: UnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    async def __call__(self, order_id: OrderId, actor: Actor) -> QueuedConfirmation:
        organization_id = require(actor, Permission.ORDERS_MANAGE)
        now = self._clock.now()
        async with self._uow.for_tenant(organization_id) as tx:
            order = await load_order(tx, order_id, OrderAccess.staff(actor))
            if order.status not in _ADMITTING:
                raise OrderNotConfirmable(
                    f"a {order.status.value} order has no valid tickets to confirm"
                )
            message = confirmation(order.id, now, self._ids.new())
            await tx.outbox.add(message)
            await tx.audit.append(
                staff_action(
                    actor,
                    "order.confirmation_resent",
                    "order",
                    order.id,
                    at=now,
                    entry_id=self._ids.new(),
                    changes={"messageId": str(message.id)},
                )
            )
            await tx.commit()
        return QueuedConfirmation(order.id, message.id)
