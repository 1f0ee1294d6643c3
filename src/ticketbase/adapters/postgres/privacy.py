"""A data subject's records in PostgreSQL, found by email within the tenant.

An order's buyer fields are encrypted (adapters/postgres/personal_fields.py): a buyer is found by
``buyer_email_hash`` on its index, a person named on someone else's order by
``attendee_email_hashes`` (``@>``), which scans the tenant's orders: privacy requests are rare,
and an index over every order's attendees would cost every checkout. Rows still in clear are
found by their clear columns.

``reencrypt`` is ``ticketbase rotate-keys``'s step: a batch of the tenant's orders whose people
are not all under the newest key (or still in clear), locked ``FOR NO KEY UPDATE SKIP LOCKED``
like the orders' own locks, so a payment or hold expiry holding one is never waited for (the
next run takes it), rewritten under the newest key without a version bump (nothing the domain
sees changes)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal_column, not_, or_, select, update
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.ext.asyncio import AsyncConnection

from ticketbase.adapters.postgres.personal_fields import PersonalFields
from ticketbase.adapters.postgres.tables import attendees, audit_log, orders
from ticketbase.application.context import RequestMeta
from ticketbase.application.ports.audit import AuditEntry
from ticketbase.domain.orders.order import Order
from ticketbase.domain.shared.errors import StaleVersion
from ticketbase.domain.shared.ids import AttendeeId, OrderId, OrganizationId, UserId
from ticketbase.domain.shared.values import EmailAddress


class PostgresPersonalData:
    def __init__(
        self,
        connection: AsyncConnection,
        organization_id: OrganizationId,
        fields: PersonalFields | None = None,
    ) -> None:
        self._c, self._org = connection, organization_id
        self._fields = fields or PersonalFields.clear()

    async def orders_of(self, email: EmailAddress) -> list[OrderId]:
        o = orders.c
        in_clear = and_(
            o.buyer_email_hash.is_(None),
            or_(
                o.buyer_email == email.value,
                and_(
                    func.jsonb_typeof(o.attendees) == "array",
                    o.attendees.contains([{"email": email.value}]),
                ),
            ),
        )
        digest = self._fields.lookup(email)
        mentions = in_clear
        if digest is not None:
            by_hash = or_(
                o.buyer_email_hash == digest, o.attendee_email_hashes.contains(array([digest]))
            )
            mentions = or_(by_hash, in_clear)
        rows = await self._c.scalars(
            select(o.id).where(o.organization_id == self._org, mentions).order_by(o.id)
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
                **self._fields.seal(self._org, order.id, order.buyer, order.attendees),
                version=order.version,
                updated_at=order.updated_at,
            )
        )
        if result.rowcount != 1:
            raise StaleVersion("the order was changed meanwhile; reload and retry")

    async def reencrypt(self, limit: int) -> int:
        prefix = self._fields.current_prefix
        if prefix is None:
            return 0  # no keys: nothing is encrypted

        def current(value: ColumnElement[Any]) -> ColumnElement[bool]:
            return func.left(value, len(prefix)) == prefix

        o = orders.c
        stale = not_(
            and_(
                o.buyer_email_hash.is_not(None),
                current(o.buyer_full_name),
                current(o.buyer_email),
                func.jsonb_typeof(o.attendees) == "string",
                current(o.attendees.op("#>>")(literal_column("'{}'"))),  # the string's text
            )
        )
        rows = (
            await self._c.execute(
                select(o.id, o.organization_id, o.buyer_full_name, o.buyer_email, o.attendees)
                .where(o.organization_id == self._org, stale)
                .order_by(o.id)
                .limit(limit)
                .with_for_update(key_share=True, skip_locked=True)
            )
        ).mappings()
        done = 0
        for row in rows.all():
            buyer, named = self._fields.open(row)
            await self._c.execute(
                update(orders)
                .where(o.organization_id == self._org, o.id == row["id"])
                .values(**self._fields.seal(self._org, row["id"], buyer, named))
            )
            done += 1
        return done
