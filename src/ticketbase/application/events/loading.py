"""Reading an event's parts inside a tenant transaction, each absence a named ``NotFound``.

Row level security hides other tenants' rows, so another tenant's id reads as missing here and
answers exactly like an id that never existed."""

from __future__ import annotations

from ticketbase.application.ports.unit_of_work import TenantTransaction
from ticketbase.domain.events.errors import EventNotFound, PromoCodeNotFound, TicketTypeNotFound
from ticketbase.domain.events.event import Event
from ticketbase.domain.events.promo_code import PromoCode
from ticketbase.domain.events.ticket_type import TicketType
from ticketbase.domain.shared.errors import NotFound
from ticketbase.domain.shared.ids import EventId, PromoCodeId, TicketTypeId


async def load_event(tx: TenantTransaction, event_id: EventId) -> Event:
    event = await tx.events.get(event_id)
    if event is None:
        raise EventNotFound("no such event")
    return event


def pick_ticket_type(ticket_types: list[TicketType], ticket_type_id: TicketTypeId) -> TicketType:
    """One of an event's ticket types (as read with ``of_event``)."""
    found = next((t for t in ticket_types if t.id == ticket_type_id), None)
    if found is None:
        raise TicketTypeNotFound("no such ticket type in this event")
    return found


async def load_promo_code(
    tx: TenantTransaction, event: Event, promo_code_id: PromoCodeId
) -> PromoCode:
    promo_code = await tx.promo_codes.get(promo_code_id)
    if promo_code is None or promo_code.event_id != event.id:
        raise PromoCodeNotFound("no such promo code in this event")
    return promo_code


async def organization_currency(tx: TenantTransaction) -> str:
    """The currency the tenant sells in: every price and amount off is in it."""
    organization = await tx.organizations.get()
    if organization is None:
        raise NotFound("no such organization")
    return organization.settings.currency
