"""A published event on sale, its ticket types, quotes and orders for the tests."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from tests.unit.domain.events.builders import (
    EVENT_ID,
    NOW,
    ORGANIZATION,
    a_spec,
    a_ticket_type,
    an_event,
    eur,
    ticket_type_id,
)

from ticketbase.domain.events.event import Event
from ticketbase.domain.events.promo_code import PercentOff, PromoCode, PromoCodeSpec
from ticketbase.domain.events.ticket_type import TicketType
from ticketbase.domain.orders.buyer import Buyer
from ticketbase.domain.orders.order import Order, OrderNumber
from ticketbase.domain.orders.quote import Quote, RequestedItem, quote
from ticketbase.domain.shared.ids import OrderId, PromoCodeId

__all__ = ["EVENT_ID", "NOW", "ORGANIZATION", "eur", "ticket_type_id"]

HOLD = timedelta(minutes=15)
ORDER_ID = OrderId(UUID(int=5000))
STANDARD, VIP = ticket_type_id(1), ticket_type_id(2)


def on_sale_event(**overrides: object) -> Event:
    event = an_event(**overrides)
    event.publish(now=NOW, ticket_types=[a_ticket_type()])
    return event


def standard(**spec: object) -> TicketType:
    values: dict[str, object] = {"name": "Standard", "price": eur(2500), "tax_rate": 1000}
    values.update(spec)
    return a_ticket_type(1, spec=a_spec(**values))


def vip(**spec: object) -> TicketType:
    values: dict[str, object] = {"name": "VIP", "price": eur(9900), "max_per_order": 4}
    values.update(spec)
    return a_ticket_type(2, spec=a_spec(**values))


def a_promo_code(**spec: object) -> PromoCode:
    values: dict[str, object] = {"code": "SPRING-10", "discount": PercentOff(10)}
    values.update(spec)
    return PromoCode(
        id=PromoCodeId(UUID(int=1000)),
        event_id=EVENT_ID,
        spec=PromoCodeSpec(**values),  # type: ignore[arg-type]
        created_at=NOW,
        updated_at=NOW,
    )


def items(*pairs: tuple[TicketType, int]) -> list[RequestedItem]:
    return [RequestedItem(t.id, n) for t, n in pairs]


def a_quote(promo_code: PromoCode | None = None) -> Quote:
    """2 Standard (2500, 10 % tax) and 1 VIP (9900, no tax): 14 900 EUR before any discount."""
    return quote(
        on_sale_event(),
        [standard(), vip()],
        items((standard(), 2), (vip(), 1)),
        at=NOW,
        promo_code=promo_code,
    )


def a_buyer() -> Buyer:
    return Buyer.parse(full_name="Ada Lovelace", email="Ada@Example.org")


def a_pending_order(q: Quote | None = None, *, sequence: int = 42) -> Order:
    order, _ = Order.place(
        id=ORDER_ID,
        organization_id=ORGANIZATION,
        event_id=EVENT_ID,
        number=OrderNumber.from_sequence(sequence),
        quote=a_quote() if q is None else q,
        buyer=a_buyer(),
        now=NOW,
        hold=HOLD,
    )
    return order
