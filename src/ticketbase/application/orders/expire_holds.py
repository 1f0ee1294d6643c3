"""Expire lapsed holds: a pending order whose ``expires_at`` has passed gives its tickets (and
its promo code's use) back, becomes ``expired`` and announces ``order.expired``.

Two callers, one rule (:func:`expire_order`):

- **The worker** (:class:`ExpireHolds`, every ``TICKETBASE_WORKER_HOLD_EXPIRY_INTERVAL_SECONDS``,
  at once again after a full batch). It asks the cross-tenant door which orders are due (whose
  and which, nothing more), then expires each in its own tenant transaction, so row level
  security holds for everything it reads and writes. Several workers may run at once: the look
  skips orders another transaction has locked, and each order is re-read locked and expired
  only while it is still pending, so an order is never expired (nor its stock given back)
  twice, and a payment that locked the order first wins: the sweep then finds it paid and
  leaves it alone. One order that fails is reported and skipped; the rest of the batch goes on.
- **A checkout that found the stock short** (:func:`free_lapsed_holds`): holds past their end
  count as free, so a stopped worker never blocks sales. The checkout expires the event's lapsed
  holds in its own transaction, right before it holds, so the stock it frees is its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from ticketbase.application.orders.announcements import order_announcement
from ticketbase.application.ports.orders import DueHold, HoldLine
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import TenantTransaction, UnitOfWork
from ticketbase.domain.events.errors import PromoCodeUsedUp
from ticketbase.domain.orders.errors import SoldOut
from ticketbase.domain.orders.order import Order
from ticketbase.domain.shared.errors import DomainError
from ticketbase.domain.shared.ids import EventId, PromoCodeId

MAX_BATCH = 500  # what the cross-tenant look returns at most
# A checkout frees at most this many lapsed holds before it holds: bounded work for one buyer,
# and plenty (each lapsed order gives back at least one ticket of what the buyer lacks).
LAPSED_PER_CHECKOUT = 20


@dataclass(frozen=True, slots=True)
class ExpiryPolicy:
    batch_size: int = 100

    def __post_init__(self) -> None:
        if not 1 <= self.batch_size <= MAX_BATCH:
            raise ValueError(f"the batch size is 1-{MAX_BATCH}")


@dataclass(frozen=True, slots=True)
class ExpiryReport:
    expired: tuple[DueHold, ...]
    failed: tuple[tuple[DueHold, str], ...]
    found: int
    batch_size: int

    @property
    def full(self) -> bool:
        """A full batch that got somewhere: more are probably due, so look again at once."""
        return self.found >= self.batch_size and bool(self.expired)


async def expire_order(
    tx: TenantTransaction, order: Order, now: datetime, message_id: UUID
) -> bool:
    """Expire ``order`` (read locked in ``tx``) and give its tickets back; ``False``, changing
    nothing, when it is no longer pending (paid, cancelled or expired meanwhile)."""
    fact = order.expire(now=now)
    if fact is None:
        return False
    lines = [(line.ticket_type_id, line.quantity) for line in order.lines]
    await tx.inventory.release(order.event_id, lines, order.promo_code_id)
    await tx.orders.save(order)
    await tx.outbox.add(order_announcement(fact, message_id))
    return True


async def free_lapsed_holds(
    tx: TenantTransaction,
    event_id: EventId,
    now: datetime,
    ids: IdGenerator,
    refused: DomainError,
    then_hold: Sequence[HoldLine],
    promo_code_id: PromoCodeId | None,
) -> int:
    """Before holding ``then_hold`` again after ``refused`` (``SoldOut``, ``EventSoldOut`` or
    ``PromoCodeUsedUp``): expire up to :data:`LAPSED_PER_CHECKOUT` lapsed holds of the event that
    give back what was short (a line of the sold-out type; the refused code; for the event's
    capacity, any), skipping those another transaction has locked. Returns how many.

    Call it before the transaction holds anything: giving tickets back and then holding touches
    ticket types in two passes, so every row either pass needs is locked first, in the one
    global order, and nothing waits out of order afterwards (which could deadlock)."""
    lapsed = await tx.orders.lapsed(
        event_id,
        now,
        LAPSED_PER_CHECKOUT,
        ticket_type_id=refused.ticket_type_id if isinstance(refused, SoldOut) else None,
        promo_code_id=promo_code_id if isinstance(refused, PromoCodeUsedUp) else None,
    )
    if not lapsed:
        return 0
    types = {t for t, _ in then_hold} | {
        line.ticket_type_id for order in lapsed for line in order.lines
    }
    codes = {o.promo_code_id for o in lapsed if o.promo_code_id is not None}
    if promo_code_id is not None:
        codes.add(promo_code_id)
    await tx.inventory.lock(event_id, types, codes)
    for order in lapsed:
        await expire_order(tx, order, now, ids.new())
    return len(lapsed)


class ExpireHolds:
    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        ids: IdGenerator,
        policy: ExpiryPolicy | None = None,
    ) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids
        self._policy = policy or ExpiryPolicy()

    async def __call__(self) -> ExpiryReport:
        """Expire one batch of due holds, each in its tenant's transaction."""
        now = self._clock.now()
        batch_size = self._policy.batch_size
        async with self._uow.system() as system:
            due = await system.expiring_holds.due(now, batch_size)
            await system.commit()
        expired: list[DueHold] = []
        failed: list[tuple[DueHold, str]] = []
        for hold in due:
            try:
                if await self._expire(hold, now):
                    expired.append(hold)
            except Exception as error:  # one broken order must not stall every later one
                failed.append((hold, f"{type(error).__name__}: {error}"[:500]))
        return ExpiryReport(tuple(expired), tuple(failed), len(due), batch_size)

    async def _expire(self, hold: DueHold, now: datetime) -> bool:
        async with self._uow.for_tenant(hold.organization_id) as tx:
            order = await tx.orders.lock(hold.order_id)
            if order is None or not await expire_order(tx, order, now, self._ids.new()):
                return False  # paid, cancelled or expired since the look: nothing to do
            await tx.commit()
        return True
