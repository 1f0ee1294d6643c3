"""A data subject's records in PostgreSQL, found by email within the tenant.

A buyer is found on ``ix_orders_buyer_email``; a person named on someone else's order only by
the containment of ``orders.attendees`` (``@>``), which scans the tenant's orders: privacy
requests are rare, and an index over every order's attendees would cost every checkout."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ticketbase.adapters.postgres.tables import attendees, audit_log, orders
from ticketbase.application.context import RequestMeta
from ticketbase.application.ports.audit import AuditEntry
from ticketbase.domain.orders.order import Order
from ticketbase.domain.shared.errors import StaleVersion
from ticketbase.domain.shared.ids import AttendeeId, OrderId, OrganizationId, UserId
from ticketbase.domain.shared.values import EmailAddress


class PostgresPersonalData:
    def __init__(self, connection: AsyncConnection, organization_id: OrganizationId) -> None:
        self._c, self._org = connection, organization_id

    async def orders_of(self, email: EmailAddress) -> list[OrderId]:
        o = orders.c
        rows = await self._c.scalars(
            select(o.id)
            .where(o.organization_id == self._org)
            .where(
                or_(o.buyer_email == email.value, o.attendees.contains([{"email": email.value}]))
            )
            .order_by(o.id)
        )
        return [OrderId(i) for i in rows]

    async def attendees_of(self, email: EmailAddress) -> list[AttendeeId]:
        a = attendees.c
        rows = await self._c.scalars(
            select(a.id)
            .where(a.organization_id == self._org, a.email == email.value)
            .order_by(a.id)
        )
        return [AttendeeId(i) for i in rows]

    async def audit_mentioning(
        self, actor_id: UserId | None, target_ids: Collection[str]
    ) -> list[AuditEntry]:
        t = audit_log.c
        mentions = []
        if actor_id is not None:
            mentions.append(t.actor_id == actor_id)
        if target_ids:
            mentions.append(t.target_id.in_(sorted(target_ids)))
        if not mentions:
            return []
        rows = (
            await self._c.execute(
                select(audit_log)
                .where(t.organization_id == self._org, or_(*mentions))
                .order_by(t.id)
            )
        ).mappings()
        return [
            AuditEntry(
                id=r["id"],
                at=r["at"],
                actor_id=UserId(r["actor_id"]) if r["actor_id"] else None,
                action=r["action"],
                target_type=r["target_type"],
                target_id=r["target_id"],
                meta=RequestMeta(
                    ip=r["ip"], user_agent=r["user_agent"], request_id=r["request_id"]
                ),
                changes=r["changes"],
            )
            for r in rows
        ]

    async def store_people(self, order: Order) -> None:
        o = orders.c
        result = await self._c.execute(
            update(orders)
            .where(o.organization_id == self._org, o.id == order.id)
            .where(o.version == order.version - 1)
            .values(
                buyer_full_name=order.buyer.full_name,
                buyer_email=order.buyer.email.value,
                attendees=[
                    {
                        "ticketTypeId": str(a.ticket_type_id),
                        "fullName": a.full_name,
                        "email": a.email.value,
                    }
                    for a in order.attendees
                ],
                version=order.version,
                updated_at=order.updated_at,
            )
        )
        if result.rowcount != 1:
            raise StaleVersion("the order was changed meanwhile; reload and retry")
