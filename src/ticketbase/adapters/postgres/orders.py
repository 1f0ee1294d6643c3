"""Orders and inventory in PostgreSQL.

The inventory is conditional updates only: ``held = held + n WHERE sold + held + n <= quantity``
and the like, each one statement that PostgreSQL re-checks against the latest committed row when
it had to wait for a concurrent buyer's lock, so no interleaving can oversell; the CHECK
constraints of 0005 stand behind them. Rows are taken in one global order (ticket types by id,
then the event, then the promo code) so that concurrent holds cannot deadlock. Only after a
refusal is the row read, to name it in the error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    DateTime,
    Integer,
    LargeBinary,
    RowMapping,
    Text,
    Uuid,
    and_,
    bindparam,
    column,
    exists,
    func,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from ticketbase.adapters.postgres.personal_fields import PersonalFields
from ticketbase.adapters.postgres.tables import (
    events,
    idempotency_keys,
    order_counters,
    order_items,
    orders,
    promo_codes,
    ticket_types,
)
from ticketbase.application.pagination import Page, PageRequest
from ticketbase.application.ports.orders import DueHold, HoldLine, OrderFilter, StoredAnswer
from ticketbase.domain.events.errors import EventNotFound, PromoCodeUsedUp
from ticketbase.domain.orders.errors import (
    EventSoldOut,
    SoldOut,
    UnknownPromoCode,
    UnknownTicketType,
)
from ticketbase.domain.orders.order import Order, OrderNumber, OrderStatus
from ticketbase.domain.orders.quote import PricedLine, Totals
from ticketbase.domain.shared.errors import StaleVersion
from ticketbase.domain.shared.ids import (
    EventId,
    OrderId,
    OrganizationId,
    PromoCodeId,
    TicketTypeId,
)
from ticketbase.domain.shared.values import EmailAddress, Money

_ORG = bindparam("p_org", type_=Uuid)
_N = bindparam("p_n", type_=Integer)

# --- inventory statements (built once) -----------------------------------------------------------

_tt = ticket_types.c
_ev = events.c
_pc = promo_codes.c
_THIS_TYPE = (
    _tt.organization_id == _ORG,
    _tt.id == bindparam("p_id", type_=Uuid),
    _tt.event_id == bindparam("p_event", type_=Uuid),
)
_THIS_EVENT = (_ev.organization_id == _ORG, _ev.id == bindparam("p_event", type_=Uuid))
_THIS_CODE = (
    _pc.organization_id == _ORG,
    _pc.id == bindparam("p_id", type_=Uuid),
    _pc.event_id == bindparam("p_event", type_=Uuid),
)

_HOLD_TYPE = (
    update(ticket_types)
    .where(*_THIS_TYPE, _tt.sold + _tt.held + _N <= _tt.quantity)
    .values(held=_tt.held + _N)
    .returning(_tt.id)
)
_HOLD_EVENT = (
    update(events)
    .where(*_THIS_EVENT, _ev.capacity.is_(None) | (_ev.sold + _ev.held + _N <= _ev.capacity))
    .values(held=_ev.held + _N)
    .returning(_ev.id)
)
_USE_CODE = (
    update(promo_codes)
    .where(*_THIS_CODE, _pc.max_uses.is_(None) | (_pc.uses < _pc.max_uses))
    .values(uses=_pc.uses + 1)
    .returning(_pc.id)
)
_RELEASE_TYPE = (
    update(ticket_types)
    .where(*_THIS_TYPE, _tt.held >= _N)
    .values(held=_tt.held - _N)
    .returning(_tt.id)
)
_RELEASE_EVENT = (
    update(events).where(*_THIS_EVENT, _ev.held >= _N).values(held=_ev.held - _N).returning(_ev.id)
)
# A code deleted meanwhile has no use to give back.
_UNUSE_CODE = update(promo_codes).where(*_THIS_CODE, _pc.uses >= 1).values(uses=_pc.uses - 1)
_CONFIRM_TYPE = (
    update(ticket_types)
    .where(*_THIS_TYPE, _tt.held >= _N)
    .values(held=_tt.held - _N, sold=_tt.sold + _N)
    .returning(_tt.id)
)
_CONFIRM_EVENT = (
    update(events)
    .where(*_THIS_EVENT, _ev.held >= _N)
    .values(held=_ev.held - _N, sold=_ev.sold + _N)
    .returning(_ev.id)
)
_UNSELL_TYPE = (
    update(ticket_types)
    .where(*_THIS_TYPE, _tt.sold >= _N)
    .values(sold=_tt.sold - _N)
    .returning(_tt.id)
)
_UNSELL_EVENT = (
    update(events).where(*_THIS_EVENT, _ev.sold >= _N).values(sold=_ev.sold - _N).returning(_ev.id)
)
_TYPE_NAME = select(_tt.name).where(*_THIS_TYPE)
# FOR NO KEY UPDATE, the lock an UPDATE of these rows takes anyway: it leaves the KEY SHARE
# locks of foreign key checks free (an order inserted for the event, an item for the type).
_LOCK_TYPES = (
    select(_tt.id)
    .where(
        _tt.organization_id == _ORG,
        _tt.event_id == bindparam("p_event", type_=Uuid),
        _tt.id.in_(bindparam("p_ids", expanding=True)),
    )
    .order_by(_tt.id)
    .with_for_update(key_share=True)
)
_LOCK_EVENT = select(_ev.id).where(*_THIS_EVENT).with_for_update(key_share=True)
_LOCK_CODES = (
    select(_pc.id)
    .where(
        _pc.organization_id == _ORG,
        _pc.event_id == bindparam("p_event", type_=Uuid),
        _pc.id.in_(bindparam("p_ids", expanding=True)),
    )
    .order_by(_pc.id)
    .with_for_update(key_share=True)
)
_EVENT_EXISTS = select(literal(1)).where(*_THIS_EVENT)
_CODE_EXISTS = select(literal(1)).where(*_THIS_CODE)

# --- order statements ----------------------------------------------------------------------------

_NEXT_NUMBER = (
    pg_insert(order_counters)
    .values(organization_id=_ORG, last_number=_N)
    .on_conflict_do_update(
        index_elements=[order_counters.c.organization_id],
        set_={"last_number": order_counters.c.last_number + _N},
    )
    .returning(order_counters.c.last_number)
)
# The order and its lines in one statement (one round trip; built once): the lines come as
# arrays, one per column, unnested in step. The foreign key from the lines to the order is
# checked at the end of the statement, when the order row exists.
_ORDER_COLUMNS = (
    "organization_id, id, event_id, number, buyer_full_name, buyer_email, attendees, currency,"
    " subtotal, discount, fees, tax, total, promo_code_id, access_token_hash, created_at,"
    " status, expires_at, paid_at, payment_provider, payment_reference, refunded_amount,"
    " refunded_at, cancelled_at, expired_at, late_payment_refunded_at, late_payment_reference,"
    " version, updated_at, buyer_email_hash, attendee_email_hashes"
)
_ITEM_ARRAYS = (
    ("i_line", "integer", Integer),
    ("i_ticket_type_id", "uuid", Uuid),
    ("i_name", "text", Text),
    ("i_quantity", "integer", Integer),
    ("i_unit_price", "bigint", BigInteger),
    ("i_discount", "bigint", BigInteger),
    ("i_tax_rate", "integer", Integer),
    ("i_tax", "bigint", BigInteger),
    ("i_total", "bigint", BigInteger),
)
# Built once from the constants above, never from input.
_PLACE_ORDER = text(
    f"WITH placed AS (INSERT INTO orders ({_ORDER_COLUMNS}) VALUES ("  # noqa: S608
    + ", ".join(f":{c.strip()}" for c in _ORDER_COLUMNS.split(","))
    + ") RETURNING organization_id, id) "
    "INSERT INTO order_items (organization_id, order_id, line, ticket_type_id, name, quantity,"
    " unit_price, discount, tax_rate, tax, total) "
    "SELECT placed.organization_id, placed.id, i.* FROM placed, unnest("
    + ", ".join(f"CAST(:{name} AS {sql}[])" for name, sql, _ in _ITEM_ARRAYS)
    + ") AS i"
).bindparams(
    bindparam("attendees", type_=JSONB),
    bindparam("access_token_hash", type_=LargeBinary),
    bindparam("buyer_email_hash", type_=LargeBinary),
    bindparam("attendee_email_hashes", type_=ARRAY(LargeBinary)),
    *(bindparam(name, type_=ARRAY(kind)) for name, _, kind in _ITEM_ARRAYS),
)
_ORDER_BY_ID = select(orders).where(
    orders.c.organization_id == _ORG, orders.c.id == bindparam("p_id", type_=Uuid)
)
_ITEMS_OF_ORDER = (
    select(order_items)
    .where(
        order_items.c.organization_id == _ORG,
        order_items.c.order_id == bindparam("p_id", type_=Uuid),
    )
    .order_by(order_items.c.line)
)
_LOCK_ORDER = _ORDER_BY_ID.with_for_update(key_share=True)
_INSTANT = DateTime(timezone=True)
_DUE = select(
    func.tb_orders_due_for_expiry(
        bindparam("p_now", type_=_INSTANT), bindparam("p_limit", type_=Integer)
    ).table_valued(column("organization_id", Uuid), column("id", Uuid))
)
_TOKEN_HASH = select(orders.c.access_token_hash).where(
    orders.c.organization_id == _ORG, orders.c.id == bindparam("p_id", type_=Uuid)
)


def _in_lock_order(lines: Sequence[HoldLine]) -> list[tuple[int, TicketTypeId, int]]:
    """``(index in lines, ticket type, quantity)`` by ticket type id: every transaction locks
    ticket type rows in this one order, so two cannot wait for each other."""
    return sorted(((i, t, n) for i, (t, n) in enumerate(lines)), key=lambda x: x[1])


class PostgresInventory:
    def __init__(
        self, connection: AsyncConnection, organization_id: OrganizationId, changes: set[str]
    ) -> None:
        self._c = connection
        self._org = organization_id
        self._changes = changes

    async def hold(
        self,
        event_id: EventId,
        lines: Sequence[HoldLine],
        promo_code_id: PromoCodeId | None = None,
    ) -> None:
        for index, ticket_type_id, quantity in _in_lock_order(lines):
            params = self._params(event_id, ticket_type_id, quantity)
            if await self._c.scalar(_HOLD_TYPE, params) is None:
                name = await self._c.scalar(_TYPE_NAME, params)
                if name is None:
                    raise UnknownTicketType(
                        "no such ticket type in this event", field=f"items[{index}].ticketTypeId"
                    )
                raise SoldOut.of(ticket_type_id, name, line=index)
        total = self._params(event_id, None, sum(n for _, n in lines))
        if await self._c.scalar(_HOLD_EVENT, total) is None:
            if await self._c.scalar(_EVENT_EXISTS, total) is None:
                raise EventNotFound("no such event", field="eventId")
            raise EventSoldOut("not enough tickets left for this event", field="items")
        if promo_code_id is not None:
            code = self._params(event_id, promo_code_id, 0)
            if await self._c.scalar(_USE_CODE, code) is None:
                if await self._c.scalar(_CODE_EXISTS, code) is None:
                    raise UnknownPromoCode("no such code for this event", field="promoCode")
                raise PromoCodeUsedUp("this code has been used up", field="promoCode")

    async def release(
        self,
        event_id: EventId,
        lines: Sequence[HoldLine],
        promo_code_id: PromoCodeId | None = None,
    ) -> None:
        await self._move(event_id, lines, _RELEASE_TYPE, _RELEASE_EVENT, "release")
        if promo_code_id is not None:
            await self._c.execute(_UNUSE_CODE, self._params(event_id, promo_code_id, 0))

    async def confirm(self, event_id: EventId, lines: Sequence[HoldLine]) -> None:
        await self._move(event_id, lines, _CONFIRM_TYPE, _CONFIRM_EVENT, "confirm")

    async def unsell(
        self,
        event_id: EventId,
        lines: Sequence[HoldLine],
        promo_code_id: PromoCodeId | None = None,
    ) -> None:
        await self._move(event_id, lines, _UNSELL_TYPE, _UNSELL_EVENT, "unsell")
        if promo_code_id is not None:
            await self._c.execute(_UNUSE_CODE, self._params(event_id, promo_code_id, 0))

    async def lock(
        self,
        event_id: EventId,
        ticket_type_ids: Iterable[TicketTypeId],
        promo_code_ids: Iterable[PromoCodeId] = (),
    ) -> None:
        params: dict[str, object] = {"p_org": self._org, "p_event": event_id}
        type_ids = sorted(set(ticket_type_ids))
        if type_ids:
            await self._c.execute(_LOCK_TYPES, params | {"p_ids": type_ids})
        await self._c.execute(_LOCK_EVENT, params)
        code_ids = sorted(set(promo_code_ids))
        if code_ids:
            await self._c.execute(_LOCK_CODES, params | {"p_ids": code_ids})

    async def _move(
        self,
        event_id: EventId,
        lines: Sequence[HoldLine],
        per_type: Any,
        per_event: Any,
        what: str,
    ) -> None:
        """Move an order's tickets (held back to stock, held to sold, sold back to stock). Fewer
        than the order's is a bug elsewhere (an order released twice): fail loudly rather than
        lose count."""
        for _, ticket_type_id, quantity in _in_lock_order(lines):
            params = self._params(event_id, ticket_type_id, quantity)
            if await self._c.scalar(per_type, params) is None:
                raise RuntimeError(f"cannot {what} {quantity} of {ticket_type_id}: not held")
        total = self._params(event_id, None, sum(n for _, n in lines))
        if await self._c.scalar(per_event, total) is None:
            raise RuntimeError(f"cannot {what} tickets of event {event_id}: not held")

    def _params(self, event_id: EventId, row_id: object, n: int) -> dict[str, object]:
        return {"p_org": self._org, "p_event": event_id, "p_id": row_id, "p_n": n}


class PostgresOrderRepository:
    def __init__(
        self,
        connection: AsyncConnection,
        organization_id: OrganizationId,
        fields: PersonalFields | None = None,
    ) -> None:
        self._c = connection
        self._org = organization_id
        self._fields = fields or PersonalFields.clear()

    async def add(self, order: Order, access_token_hash: bytes) -> None:
        lines = order.lines
        await self._c.execute(
            _PLACE_ORDER,
            {
                "organization_id": self._org,
                "id": order.id,
                "event_id": order.event_id,
                "number": order.number.value,
                **self._fields.seal(self._org, order.id, order.buyer, order.attendees),
                "currency": order.currency,
                "subtotal": order.totals.subtotal.amount,
                "discount": order.totals.discount.amount,
                "fees": order.totals.fees.amount,
                "tax": order.totals.tax.amount,
                "total": order.totals.total.amount,
                "promo_code_id": order.promo_code_id,
                "access_token_hash": access_token_hash,
                "created_at": order.created_at,
                **_changing_columns(order),
                "i_line": list(range(len(lines))),
                "i_ticket_type_id": [line.ticket_type_id for line in lines],
                "i_name": [line.name for line in lines],
                "i_quantity": [line.quantity for line in lines],
                "i_unit_price": [line.unit_price.amount for line in lines],
                "i_discount": [line.discount.amount for line in lines],
                "i_tax_rate": [line.tax_rate for line in lines],
                "i_tax": [line.tax.amount for line in lines],
                "i_total": [line.total.amount for line in lines],
            },
        )

    async def get(self, order_id: OrderId) -> Order | None:
        params = {"p_org": self._org, "p_id": order_id}
        row = (await self._c.execute(_ORDER_BY_ID, params)).mappings().first()
        if row is None:
            return None
        items = (await self._c.execute(_ITEMS_OF_ORDER, params)).mappings().all()
        return order_from_rows(row, items, self._fields)

    async def access_token_hash(self, order_id: OrderId) -> bytes | None:
        found = await self._c.scalar(_TOKEN_HASH, {"p_org": self._org, "p_id": order_id})
        return None if found is None else bytes(found)

    async def save(self, order: Order) -> None:
        result = await self._c.execute(
            update(orders)
            .where(orders.c.organization_id == self._org, orders.c.id == order.id)
            .where(orders.c.version == order.version - 1)
            .values(**_changing_columns(order))
        )
        if result.rowcount != 1:
            raise StaleVersion("the order was changed meanwhile; reload and retry")

    async def next_number(self, count: int = 1) -> int:
        number = await self._c.scalar(_NEXT_NUMBER, {"p_org": self._org, "p_n": count})
        assert number is not None
        return int(number)

    async def lock(self, order_id: OrderId) -> Order | None:
        params = {"p_org": self._org, "p_id": order_id}
        row = (await self._c.execute(_LOCK_ORDER, params)).mappings().first()
        if row is None:
            return None
        items = (await self._c.execute(_ITEMS_OF_ORDER, params)).mappings().all()
        return order_from_rows(row, items, self._fields)

    async def lapsed(
        self,
        event_id: EventId,
        now: datetime,
        limit: int,
        *,
        ticket_type_id: TicketTypeId | None = None,
        promo_code_id: PromoCodeId | None = None,
    ) -> list[Order]:
        # Only when a checkout found the stock short: built per call (served by the partial
        # index ix_orders_pending_by_event of 0009).
        o, i = orders.c, order_items.c
        query = select(orders).where(
            o.organization_id == self._org,
            o.event_id == event_id,
            o.status == OrderStatus.PENDING.value,
            o.expires_at <= now,
        )
        if ticket_type_id is not None:
            query = query.where(
                exists().where(
                    i.organization_id == o.organization_id,
                    i.order_id == o.id,
                    i.ticket_type_id == ticket_type_id,
                )
            )
        if promo_code_id is not None:
            query = query.where(o.promo_code_id == promo_code_id)
        query = (
            query.order_by(o.expires_at)
            .limit(max(limit, 1))
            .with_for_update(key_share=True, skip_locked=True)
        )
        rows = (await self._c.execute(query)).mappings().all()
        if not rows:
            return []
        of_these = i.order_id.in_([r["id"] for r in rows])
        items_query = select(order_items).where(i.organization_id == self._org, of_these)
        items = (await self._c.execute(items_query.order_by(i.line))).mappings().all()
        return [
            order_from_rows(r, [x for x in items if x["order_id"] == r["id"]], self._fields)
            for r in rows
        ]

    async def matching(self, where: OrderFilter, page: PageRequest) -> Page[Order]:
        # Newest first on the primary key (organization_id, id); an event's orders on
        # ix_orders_event, a buyer's on ix_orders_buyer_email_hash (0018; rows still in clear
        # on ix_orders_buyer_email_clear, emptied by rotate-keys). Status and the dates
        # filter that scan: their values are few or follow the ids (UUID v7).
        o = orders.c
        query = select(orders).where(o.organization_id == self._org)
        if where.event_id is not None:
            query = query.where(o.event_id == where.event_id)
        if where.status is not None:
            query = query.where(o.status == where.status.value)
        if where.buyer_email is not None:
            clear = and_(o.buyer_email_hash.is_(None), o.buyer_email == where.buyer_email)
            digest = self._fields.lookup(EmailAddress(where.buyer_email))
            query = query.where(
                clear if digest is None else or_(o.buyer_email_hash == digest, clear)
            )
        if where.created_from is not None:
            query = query.where(o.created_at >= where.created_from)
        if where.created_before is not None:
            query = query.where(o.created_at < where.created_before)
        if page.after is not None:
            query = query.where(o.id < page.after)
        query = query.order_by(o.id.desc()).limit(page.fetch)
        rows = (await self._c.execute(query)).mappings().all()
        return Page.from_rows(await self._with_items(rows), page, key=lambda order: order.id)

    async def _with_items(self, rows: Sequence[RowMapping]) -> list[Order]:
        """The orders of ``rows`` with their lines, read in one statement for all of them."""
        if not rows:
            return []
        i = order_items.c
        items_query = select(order_items).where(
            i.organization_id == self._org, i.order_id.in_([r["id"] for r in rows])
        )
        items = (await self._c.execute(items_query.order_by(i.order_id, i.line))).mappings()
        by_order: dict[UUID, list[RowMapping]] = {}
        for item in items:
            by_order.setdefault(item["order_id"], []).append(item)
        return [order_from_rows(r, by_order.get(r["id"], []), self._fields) for r in rows]


class PostgresExpiringHolds:
    """The worker's look for lapsed holds: the SECURITY DEFINER function of migration 0009,
    which returns whose and which orders only."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection

    async def due(self, now: datetime, limit: int) -> list[DueHold]:
        rows = await self._c.execute(_DUE, {"p_now": now, "p_limit": limit})
        return [DueHold(OrganizationId(r[0]), OrderId(r[1])) for r in rows]


def _changing_columns(order: Order) -> dict[str, object]:
    return {
        "status": order.status.value,
        "expires_at": order.expires_at,
        "paid_at": order.paid_at,
        "payment_provider": order.payment_provider,
        "payment_reference": order.payment_reference,
        "refunded_amount": order.refunded_amount,
        "refunded_at": order.refunded_at,
        "cancelled_at": order.cancelled_at,
        "expired_at": order.expired_at,
        "late_payment_refunded_at": order.late_payment_refunded_at,
        "late_payment_reference": order.late_payment_reference,
        "version": order.version,
        "updated_at": order.updated_at,
    }


def order_from_rows(
    row: RowMapping, items: Sequence[RowMapping], fields: PersonalFields | None = None
) -> Order:
    currency = row["currency"]
    buyer, attendees = (fields or PersonalFields.clear()).open(row)

    def money(amount: int) -> Money:
        return Money(amount, currency)

    return Order(
        id=OrderId(row["id"]),
        organization_id=OrganizationId(row["organization_id"]),
        event_id=EventId(row["event_id"]),
        number=OrderNumber(row["number"]),
        buyer=buyer,
        lines=tuple(
            PricedLine(
                ticket_type_id=TicketTypeId(i["ticket_type_id"]),
                name=i["name"],
                quantity=i["quantity"],
                unit_price=money(i["unit_price"]),
                discount=money(i["discount"]),
                tax_rate=i["tax_rate"],
                tax=money(i["tax"]),
                total=money(i["total"]),
            )
            for i in items
        ),
        totals=Totals(
            subtotal=money(row["subtotal"]),
            discount=money(row["discount"]),
            fees=money(row["fees"]),
            tax=money(row["tax"]),
            total=money(row["total"]),
        ),
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        updated_at=row["updated_at"],
        promo_code_id=None if row["promo_code_id"] is None else PromoCodeId(row["promo_code_id"]),
        attendees=attendees,
        status=OrderStatus(row["status"]),
        paid_at=row["paid_at"],
        payment_provider=row["payment_provider"],
        payment_reference=row["payment_reference"],
        refunded_amount=row["refunded_amount"],
        refunded_at=row["refunded_at"],
        cancelled_at=row["cancelled_at"],
        expired_at=row["expired_at"],
        late_payment_refunded_at=row["late_payment_refunded_at"],
        late_payment_reference=row["late_payment_reference"],
        version=row["version"],
    )


class PostgresIdempotencyKeys:
    """``idempotency_keys`` of the tenant: the insert of a key takes its unique-index slot, so
    a concurrent claim of the same key waits for this transaction, then sees its answer."""

    def __init__(self, connection: AsyncConnection, organization_id: OrganizationId) -> None:
        self._c = connection
        self._org = organization_id

    async def claim(
        self, key: str, request_hash: bytes, *, now: datetime, keep: timedelta
    ) -> StoredAnswer | None:
        table = idempotency_keys
        insert_key = pg_insert(table).values(
            organization_id=self._org,
            key=key,
            request_hash=request_hash,
            created_at=now,
            expires_at=now + keep,
        )
        claimed = await self._c.scalar(
            insert_key.on_conflict_do_update(
                index_elements=[table.c.organization_id, table.c.key],
                set_={
                    "request_hash": insert_key.excluded.request_hash,
                    "status_code": None,
                    "response": None,
                    "created_at": insert_key.excluded.created_at,
                    "expires_at": insert_key.excluded.expires_at,
                },
                where=table.c.expires_at <= now,  # an expired use is forgotten
            ).returning(table.c.key)
        )
        if claimed is not None:
            return None
        row = (
            await self._c.execute(
                select(table.c.request_hash, table.c.status_code, table.c.response).where(
                    table.c.organization_id == self._org, table.c.key == key
                )
            )
        ).one()
        return StoredAnswer(bytes(row.request_hash), row.status_code, row.response)

    async def record(self, key: str, status_code: int, body: Mapping[str, str]) -> None:
        table = idempotency_keys
        await self._c.execute(
            update(table)
            .where(table.c.organization_id == self._org, table.c.key == key)
            .values(status_code=status_code, response=dict(body))
        )
