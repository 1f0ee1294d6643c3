"""PostgreSQL subscriptions (migration 0016) and the counts the plan limits need, scoped to the
transaction's tenant (row level security backs every ``organization_id`` filter)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from ticketbase.adapters.postgres.tables import events, memberships, orders, subscriptions
from ticketbase.application.ports.cache import subscription_tag
from ticketbase.domain.shared.errors import StaleVersion
from ticketbase.domain.shared.ids import OrganizationId
from ticketbase.domain.subscriptions.plan import PlanName, Subscription, SubscriptionStatus


class PostgresSubscriptionRepository:
    def __init__(
        self, connection: AsyncConnection, organization_id: OrganizationId, changes: set[str]
    ) -> None:
        self._c, self._org, self._changes = connection, organization_id, changes

    async def get(self) -> Subscription | None:
        row = (
            (await self._c.execute(select(subscriptions).where(self._mine())))
            .mappings()
            .one_or_none()
        )
        return None if row is None else _subscription(row)

    async def lock(self, now: datetime) -> Subscription:
        # Created on free when missing (a concurrent creator makes this wait, then do nothing),
        # then locked: the second of two racing transactions reads after the first commits.
        initial = Subscription.initial(self._org, now)
        await self._c.execute(
            pg_insert(subscriptions)
            .values(**_columns(initial))
            .on_conflict_do_nothing(index_elements=[subscriptions.c.organization_id])
        )
        row = (
            (await self._c.execute(select(subscriptions).where(self._mine()).with_for_update()))
            .mappings()
            .one()
        )
        return _subscription(row)

    async def save(self, subscription: Subscription) -> None:
        values = _columns(subscription)
        del values["organization_id"], values["created_at"]
        result = await self._c.execute(
            update(subscriptions)
            .where(self._mine(), subscriptions.c.version == subscription.version - 1)
            .values(**values)
        )
        if result.rowcount != 1:
            raise StaleVersion("the subscription was changed meanwhile; reload and retry")
        self._changes.add(subscription_tag(self._org))

    async def count_seats(self) -> int:
        statement = (
            select(func.count())
            .select_from(memberships)
            .where(
                memberships.c.organization_id == self._org,
                memberships.c.status.in_(("active", "invited")),
            )
        )
        return int((await self._c.execute(statement)).scalar_one())

    async def count_published_events(self) -> int:
        statement = (
            select(func.count())
            .select_from(events)
            .where(events.c.organization_id == self._org, events.c.status == "published")
        )
        return int((await self._c.execute(statement)).scalar_one())

    async def count_orders_since(self, since: datetime, at_most: int) -> int:
        # An index range on ix_orders_created, stopped after ``at_most`` rows.
        bounded = (
            select(orders.c.id)
            .where(orders.c.organization_id == self._org, orders.c.created_at >= since)
            .limit(at_most)
            .subquery()
        )
        statement = select(func.count()).select_from(bounded)
        return int((await self._c.execute(statement)).scalar_one())

    def _mine(self) -> Any:
        return subscriptions.c.organization_id == self._org


def _columns(subscription: Subscription) -> dict[str, Any]:
    return {
        "organization_id": subscription.organization_id,
        "plan": subscription.plan.value,
        "status": subscription.status.value,
        "billing_provider": subscription.billing_provider,
        "billing_reference": subscription.billing_reference,
        "version": subscription.version,
        "created_at": subscription.created_at,
        "updated_at": subscription.updated_at,
    }


def _subscription(row: RowMapping) -> Subscription:
    return Subscription(
        organization_id=OrganizationId(row["organization_id"]),
        plan=PlanName(row["plan"]),
        status=SubscriptionStatus(row["status"]),
        billing_provider=row["billing_provider"],
        billing_reference=row["billing_reference"],
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
