"""``/api/orders``: the storefront's checkout and the buyer's view of an order.

Both are public: the tenant comes from the Host (or ``X-Organization``), and the buyer, who has
no account, reads the order with the access token the checkout answered once."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, get, post
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter

from ticketbase.application.identity.resolve_organization import ResolveOrganization
from ticketbase.application.orders.checkout import AttendeeInput, Checkout, CheckoutCommand
from ticketbase.application.orders.get_order import GetOrder
from ticketbase.domain.orders.order import Order
from ticketbase.domain.orders.quote import RequestedItem
from ticketbase.domain.shared.ids import EventId, OrderId, TicketTypeId
from ticketbase.domain.shared.values import Money
from ticketbase.entrypoints.http.events import MoneyWire
from ticketbase.entrypoints.http.organizations import resolve_storefront
from ticketbase.entrypoints.http.wire import Wire

Unset = msgspec.UnsetType
UNSET = msgspec.UNSET
FullName = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Email = Annotated[str, msgspec.Meta(min_length=3, max_length=320)]

PUBLIC = (
    "Public: the tenant is the storefront named by `X-Organization` or the Host; an unknown "
    "tenant answers 404."
)

# --- wire structs ------------------------------------------------------------------------------


class OrderItemRequest(Wire):
    ticket_type_id: UUID
    quantity: Annotated[int, msgspec.Meta(ge=1, le=1000)]


class BuyerWire(Wire):
    full_name: FullName
    email: Email


class AttendeeRequest(Wire):
    ticket_type_id: UUID
    full_name: FullName
    email: Email


class CheckoutRequest(Wire):
    event_id: UUID
    items: Annotated[list[OrderItemRequest], msgspec.Meta(min_length=1, max_length=20)]
    buyer: BuyerWire
    attendees: Annotated[list[AttendeeRequest], msgspec.Meta(max_length=1000)] | None = None
    promo_code: Annotated[str, msgspec.Meta(min_length=1, max_length=32)] | None = None


class OrderItemResponse(Wire):
    """One line: ``total = unitPrice * quantity - discount``; ``tax`` is contained in
    ``total`` at ``taxRate`` basis points; ``name`` is the ticket type's at purchase."""

    ticket_type_id: UUID
    name: str
    quantity: int
    unit_price: MoneyWire
    discount: MoneyWire
    tax_rate: int
    tax: MoneyWire
    total: MoneyWire


class TotalsResponse(Wire):
    """``total = subtotal - discount + fees``; ``tax`` is the tax contained in ``total``."""

    subtotal: MoneyWire
    discount: MoneyWire
    fees: MoneyWire
    tax: MoneyWire
    total: MoneyWire


class OrderResponse(Wire):
    """An order; ``accessToken`` only in the checkout's answer (it is shown once)."""

    id: UUID
    number: str
    status: str
    event_id: UUID
    items: list[OrderItemResponse]
    totals: TotalsResponse
    expires_at: datetime
    buyer: BuyerWire
    created_at: datetime
    access_token: str | Unset = UNSET


def _money(value: Money) -> MoneyWire:
    return MoneyWire(amount=value.amount, currency=value.currency)


def order_response(order: Order, access_token: str | Unset = UNSET) -> OrderResponse:
    totals = order.totals
    return OrderResponse(
        id=order.id,
        number=order.number.value,
        status=order.status.value,
        event_id=order.event_id,
        items=[
            OrderItemResponse(
                ticket_type_id=line.ticket_type_id,
                name=line.name,
                quantity=line.quantity,
                unit_price=_money(line.unit_price),
                discount=_money(line.discount),
                tax_rate=line.tax_rate,
                tax=_money(line.tax),
                total=_money(line.total),
            )
            for line in order.lines
        ],
        totals=TotalsResponse(
            subtotal=_money(totals.subtotal),
            discount=_money(totals.discount),
            fees=_money(totals.fees),
            tax=_money(totals.tax),
            total=_money(totals.total),
        ),
        expires_at=order.expires_at,
        buyer=BuyerWire(full_name=order.buyer.full_name, email=order.buyer.email.value),
        created_at=order.created_at,
        access_token=access_token,
    )


class OrderController(Controller):
    path = "/api/orders"
    tags = ["orders"]

    @post(
        "/",
        summary="Place an order (storefront checkout)",
        description=PUBLIC
        + " Holds the tickets for 15 minutes; not enough left → 409 `sold_out` naming the"
        " ticket type. The answer's `accessToken` reads the order later (`?token=`). With an"
        " `Idempotency-Key` (kept 24 h) a replay of the same body answers the first 201 again"
        " (a concurrent one waits for the first), another body under the key → 422"
        " `idempotency_key_reused`; a refused request leaves the key unused.",
    )
    async def place_order(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[CheckoutRequest],
        resolve: FromDishka[ResolveOrganization],
        use_case: FromDishka[Checkout],
        idempotency_key: Annotated[
            str | None, HeaderParameter(name="Idempotency-Key", max_length=255)
        ] = None,
    ) -> OrderResponse:
        organization = await resolve_storefront(request, resolve)
        command = CheckoutCommand(
            organization_id=organization.id,
            event_id=EventId(data.event_id),
            items=tuple(
                RequestedItem(TicketTypeId(i.ticket_type_id), i.quantity) for i in data.items
            ),
            buyer_full_name=data.buyer.full_name,
            buyer_email=data.buyer.email,
            attendees=tuple(
                AttendeeInput(TicketTypeId(a.ticket_type_id), a.full_name, a.email)
                for a in data.attendees or ()
            ),
            promo_code=data.promo_code,
            idempotency_key=idempotency_key,
        )
        placed = await use_case(command)
        return order_response(placed.order, placed.access_token)

    @get(
        "/{id:uuid}",
        summary="Read an order (the buyer, with its access token)",
        description=PUBLIC + " Without the order's `token`, or with another, 404.",
    )
    async def get_order(
        self,
        request: Request[Any, Any, Any],
        id: FromPath[UUID],
        resolve: FromDishka[ResolveOrganization],
        use_case: FromDishka[GetOrder],
        token: Annotated[str | None, QueryParameter(max_length=200)] = None,
    ) -> OrderResponse:
        organization = await resolve_storefront(request, resolve)
        return order_response(await use_case(organization.id, OrderId(id), token))
