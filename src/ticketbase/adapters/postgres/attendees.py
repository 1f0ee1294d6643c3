"""PostgreSQL attendees: Core statements on ``attendees``, scoped to the transaction's tenant
(row level security backs every ``organization_id`` filter written here)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, func, insert, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from ticketbase.adapters.postgres.events import escape_like
from ticketbase.adapters.postgres.tables import attendees, orders
from ticketbase.application.pagination import Page, PageRequest
from ticketbase.application.ports.attendees import AttendeeFilter, CheckInCount
from ticketbase.domain.orders.attendee import Attendee, TicketCode
from ticketbase.domain.shared.errors import StaleVersion
from ticketbase.domain.shared.ids import (
    AttendeeId,
    EventId,
    OrderId,
    OrganizationId,
    TicketTypeId,
)
from ticketbase.domain.shared.values import EmailAddress

ADMITTING = ("paid", "partially_refunded")


class PostgresAttendeeRepository:
    def __init__(self, connection: AsyncConnection, organization_id: OrganizationId) -> None:
        self._c, self._org = connection, organization_id

    async def add_all(self, tickets: Sequence[Attendee]) -> None:
        if not tickets:
            return
        lines: dict[OrderId, int] = {}
        rows = []
        for attendee in tickets:
            line = lines.get(attendee.order_id, 0)
            lines[attendee.order_id] = line + 1
            rows.append({"organization_id": self._org, "line": line, **_columns(attendee)})
        await self._c.execute(insert(attendees), rows)

    async def get(self, attendee_id: AttendeeId) -> Attendee | None:
        return await self._one(attendees.c.id == attendee_id)

    async def by_code(self, code: TicketCode) -> Attendee | None:
        return await self._one(attendees.c.ticket_code == code.value)

    async def _one(self, condition: ColumnElement[bool]) -> Attendee | None:
        statement = select(attendees).where(attendees.c.organization_id == self._org, condition)
        row = (await self._c.execute(statement)).mappings().first()
        return None if row is None else attendee_from_row(row)

    async def of_order(self, order_id: OrderId) -> list[Attendee]:
        rows = await self._c.execute(
            select(attendees)
            .where(attendees.c.organization_id == self._org, attendees.c.order_id == order_id)
            .order_by(attendees.c.line)
        )
        return [attendee_from_row(row) for row in rows.mappings()]

    async def of_event(
        self, event_id: EventId, where: AttendeeFilter, page: PageRequest
    ) -> Page[Attendee]:
        statement = (
            select(attendees)
            .where(attendees.c.organization_id == self._org, attendees.c.event_id == event_id)
            .order_by(attendees.c.id.desc())
            .limit(page.fetch)
        )
        if where.ticket_type_id is not None:
            statement = statement.where(attendees.c.ticket_type_id == where.ticket_type_id)
        if where.checked_in is not None:
            column = attendees.c.checked_in_at
            statement = statement.where(
                column.is_not(None) if where.checked_in else column.is_(None)
            )
        if where.q:
            pattern = f"%{escape_like(where.q)}%"
            statement = statement.where(
                or_(
                    attendees.c.full_name.ilike(pattern, "\\"),
                    attendees.c.email.ilike(pattern, "\\"),
                )
            )
        if page.after is not None:
            statement = statement.where(attendees.c.id < page.after)
        rows = [attendee_from_row(row) for row in (await self._c.execute(statement)).mappings()]
        return Page.from_rows(rows, page, lambda a: a.id)

    async def save(self, attendee: Attendee) -> None:
        result = await self._c.execute(
            update(attendees)
            .where(attendees.c.organization_id == self._org, attendees.c.id == attendee.id)
            .where(attendees.c.version == attendee.version - 1)
            .values(
                full_name=attendee.full_name,
                email=attendee.email.value,
                checked_in_at=attendee.checked_in_at,
                version=attendee.version,
                updated_at=attendee.updated_at,
            )
        )
        if result.rowcount != 1:
            raise StaleVersion("the attendee was changed meanwhile; reload and retry")

    async def check_in_counts(self, event_id: EventId) -> list[CheckInCount]:
        rows = await self._c.execute(
            select(
                attendees.c.ticket_type_id,
                func.count().label("issued"),
                func.count(attendees.c.checked_in_at).label("checked_in"),
            )
            .select_from(
                attendees.join(
                    orders,
                    and_(
                        orders.c.organization_id == attendees.c.organization_id,
                        orders.c.id == attendees.c.order_id,
                    ),
                )
            )
            .where(
                attendees.c.organization_id == self._org,
                attendees.c.event_id == event_id,
                orders.c.status.in_(ADMITTING),
            )
            .group_by(attendees.c.ticket_type_id)
            .order_by(attendees.c.ticket_type_id)
        )
        return [
            CheckInCount(TicketTypeId(row.ticket_type_id), int(row.issued), int(row.checked_in))
            for row in rows
        ]


def _columns(attendee: Attendee) -> dict[str, object]:
    return {
        "id": attendee.id,
        "order_id": attendee.order_id,
        "event_id": attendee.event_id,
        "ticket_type_id": attendee.ticket_type_id,
        "full_name": attendee.full_name,
        "email": attendee.email.value,
        "ticket_code": attendee.ticket_code.value,
        "issued_at": attendee.issued_at,
        "checked_in_at": attendee.checked_in_at,
        "version": attendee.version,
        "updated_at": attendee.updated_at,
    }


def attendee_from_row(row: RowMapping) -> Attendee:
    return Attendee(
        id=AttendeeId(row["id"]),
        order_id=OrderId(row["order_id"]),
        event_id=EventId(row["event_id"]),
        ticket_type_id=TicketTypeId(row["ticket_type_id"]),
        full_name=row["full_name"],
        email=EmailAddress(row["email"]),
        ticket_code=TicketCode(row["ticket_code"]),
        issued_at=row["issued_at"],
        updated_at=row["updated_at"],
        checked_in_at=row["checked_in_at"],
        version=row["version"],
    )
