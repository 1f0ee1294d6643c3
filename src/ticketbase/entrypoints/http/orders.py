"""``/api/orders``: the storefront's checkout and the buyer's view of an order, and the staff's
list of orders and their cancel, refund and resend-confirmation actions.

The buyer's side is public: the tenant comes from the Host (or ``X-Organization``), and the
buyer, who has no account, reads the order with the access token the checkout answered once.
The staff's side takes the tenant from the bearer token."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import anyio
import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, Response, get, post
from litestar.exceptions import ClientException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter

from ticketbase.application.context import Actor
from ticketbase.application.identity.resolve_organization import ResolveOrganization
from ticketbase.application.orders.access import OrderAccess
from ticketbase.application.orders.cancel_order import CancelOrder, CancelOrderCommand
from ticketbase.application.orders.checkout import AttendeeInput, Checkout, CheckoutCommand
from ticketbase.application.orders.get_order import GetOrder
from ticketbase.application.orders.get_ticket import GetTicket
from ticketbase.application.orders.handle_payment_webhook import HandlePaymentWebhook
from ticketbase.application.orders.list_orders import ListOrders
from ticketbase.application.orders.pay_order import PayCommand, PayOrder, PendingPayment
from ticketbase.application.orders.refund_order import RefundOrder, RefundOrderCommand
from ticketbase.application.orders.resend_confirmation import ResendConfirmation
from ticketbase.application.pagination import MAX_LIMIT
from ticketbase.application.ports.orders import OrderFilter
from ticketbase.application.ports.payments import InvalidWebhookSignature, PaymentProvider
from ticketbase.application.ports.tickets import ImageFormat, QrRenderer, TicketSigner
from ticketbase.domain.orders.attendee import Attendee
from ticketbase.domain.orders.order import Order, OrderStatus
from ticketbase.domain.orders.quote import RequestedItem
from ticketbase.domain.shared.ids import AttendeeId, EventId, OrderId, TicketTypeId
from ticketbase.domain.shared.values import EmailAddress, Money
from ticketbase.entrypoints.http.events import (
    IfMatch,
    MoneyWire,
    StatusChangeRequest,
    Version,
    actor_of,
    has_token,
)
from ticketbase.entrypoints.http.organizations import resolve_storefront
from ticketbase.entrypoints.http.pagination import next_cursor, page_request
from ticketbase.entrypoints.http.problems import PROBLEM_JSON, Problem
from ticketbase.entrypoints.http.versioning import expected_version
from ticketbase.entrypoints.http.wire import BEARER, Wire

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


class AttendeeResponse(Wire):
    """One ticket: ``ticketCode`` is what its QR code carries (signed; see `/api/ticket-keys`)."""

    id: UUID
    ticket_type_id: UUID
    full_name: str
    email: str
    ticket_code: str
    checked_in_at: datetime | None
    version: int


class PaymentStatusResponse(Wire):
    """The provider waits for the buyer (3-D Secure): confirm with ``clientSecret`` in the
    provider's client library; the order becomes paid when the provider's webhook arrives."""

    status: str
    client_secret: str | None


class OrderResponse(Wire):
    """An order; ``accessToken`` only in the checkout's answer (it is shown once);
    ``attendees`` once paid; ``payment`` while a card payment waits for the buyer."""

    id: UUID
    number: str
    status: str
    event_id: UUID
    items: list[OrderItemResponse]
    totals: TotalsResponse
    expires_at: datetime
    buyer: BuyerWire
    created_at: datetime
    version: int
    access_token: str | Unset = UNSET
    payment_provider: str | None = None
    paid_at: datetime | None = None
    refunded: MoneyWire | Unset = UNSET
    attendees: list[AttendeeResponse] | Unset = UNSET
    payment: PaymentStatusResponse | Unset = UNSET


class PayRequest(Wire):
    """``provider``: ``free`` (a zero total), ``manual`` (the box office, staff with
    ``orders:manage``) or ``stripe`` (with the card's ``paymentMethod``, a ``pm_…`` token from
    the provider's client library)."""

    provider: PaymentProvider
    payment_method: Annotated[str, msgspec.Meta(min_length=1, max_length=255)] | None = None


class OrderPage(Wire):
    """Orders newest first; items carry no ``attendees`` (read one order for its tickets)."""

    items: list[OrderResponse]
    next_cursor: str | None


class RefundRequest(Wire):
    """``amount``: what to give back, at most what is left (absent: all of it); ``version``:
    the order's version the client saw (or ``If-Match``)."""

    amount: MoneyWire | Unset = UNSET
    version: Version | Unset = UNSET


class ResendReceipt(Wire):
    """The confirmation email is queued: the worker sends it shortly."""

    queued: bool


class WebhookReceipt(Wire):
    received: bool


class TicketKeysResponse(msgspec.Struct):
    """JSON Web Keys (Ed25519) that verify ticket codes offline, newest first."""

    keys: list[dict[str, Any]]


def attendee_response(attendee: Attendee) -> AttendeeResponse:
    return AttendeeResponse(
        id=attendee.id,
        ticket_type_id=attendee.ticket_type_id,
        full_name=attendee.full_name,
        email=attendee.email.value,
        ticket_code=attendee.ticket_code.value,
        checked_in_at=attendee.checked_in_at,
        version=attendee.version,
    )


def _money(value: Money) -> MoneyWire:
    return MoneyWire(amount=value.amount, currency=value.currency)


def order_response(
    order: Order,
    access_token: str | Unset = UNSET,
    *,
    attendees: list[Attendee] | None = None,
    payment: PendingPayment | None = None,
) -> OrderResponse:
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
        version=order.version,
        access_token=access_token,
        payment_provider=order.payment_provider,
        paid_at=order.paid_at,
        refunded=_money(order.refunded) if order.status.was_paid else UNSET,
        attendees=[attendee_response(a) for a in attendees]
        if attendees is not None and order.status.was_paid
        else UNSET,
        payment=UNSET
        if payment is None
        else PaymentStatusResponse(status=payment.status, client_secret=payment.client_secret),
    )


async def order_access(
    request: Request[Any, Any, Any], resolve: ResolveOrganization, token: str | None
) -> OrderAccess:
    """Staff with a bearer token; otherwise the storefront's buyer with the order's token."""
    if has_token(request):
        return OrderAccess.staff(await actor_of(request))
    organization = await resolve_storefront(request, resolve)
    return OrderAccess.buyer(organization.id, token)


BUYER_OR_STAFF = (
    "The buyer (no account: the tenant from `X-Organization` or the Host, and the order's"
    " `token`), or staff with a bearer token. Without access, or for another tenant's order, 404."
)
TokenQuery = Annotated[str | None, QueryParameter(max_length=200)]
MANAGE = "Staff with `orders:manage`; another tenant's order answers 404."


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
        "/",
        security=BEARER,
        summary="List orders (staff)",
        description="Staff with `orders:read`. Newest first; filters combine: `eventId`,"
        " `status`, the buyer's `email` (exact, case-insensitive), `from` <= `createdAt` < `to`."
        " Items carry no `attendees`: read one order for its tickets.",
    )
    async def list_orders(
        self,
        actor: FromDishka[Actor],
        use_case: FromDishka[ListOrders],
        event_id: Annotated[UUID | None, QueryParameter(name="eventId")] = None,
        status: FromQuery[OrderStatus | None] = None,
        email: Annotated[str | None, QueryParameter(max_length=320)] = None,
        created_from: Annotated[datetime | None, QueryParameter(name="from")] = None,
        created_before: Annotated[datetime | None, QueryParameter(name="to")] = None,
        limit: Annotated[int | None, QueryParameter(ge=1, le=MAX_LIMIT)] = None,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
    ) -> OrderPage:
        where = OrderFilter(
            event_id=None if event_id is None else EventId(event_id),
            status=status,
            buyer_email=None if email is None else EmailAddress.parse(email).value,
            created_from=created_from,
            created_before=created_before,
        )
        page = await use_case(where, page_request(limit, cursor), actor)
        return OrderPage(
            items=[order_response(o) for o in page.items], next_cursor=next_cursor(page)
        )

    @get(
        "/{id:uuid}",
        summary="Read an order (the buyer with its access token, or staff)",
        description=BUYER_OR_STAFF + " Staff need `orders:read`. Once paid, with `attendees`.",
    )
    async def get_order(
        self,
        request: Request[Any, Any, Any],
        id: FromPath[UUID],
        resolve: FromDishka[ResolveOrganization],
        use_case: FromDishka[GetOrder],
        token: TokenQuery = None,
    ) -> OrderResponse:
        view = await use_case(OrderId(id), await order_access(request, resolve, token))
        return order_response(view.order, attendees=view.attendees)

    @post(
        "/{id:uuid}/pay",
        status_code=200,
        summary="Pay an order",
        description=BUYER_OR_STAFF
        + " `free` pays a zero total, `manual` is the box office (staff with `orders:manage`),"
        " `stripe` charges the card `paymentMethod`. Answers the paid order with its attendees"
        " (their signed ticket codes); the confirmation email is queued with it. Paying a paid"
        " order again answers the same (nothing is charged twice); an expired or cancelled"
        " order → 409. A declined card → 402 `payment_declined`; a card needing the buyer's"
        " confirmation answers the pending order with `payment.clientSecret`. With an"
        " `Idempotency-Key` (kept 24 h) another body under the same key → 422.",
        responses={
            402: ResponseSpec(
                Problem,
                description="The card was declined: nothing changed",
                media_type=PROBLEM_JSON,
                generate_examples=False,
            )
        },
    )
    async def pay_order(
        self,
        request: Request[Any, Any, Any],
        id: FromPath[UUID],
        data: JSONBody[PayRequest],
        resolve: FromDishka[ResolveOrganization],
        use_case: FromDishka[PayOrder],
        token: TokenQuery = None,
        idempotency_key: Annotated[
            str | None, HeaderParameter(name="Idempotency-Key", max_length=255)
        ] = None,
    ) -> OrderResponse:
        answer = await use_case(
            PayCommand(
                order_id=OrderId(id),
                access=await order_access(request, resolve, token),
                provider=data.provider,
                payment_method=data.payment_method,
                idempotency_key=idempotency_key,
            )
        )
        return order_response(answer.order, attendees=answer.attendees, payment=answer.pending)

    @get(
        "/{id:uuid}/tickets/{attendeeId:uuid}",
        summary="A ticket as a QR code (SVG, or PNG with `Accept: image/png`)",
        description=BUYER_OR_STAFF
        + " The image carries the attendee's signed `ticketCode`. A ticket of a cancelled or"
        " fully refunded order → 409.",
        responses={
            200: ResponseSpec(
                None,
                description="The QR code",
                media_type="image/svg+xml",
                generate_examples=False,
            )
        },
    )
    async def get_ticket(
        self,
        request: Request[Any, Any, Any],
        id: FromPath[UUID],
        attendeeId: FromPath[UUID],  # the name API.md gives it
        resolve: FromDishka[ResolveOrganization],
        use_case: FromDishka[GetTicket],
        renderer: FromDishka[QrRenderer],
        token: TokenQuery = None,
    ) -> Response[bytes]:
        access = await order_access(request, resolve, token)
        attendee = await use_case(OrderId(id), AttendeeId(attendeeId), access)
        png = request.accept.best_match(["image/svg+xml", "image/png"]) == "image/png"
        image_format = ImageFormat.PNG if png else ImageFormat.SVG
        # ~20-30 ms of CPU per image: off the event loop.
        image = await anyio.to_thread.run_sync(
            renderer.render, attendee.ticket_code.value, image_format
        )
        return Response(
            image,
            media_type="image/png" if png else "image/svg+xml",
            headers={"cache-control": "private, max-age=300", "vary": "Accept, Authorization"},
        )

    @post(
        "/{id:uuid}/cancel",
        status_code=200,
        security=BEARER,
        summary="Cancel a pending order (staff)",
        description=MANAGE
        + " Its held tickets and promo code use go back on sale. Cancelling a cancelled order"
        " answers it unchanged; a paid order is refunded instead and an expired one is over"
        " (409 `order_not_cancellable`). `If-Match` (or `version`): a stale version → 409.",
    )
    async def cancel_order(
        self,
        id: FromPath[UUID],
        actor: FromDishka[Actor],
        use_case: FromDishka[CancelOrder],
        data: JSONBody[StatusChangeRequest | None] = None,
        if_match: IfMatch = None,
    ) -> OrderResponse:
        version = expected_version(if_match, UNSET if data is None else data.version)
        order = await use_case(CancelOrderCommand(OrderId(id), version), actor)
        return order_response(order)

    @post(
        "/{id:uuid}/refund",
        status_code=200,
        security=BEARER,
        summary="Refund a paid order, fully or in part (staff)",
        description=MANAGE
        + " Without `amount`, all that is left; with it, that part (more than is left → 422 on"
        " `amount`). The money goes back through the gateway that took it, shortly after (the"
        " worker retries until the provider has it); a full refund puts the tickets back on"
        " sale. Answers the order, `partially_refunded` or `refunded`, with `refunded`. A"
        " pending, cancelled or expired order → 409 `order_not_refundable`; a full refund of a"
        " refunded order answers it unchanged. A partial refund is not idempotent: send"
        " `If-Match` (or `version`) so a retried request is refused as stale (409).",
    )
    async def refund_order(
        self,
        id: FromPath[UUID],
        actor: FromDishka[Actor],
        use_case: FromDishka[RefundOrder],
        data: JSONBody[RefundRequest | None] = None,
        if_match: IfMatch = None,
    ) -> OrderResponse:
        body = data or RefundRequest()
        amount = body.amount
        command = RefundOrderCommand(
            order_id=OrderId(id),
            amount=None if isinstance(amount, Unset) else Money(amount.amount, amount.currency),
            expected_version=expected_version(if_match, body.version),
        )
        view = await use_case(command, actor)
        return order_response(view.order, attendees=view.attendees)

    @post(
        "/{id:uuid}/resend-confirmation",
        status_code=202,
        security=BEARER,
        summary="Send the confirmation email again (staff)",
        description=MANAGE
        + " Queues a new confirmation email with the order's tickets (202 `{queued: true}`; the"
        " worker sends it). Only a paid or partially refunded order has one: otherwise 409"
        " `order_not_confirmable`.",
    )
    async def resend_confirmation(
        self,
        id: FromPath[UUID],
        actor: FromDishka[Actor],
        use_case: FromDishka[ResendConfirmation],
    ) -> ResendReceipt:
        await use_case(OrderId(id), actor)
        return ResendReceipt(queued=True)


class PaymentWebhookController(Controller):
    path = "/api/payments/webhooks"
    tags = ["orders"]

    @post(
        "/{provider:str}",
        status_code=200,
        summary="A payment provider's webhook",
        description="Verified by the provider's signature (Stripe: `Stripe-Signature`, with its"
        " timestamp tolerance) before anything in it is believed; a bad signature → 400. A"
        " payment that succeeded pays its order once, however often it is delivered.",
    )
    async def payment_webhook(
        self,
        request: Request[Any, Any, Any],
        provider: FromPath[str],
        use_case: FromDishka[HandlePaymentWebhook],
    ) -> WebhookReceipt:
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            await use_case(provider, body, headers)
        except InvalidWebhookSignature:
            raise ClientException("the webhook's signature does not verify") from None
        except ValueError:
            raise ClientException("the webhook's body cannot be read") from None
        return WebhookReceipt(received=True)


class TicketKeysController(Controller):
    path = "/api/ticket-keys"
    tags = ["orders"]

    @get(
        "/",
        summary="The public keys that verify ticket codes (for offline scanners)",
        description="Public. A JSON Web Key Set of Ed25519 keys, newest first. A ticket code is"
        " `<payload>.<kid>.<signature>`; the signature covers `<payload>.<kid>`.",
    )
    async def ticket_keys(self, signer: FromDishka[TicketSigner]) -> TicketKeysResponse:
        return TicketKeysResponse(keys=[dict(k) for k in signer.public_keys()])
