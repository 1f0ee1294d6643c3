"""In-memory subscriptions and limit counts (a transaction works on its own copy of the state,
so a lock is implicit within it; races are tested on PostgreSQL)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ticketbase.domain.events.event import EventStatus
from ticketbase.domain.identity.membership import MembershipStatus
from ticketbase.domain.shared.errors import StaleVersion
from ticketbase.domain.shared.ids import OrganizationId
from ticketbase.domain.subscriptions.plan import Subscription

if TYPE_CHECKING:
    from ticketbase.adapters.memory.unit_of_work import MemoryState

_SEATED = (MembershipStatus.ACTIVE, MembershipStatus.INVITED)


class MemorySubscriptionRepository:
    def __init__(self, state: MemoryState, organization_id: OrganizationId) -> None:
        self._s, self._org = state, organization_id

    async def get(self) -> Subscription | None:
        return self._s.subscriptions.get(self._org)

    async def lock(self, now: datetime) -> Subscription:
        return self._s.subscriptions.setdefault(self._org, Subscription.initial(self._org, now))

    async def save(self, subscription: Subscription) -> None:
        stored = self._s.subscriptions.get(self._org)
        stored_version = 0 if stored is None else stored.version
        if stored is not subscription and stored_version != subscription.version - 1:
            raise StaleVersion("the subscription was changed meanwhile; reload and retry")
        self._s.subscriptions[self._org] = subscription

    async def count_seats(self) -> int:
        return sum(
            1
            for m in self._s.memberships.values()
            if m.organization_id == self._org and m.status in _SEATED
        )

    async def count_published_events(self) -> int:
        mine = self._s.events.get(self._org, {})
        return sum(1 for e in mine.values() if e.status is EventStatus.PUBLISHED)

    async def count_orders_since(self, since: datetime, at_most: int) -> int:
        mine = self._s.orders.get(self._org, {})
        return min(at_most, sum(1 for order, _ in mine.values() if order.created_at >= since))
