"""Ticket types through the Event aggregate: priced in the organization's currency, replaced
whole under a version, removed only when unsold, audited; another tenant's are not found."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tests.unit.application.events.conftest import EventsKit, spec

from ticketbase.adapters.memory.system import FixedClock
from ticketbase.application.context import Actor
from ticketbase.application.events.archive_event import ArchiveEventCommand
from ticketbase.application.events.create_promo_code import CreatePromoCodeCommand
from ticketbase.application.events.create_ticket_type import CreateTicketTypeCommand
from ticketbase.application.events.update_ticket_type import UpdateTicketTypeCommand
from ticketbase.domain.events.errors import (
    EventIsArchived,
    EventNotFound,
    QuantityBelowSold,
    SalesWindowOutsideEvent,
    TicketTypeHasSales,
    TicketTypeNotFound,
)
from ticketbase.domain.events.promo_code import PercentOff, PromoCodeSpec
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.shared.errors import Conflict, StaleVersion
from ticketbase.domain.shared.values import CurrencyMismatch, Money

pytestmark = pytest.mark.anyio


async def test_a_ticket_type_is_added_with_its_availability_and_price(
    kit: EventsKit, clock: FixedClock, acme: Organization, owner: Actor
) -> None:
    event = await kit.event(owner)

    view = await kit.create_ticket_type(CreateTicketTypeCommand(event.id, spec()), owner)

    stored = kit.stored_ticket_type(acme.id, view.ticket_type.id)
    assert stored == view.ticket_type
    assert (stored.event_id, stored.spec, stored.version, stored.created_at) == (
        event.id,
        spec(),
        1,
        clock.now(),
    )
    assert (view.available, view.current_price) == (100, Money(2500, "EUR"))
    [entry] = kit.audit(acme.id, "ticket_type.")
    assert (entry.action, entry.target_type, entry.target_id, entry.actor_id) == (
        "ticket_type.created",
        "ticket_type",
        str(stored.id),
        owner.user_id,
    )
    assert entry.changes == {
        "eventId": str(event.id),
        "name": "General",
        "price": 2500,
        "currency": "EUR",
        "quantity": 100,
    }


async def test_prices_are_in_the_organizations_currency(
    kit: EventsKit, acme: Organization, owner: Actor
) -> None:
    event = await kit.event(owner)

    with pytest.raises(CurrencyMismatch) as caught:
        await kit.ticket_type(owner, event.id, price=Money(2500, "USD"))

    assert caught.value.field == "price"
    assert kit.audit(acme.id, "ticket_type.") == []


async def test_a_sales_window_outside_the_events_is_refused(kit: EventsKit, owner: Actor) -> None:
    event = await kit.event(owner)

    with pytest.raises(SalesWindowOutsideEvent):
        await kit.ticket_type(owner, event.id, sales_end_at=datetime(2026, 6, 3, tzinfo=UTC))


async def test_ticket_types_are_listed_in_the_order_added(
    kit: EventsKit, acme: Organization, owner: Actor
) -> None:
    event = await kit.event(owner)
    other = await kit.event(owner, "Other")
    general = await kit.ticket_type(owner, event.id)
    vip = await kit.ticket_type(owner, event.id, "VIP", quantity=10)
    await kit.ticket_type(owner, other.id, "Elsewhere")
    kit.sell(acme.id, vip.ticket_type.id, sold=4)

    listed = await kit.list_ticket_types(event.id, owner)

    assert [(v.ticket_type.id, v.available) for v in listed] == [
        (general.ticket_type.id, 100),
        (vip.ticket_type.id, 6),
    ]


async def test_a_put_replaces_the_spec_under_its_version_and_is_audited(
    kit: EventsKit, clock: FixedClock, acme: Organization, owner: Actor
) -> None:
    event = await kit.event(owner)
    created = await kit.ticket_type(owner, event.id)
    clock.advance(minutes=1)
    new_spec = spec("Standard", price=Money(3000, "EUR"), quantity=100, hidden=True)

    view = await kit.update_ticket_type(
        UpdateTicketTypeCommand(event.id, created.ticket_type.id, new_spec, expected_version=1),
        owner,
    )

    stored = kit.stored_ticket_type(acme.id, created.ticket_type.id)
    assert (stored.spec, stored.version, stored.updated_at) == (new_spec, 2, clock.now())
    assert view.ticket_type == stored
    assert view.current_price == Money(3000, "EUR")
    assert kit.audit(acme.id, "ticket_type.updated")[-1].changes == {
        "eventId": str(event.id),
        "fields": ["hidden", "name", "price"],
    }


async def test_a_put_with_a_stale_version_is_refused(
    kit: EventsKit, acme: Organization, owner: Actor
) -> None:
    event = await kit.event(owner)
    created = await kit.ticket_type(owner, event.id)
    await kit.update_ticket_type(
        UpdateTicketTypeCommand(event.id, created.ticket_type.id, spec("Two"), 1), owner
    )

    with pytest.raises(StaleVersion):
        await kit.update_ticket_type(
            UpdateTicketTypeCommand(event.id, created.ticket_type.id, spec("Three"), 1), owner
        )

    assert kit.stored_ticket_type(acme.id, created.ticket_type.id).name == "Two"


async def test_the_same_spec_changes_nothing(
    kit: EventsKit, acme: Organization, owner: Actor
) -> None:
    event = await kit.event(owner)
    created = await kit.ticket_type(owner, event.id)

    view = await kit.update_ticket_type(
        UpdateTicketTypeCommand(event.id, created.ticket_type.id, spec()), owner
    )

    assert view.ticket_type.version == 1
    assert kit.actions(acme.id, "ticket_type.updated") == []


async def test_the_quantity_cannot_go_below_the_tickets_taken(
    kit: EventsKit, acme: Organization, owner: Actor
) -> None:
    event = await kit.event(owner)
    created = await kit.ticket_type(owner, event.id)
    kit.sell(acme.id, created.ticket_type.id, sold=40, held=2)

    with pytest.raises(QuantityBelowSold):
        await kit.update_ticket_type(
            UpdateTicketTypeCommand(event.id, created.ticket_type.id, spec(quantity=41)), owner
        )
    view = await kit.update_ticket_type(
        UpdateTicketTypeCommand(event.id, created.ticket_type.id, spec(quantity=42)), owner
    )

    assert (view.available, view.ticket_type.sold, view.ticket_type.held) == (0, 40, 2)


async def test_an_unsold_ticket_type_is_deleted_and_audited(
    kit: EventsKit, acme: Organization, owner: Actor
) -> None:
    event = await kit.event(owner)
    created = await kit.ticket_type(owner, event.id)

    await kit.delete_ticket_type(event.id, created.ticket_type.id, owner)

    assert created.ticket_type.id not in kit.uow.database.state.ticket_types[acme.id]
    entry = kit.audit(acme.id, "ticket_type.deleted")[-1]
    assert (entry.target_id, entry.changes) == (
        str(created.ticket_type.id),
        {"eventId": str(event.id), "name": "General"},
    )


async def test_a_ticket_type_with_sales_is_not_deleted(
    kit: EventsKit, acme: Organization, owner: Actor
) -> None:
    event = await kit.event(owner)
    created = await kit.ticket_type(owner, event.id)
    kit.sell(acme.id, created.ticket_type.id, sold=0, held=1)

    with pytest.raises(TicketTypeHasSales):
        await kit.delete_ticket_type(event.id, created.ticket_type.id, owner)

    assert created.ticket_type.id in kit.uow.database.state.ticket_types[acme.id]


async def test_a_ticket_type_named_by_a_promo_code_is_not_deleted(
    kit: EventsKit, acme: Organization, owner: Actor
) -> None:
    event = await kit.event(owner)
    created = await kit.ticket_type(owner, event.id)
    await kit.create_promo_code(
        CreatePromoCodeCommand(
            event.id, PromoCodeSpec("VIPONLY", PercentOff(10), [created.ticket_type.id])
        ),
        owner,
    )

    with pytest.raises(Conflict) as caught:
        await kit.delete_ticket_type(event.id, created.ticket_type.id, owner)

    assert "VIPONLY" in caught.value.detail
    assert created.ticket_type.id in kit.uow.database.state.ticket_types[acme.id]


async def test_an_archived_events_ticket_types_do_not_change(
    kit: EventsKit, clock: FixedClock, owner: Actor
) -> None:
    event = await kit.published(owner)
    [general] = await kit.list_ticket_types(event.id, owner)
    clock.current = datetime(2026, 6, 2, tzinfo=UTC)

    await kit.archive_event(ArchiveEventCommand(event.id), owner)

    with pytest.raises(EventIsArchived):
        await kit.update_ticket_type(
            UpdateTicketTypeCommand(event.id, general.ticket_type.id, spec("Late")), owner
        )
    with pytest.raises(EventIsArchived):
        await kit.delete_ticket_type(event.id, general.ticket_type.id, owner)


async def test_a_ticket_type_of_another_event_is_not_found(kit: EventsKit, owner: Actor) -> None:
    event = await kit.event(owner)
    other = await kit.event(owner, "Other")
    theirs = await kit.ticket_type(owner, other.id)

    with pytest.raises(TicketTypeNotFound):
        await kit.update_ticket_type(
            UpdateTicketTypeCommand(event.id, theirs.ticket_type.id, spec()), owner
        )
    with pytest.raises(TicketTypeNotFound):
        await kit.delete_ticket_type(event.id, theirs.ticket_type.id, owner)


async def test_another_tenants_ticket_types_are_not_found(
    kit: EventsKit, acme: Organization, owner: Actor, rival: Actor
) -> None:
    event = await kit.event(owner)
    created = await kit.ticket_type(owner, event.id)
    their_event = await kit.event(rival)
    tt = created.ticket_type.id

    with pytest.raises(EventNotFound):
        await kit.list_ticket_types(event.id, rival)
    with pytest.raises(EventNotFound):
        await kit.create_ticket_type(CreateTicketTypeCommand(event.id, spec()), rival)
    with pytest.raises(EventNotFound):
        await kit.update_ticket_type(UpdateTicketTypeCommand(event.id, tt, spec("X")), rival)
    with pytest.raises(EventNotFound):
        await kit.delete_ticket_type(event.id, tt, rival)
    with pytest.raises(TicketTypeNotFound):
        await kit.update_ticket_type(UpdateTicketTypeCommand(their_event.id, tt, spec()), rival)
    with pytest.raises(TicketTypeNotFound):
        await kit.delete_ticket_type(their_event.id, tt, rival)

    assert kit.stored_ticket_type(acme.id, tt).name == "General"
