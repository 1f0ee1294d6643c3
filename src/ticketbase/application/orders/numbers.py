"""Order numbers without a per-organization bottleneck.

A gapless counter taken inside the checkout serialises every checkout of an organization: its
row stays locked from the ``UPDATE`` to the commit, so at an on-sale the second buyer waits for
the first one's whole transaction (measured: the checkout ran at a fifth of the raw SQL's rate
with the counter and the hot ticket type both held through the commit). So numbers are reserved
in a short transaction of their own, before the checkout's, and kept per process:

- **Quiet times**: one number per reservation, so an organization selling a ticket now and then
  sees 1, 2, 3 …
- **Rushes**: when a reservation was used up within ``RUSH`` the next one is twice as large (up
  to ``MAX_BLOCK``), so a busy process touches the counter row once per block.

Numbers stay unique (the counter only grows; ``uq_orders_number`` stands behind it) and mostly
follow time, but they may skip: a refused checkout drops the number it took, a process that
stops drops the rest of its block, and two processes interleave their blocks. An order number
names an order for people (on the phone, at the door); it is not an invoice number.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ticketbase.application.ports.system import Clock
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.shared.ids import OrganizationId

RUSH = timedelta(seconds=1)
MAX_BLOCK = 64


@dataclass
class _Block:
    next: int = 0
    last: int = -1
    size: int = 0
    reserved_at: datetime | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class OrderNumbers:
    """One per process (it remembers the blocks it reserved)."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock
        self._blocks: dict[OrganizationId, _Block] = {}

    async def next(self, organization_id: OrganizationId) -> int:
        block = self._blocks.setdefault(organization_id, _Block())
        if block.next > block.last:
            async with block.lock:
                if block.next > block.last:
                    await self._reserve(organization_id, block)
        number = block.next
        block.next += 1
        return number

    async def _reserve(self, organization_id: OrganizationId, block: _Block) -> None:
        now = self._clock.now()
        rushed = block.reserved_at is not None and now - block.reserved_at < RUSH
        size = min(block.size * 2, MAX_BLOCK) if rushed else 1
        async with self._uow.for_tenant(organization_id) as tx:
            last = await tx.orders.next_number(size)
            await tx.commit()
        block.next, block.last, block.size, block.reserved_at = last - size + 1, last, size, now
