"""Who may do what: owners, admins and managers write; support and analysts read only; promo
codes are for writers alone; an actor outside any organization does nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest
from tests.unit.application.events.conftest import (
    READERS_ONLY,
    WRITERS,
    EventsKit,
    MakeMember,
    event_command,
    spec,
)

from ticketbase.application.context import Actor
from ticketbase.application.events.archive_event import ArchiveEventCommand
from ticketbase.application.events.cancel_event import CancelEventCommand
from ticketbase.application.events.create_promo_code import CreatePromoCodeCommand
from ticketbase.application.events.create_ticket_type import CreateTicketTypeCommand
from ticketbase.application.events.publish_event import PublishEventCommand
from ticketbase.application.events.update_event import UpdateEventCommand
from ticketbase.application.events.update_promo_code import UpdatePromoCodeCommand
from ticketbase.application.events.update_ticket_type import UpdateTicketTypeCommand
from ticketbase.application.pagination import PageRequest
from ticketbase.application.ports.events import EventFilter
from ticketbase.domain.events.promo_code import PercentOff, PromoCodeSpec
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.identity.permissions import Permission, Role
from ticketbase.domain.shared.errors import PermissionDenied
from ticketbase.domain.shared.ids import EventId, PromoCodeId, TicketTypeId

pytestmark = pytest.mark.anyio


@dataclass
class World:
    """A draft with a ticket type and a promo code, a second ticket type to delete, and a
    cancelled event to archive; all made by the owner."""

    draft: EventId
    ticket_type: TicketTypeId
    spare_ticket_type: TicketTypeId
    promo_code: PromoCodeId
    cancelled: EventId


@pytest.fixture
async def world(kit: EventsKit, owner: Actor) -> World:
    draft = await kit.event(owner)
    general = await kit.ticket_type(owner, draft.id)
    spare = await kit.ticket_type(owner, draft.id, "Spare")
    promo = await kit.create_promo_code(
        CreatePromoCodeCommand(draft.id, PromoCodeSpec("EARLY", PercentOff(10))), owner
    )
    cancelled = await kit.event(owner, "Called Off")
    await kit.cancel_event(CancelEventCommand(cancelled.id), owner)
    return World(draft.id, general.ticket_type.id, spare.ticket_type.id, promo.id, cancelled.id)


Operation = Callable[[EventsKit, World, Actor], Awaitable[object]]

WRITES: dict[str, Operation] = {
    "create event": lambda k, w, a: k.create_event(event_command("Another"), a),
    "update event": lambda k, w, a: k.update_event(UpdateEventCommand(w.draft, name="New"), a),
    "publish event": lambda k, w, a: k.publish_event(PublishEventCommand(w.draft), a),
    "cancel event": lambda k, w, a: k.cancel_event(CancelEventCommand(w.draft), a),
    "archive event": lambda k, w, a: k.archive_event(ArchiveEventCommand(w.cancelled), a),
    "create ticket type": lambda k, w, a: k.create_ticket_type(
        CreateTicketTypeCommand(w.draft, spec("VIP")), a
    ),
    "update ticket type": lambda k, w, a: k.update_ticket_type(
        UpdateTicketTypeCommand(w.draft, w.ticket_type, spec("Renamed")), a
    ),
    "delete ticket type": lambda k, w, a: k.delete_ticket_type(w.draft, w.spare_ticket_type, a),
    "list promo codes": lambda k, w, a: k.list_promo_codes(w.draft, a),
    "create promo code": lambda k, w, a: k.create_promo_code(
        CreatePromoCodeCommand(w.draft, PromoCodeSpec("LATE", PercentOff(5))), a
    ),
    "update promo code": lambda k, w, a: k.update_promo_code(
        UpdatePromoCodeCommand(w.draft, w.promo_code, PromoCodeSpec("EARLY", PercentOff(20))), a
    ),
    "delete promo code": lambda k, w, a: k.delete_promo_code(w.draft, w.promo_code, a),
}

READS: dict[str, Operation] = {
    "list events": lambda k, w, a: k.list_events(EventFilter(), PageRequest(), a),
    "get event": lambda k, w, a: k.get_event(w.draft, a),
    "list ticket types": lambda k, w, a: k.list_ticket_types(w.draft, a),
}


@pytest.mark.parametrize("role", WRITERS)
@pytest.mark.parametrize("operation", WRITES.values(), ids=WRITES.keys())
async def test_owners_admins_and_managers_write(
    kit: EventsKit,
    world: World,
    acme: Organization,
    make_member: MakeMember,
    role: Role,
    operation: Operation,
) -> None:
    await operation(kit, world, make_member(acme.id, role))


@pytest.mark.parametrize("role", READERS_ONLY)
@pytest.mark.parametrize("operation", WRITES.values(), ids=WRITES.keys())
async def test_support_and_analysts_write_nothing(
    kit: EventsKit,
    world: World,
    acme: Organization,
    make_member: MakeMember,
    role: Role,
    operation: Operation,
) -> None:
    before = list(kit.uow.database.state.audit)

    with pytest.raises(PermissionDenied):
        await operation(kit, world, make_member(acme.id, role))

    assert kit.uow.database.state.audit == before


@pytest.mark.parametrize("role", [*WRITERS, *READERS_ONLY])
@pytest.mark.parametrize("operation", READS.values(), ids=READS.keys())
async def test_every_role_reads(
    kit: EventsKit,
    world: World,
    acme: Organization,
    make_member: MakeMember,
    role: Role,
    operation: Operation,
) -> None:
    await operation(kit, world, make_member(acme.id, role))


@pytest.mark.parametrize(
    "operation", [*WRITES.values(), *READS.values()], ids=[*WRITES.keys(), *READS.keys()]
)
async def test_an_actor_outside_any_organization_is_refused(
    kit: EventsKit, world: World, platform_admin: Actor, operation: Operation
) -> None:
    with pytest.raises(PermissionDenied):
        await operation(kit, world, platform_admin)


async def test_grants_and_revokes_count_not_the_role_alone(
    kit: EventsKit, world: World, acme: Organization, make_member: MakeMember
) -> None:
    granted = make_member(acme.id, Role.SUPPORT, grants=[Permission.EVENTS_WRITE])
    revoked = make_member(acme.id, Role.MANAGER, revokes=[Permission.EVENTS_WRITE])

    await kit.update_event(UpdateEventCommand(world.draft, name="By support"), granted)
    with pytest.raises(PermissionDenied):
        await kit.update_event(UpdateEventCommand(world.draft, name="By manager"), revoked)

    assert kit.stored_event(acme.id, world.draft).name == "By support"
