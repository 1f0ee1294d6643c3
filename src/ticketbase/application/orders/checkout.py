"""The storefront's checkout: price a request at the clock's now, hold its tickets, number and
place a pending order, and hand the buyer the order's access token once.

All in one tenant transaction, in the order storage asks for: the inventory's conditional
updates first (a refusal leaves without committing), then the organization's order counter,
whose row stays locked until the commit (a refused checkout leaves no gap in the numbers)."""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.application.identity.opaque_tokens import new_opaque_token
from ticketbase.application.orders.announcements import order_created
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import TenantTransaction, UnitOfWork
from ticketbase.domain.events.errors import EventNotFound, inputs_within
from ticketbase.domain.events.event import EventStatus
from ticketbase.domain.events.promo_code import PromoCode, normalise_code
from ticketbase.domain.orders.buyer import Buyer, NamedAttendee
from ticketbase.domain.orders.errors import UnknownPromoCode
from ticketbase.domain.orders.order import DEFAULT_HOLD, Order, OrderNumber
from ticketbase.domain.orders.quote import RequestedItem, quote
from ticketbase.domain.shared.ids import EventId, OrderId, OrganizationId, TicketTypeId


@dataclass(frozen=True, slots=True)
class AttendeeInput:
    ticket_type_id: TicketTypeId
    full_name: str
    email: str


@dataclass(frozen=True, slots=True)
class CheckoutCommand:
    """``organization_id``: the storefront's tenant (from the Host or ``X-Organization``)."""

    organization_id: OrganizationId
    event_id: EventId
    items: tuple[RequestedItem, ...]
    buyer_full_name: str
    buyer_email: str
    attendees: tuple[AttendeeInput, ...] = ()
    promo_code: str | None = None


@dataclass(frozen=True, slots=True)
class PlacedOrder:
    """The new order and the buyer's access token: shown once, only its hash is kept."""

    order: Order
    access_token: str


class Checkout:
    def __init__(self, uow: UnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    async def __call__(self, command: CheckoutCommand) -> PlacedOrder:
        with inputs_within("buyer"):
            buyer = Buyer.parse(full_name=command.buyer_full_name, email=command.buyer_email)
        attendees = tuple(_attendee(i, a) for i, a in enumerate(command.attendees))
        now = self._clock.now()
        async with self._uow.for_tenant(command.organization_id) as tx:
            event = await tx.events.get(command.event_id)
            if event is None or event.status is not EventStatus.PUBLISHED:
                raise EventNotFound("no such event")
            priced = quote(
                event,
                await tx.ticket_types.of_event(event.id),
                command.items,
                at=now,
                promo_code=await _promo_code(tx, event.id, command.promo_code),
            )
            await tx.inventory.hold(
                event.id,
                [(line.ticket_type_id, line.quantity) for line in priced.lines],
                priced.promo_code_id,
            )
            sequence = await tx.orders.next_number()
            order, created = Order.place(
                id=OrderId(self._ids.new()),
                organization_id=command.organization_id,
                event_id=event.id,
                number=OrderNumber.from_sequence(sequence),
                quote=priced,
                buyer=buyer,
                now=now,
                hold=DEFAULT_HOLD,
                attendees=attendees,
            )
            token, token_hash = new_opaque_token()
            await tx.orders.add(order, token_hash)
            await tx.outbox.add(order_created(created, self._ids.new()))
            await tx.commit()
        return PlacedOrder(order, token)


def _attendee(index: int, given: AttendeeInput) -> NamedAttendee:
    with inputs_within(f"attendees[{index}]"):
        return NamedAttendee.parse(
            ticket_type_id=given.ticket_type_id, full_name=given.full_name, email=given.email
        )


async def _promo_code(
    tx: TenantTransaction, event_id: EventId, raw: str | None
) -> PromoCode | None:
    """The event's code of that name, case-insensitively; ``UnknownPromoCode`` when none."""
    if raw is None:
        return None
    code = normalise_code(raw, field="promoCode")
    for promo_code in await tx.promo_codes.of_event(event_id):
        if promo_code.code == code:
            return promo_code
    raise UnknownPromoCode("no such code for this event", field="promoCode")
