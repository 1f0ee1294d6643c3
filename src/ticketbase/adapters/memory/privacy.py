"""In-memory twin of the PostgreSQL privacy store: the same finds, scoped to one tenant, and
the same narrow write (an order's people, with its version checked)."""

from __future__ import annotations

import copy
from collections.abc import Collection
from dataclasses import replace
from typing import TYPE_CHECKING

from ticketbase.application.ports.audit import AuditEntry
from ticketbase.domain.orders.order import Order
from ticketbase.domain.privacy.erasure import mentions
from ticketbase.domain.shared.errors import StaleVersion
from ticketbase.domain.shared.ids import AttendeeId, OrderId, OrganizationId, UserId
from ticketbase.domain.shared.values import EmailAddress

if TYPE_CHECKING:
    from ticketbase.adapters.memory.unit_of_work import MemoryState


class MemoryPersonalData:
    def __init__(self, state: MemoryState, organization_id: OrganizationId) -> None:
        self._s, self._org = state, organization_id

    async def orders_of(self, email: EmailAddress) -> list[OrderId]:
        mine = self._s.orders.get(self._org, {})
        return sorted(i for i, (order, _) in mine.items() if mentions(order, email))

    async def attendees_of(self, email: EmailAddress) -> list[AttendeeId]:
        mine = self._s.attendees.get(self._org, {})
        return sorted(i for i, attendee in mine.items() if attendee.email == email)

    async def audit_mentioning(
        self, actor_id: UserId | None, target_ids: Collection[str]
    ) -> list[AuditEntry]:
        found = [
            entry
            for org, entry in self._s.audit
            if org == self._org
            and (
                (actor_id is not None and entry.actor_id == actor_id)
                or entry.target_id in target_ids
            )
        ]
        return sorted(found, key=lambda e: e.id)

    async def store_people(self, order: Order) -> None:
        mine = self._s.orders.get(self._org, {})
        stored = mine.get(order.id)
        if stored is None or stored[0].version != order.version - 1:
            raise StaleVersion("the order was changed meanwhile; reload and retry")
        kept = replace(
            stored[0],
            buyer=order.buyer,
            attendees=copy.deepcopy(order.attendees),
            version=order.version,
            updated_at=order.updated_at,
        )
        mine[order.id] = (kept, stored[1])

    async def reencrypt(self, limit: int) -> int:
        return 0  # memory keeps domain objects, never ciphertexts
