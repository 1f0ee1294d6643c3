"""Promo codes of an event: case-insensitive codes unique per event, amounts in the
organization's currency, only the event's own ticket types, replaced under a version, audited;
another tenant's are not found."""

from __future__ import annotations

import pytest
from tests.unit.application.events.conftest import EventsKit

from ticketbase.adapters.memory.system import FixedClock
from ticketbase.application.context import Actor
from ticketbase.application.events.create_promo_code import CreatePromoCodeCommand
from ticketbase.application.events.update_promo_code import UpdatePromoCodeCommand
from ticketbase.domain.events.errors import EventNotFound, MaxUsesBelowUses, PromoCodeNotFound
from ticketbase.domain.events.event import Event
from ticketbase.domain.events.promo_code import AmountOff, PercentOff, PromoCode, PromoCodeSpec
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.shared.errors import Conflict, RuleViolated, StaleVersion
from ticketbase.domain.shared.values import CurrencyMismatch, Money

pytestmark = pytest.mark.anyio


async def add_code(kit: EventsKit, actor: Actor, event: Event, code: str = "early") -> PromoCode:
    return await kit.create_promo_code(
        CreatePromoCodeCommand(event.id, PromoCodeSpec(code, PercentOff(10))), actor
    )


def stored(kit: EventsKit, organization: Organization, promo_code: PromoCode) -> PromoCode:
    return kit.uow.database.state.promo_codes[organization.id][promo_code.id]


async def test_a_code_is_added_upper_cased_and_audited(
    kit: EventsKit, clock: FixedClock, acme: Organization, owner: Actor
) -> None:
    event = await kit.event(owner)

    promo = await add_code(kit, owner, event)

    assert stored(kit, acme, promo) == promo
    assert (promo.code, promo.event_id, promo.uses, promo.version, promo.created_at) == (
        "EARLY",
        event.id,
        0,
        1,
        clock.now(),
    )
    [entry] = kit.audit(acme.id, "promo_code.")
    assert (entry.action, entry.target_type, entry.target_id, entry.changes) == (
        "promo_code.created",
        "promo_code",
        str(promo.id),
        {"eventId": str(event.id), "code": "EARLY"},
    )


async def test_a_code_is_unique_per_event_whatever_its_case(
    kit: EventsKit, acme: Organization, owner: Actor
) -> None:
    event = await kit.event(owner)
    other = await kit.event(owner, "Other")
    await add_code(kit, owner, event, "early")

    with pytest.raises(Conflict) as caught:
        await add_code(kit, owner, event, "EARLY")
    await add_code(kit, owner, other, "EARLY")

    assert caught.value.field == "code"
    assert kit.actions(acme.id, "promo_code.") == ["promo_code.created", "promo_code.created"]


async def test_codes_name_only_the_events_own_ticket_types(kit: EventsKit, owner: Actor) -> None:
    event = await kit.event(owner)
    other = await kit.event(owner, "Other")
    ours = await kit.ticket_type(owner, event.id)
    theirs = await kit.ticket_type(owner, other.id)

    await kit.create_promo_code(
        CreatePromoCodeCommand(
            event.id, PromoCodeSpec("OURS", PercentOff(10), [ours.ticket_type.id])
        ),
        owner,
    )
    with pytest.raises(RuleViolated) as caught:
        await kit.create_promo_code(
            CreatePromoCodeCommand(
                event.id, PromoCodeSpec("THEIRS", PercentOff(10), [theirs.ticket_type.id])
            ),
            owner,
        )

    assert caught.value.field == "ticketTypeIds"


async def test_an_amount_off_is_in_the_organizations_currency(kit: EventsKit, owner: Actor) -> None:
    event = await kit.event(owner)

    await kit.create_promo_code(
        CreatePromoCodeCommand(event.id, PromoCodeSpec("FIVE", AmountOff(Money(500, "EUR")))),
        owner,
    )
    with pytest.raises(CurrencyMismatch) as caught:
        await kit.create_promo_code(
            CreatePromoCodeCommand(event.id, PromoCodeSpec("USD", AmountOff(Money(500, "USD")))),
            owner,
        )

    assert caught.value.field == "discount.amount"


async def test_codes_are_listed_in_the_order_added(kit: EventsKit, owner: Actor) -> None:
    event = await kit.event(owner)
    other = await kit.event(owner, "Other")
    first = await add_code(kit, owner, event, "FIRST")
    second = await add_code(kit, owner, event, "SECOND")
    await add_code(kit, owner, other, "ELSEWHERE")

    listed = await kit.list_promo_codes(event.id, owner)

    assert [p.id for p in listed] == [first.id, second.id]


async def test_a_put_replaces_the_spec_under_its_version_and_is_audited(
    kit: EventsKit, acme: Organization, owner: Actor
) -> None:
    event = await kit.event(owner)
    promo = await add_code(kit, owner, event)
    new_spec = PromoCodeSpec("early", PercentOff(20), max_uses=50)

    updated = await kit.update_promo_code(
        UpdatePromoCodeCommand(event.id, promo.id, new_spec, expected_version=1), owner
    )

    assert stored(kit, acme, promo) == updated
    assert (updated.spec, updated.version) == (new_spec, 2)
    assert kit.audit(acme.id, "promo_code.updated")[-1].changes == {
        "eventId": str(event.id),
        "code": "EARLY",
        "fields": ["discount", "maxUses"],
    }
    with pytest.raises(StaleVersion):
        await kit.update_promo_code(
            UpdatePromoCodeCommand(event.id, promo.id, PromoCodeSpec("X12", PercentOff(5)), 1),
            owner,
        )
    assert stored(kit, acme, promo).code == "EARLY"


async def test_a_new_code_taken_in_the_event_is_a_conflict(kit: EventsKit, owner: Actor) -> None:
    event = await kit.event(owner)
    await add_code(kit, owner, event, "TAKEN")
    promo = await add_code(kit, owner, event)

    with pytest.raises(Conflict) as caught:
        await kit.update_promo_code(
            UpdatePromoCodeCommand(event.id, promo.id, PromoCodeSpec("taken", PercentOff(10))),
            owner,
        )

    assert caught.value.field == "code"


async def test_the_maximum_cannot_go_below_the_uses(
    kit: EventsKit, acme: Organization, owner: Actor
) -> None:
    event = await kit.event(owner)
    promo = await add_code(kit, owner, event)
    stored(kit, acme, promo).uses = 5

    with pytest.raises(MaxUsesBelowUses):
        await kit.update_promo_code(
            UpdatePromoCodeCommand(
                event.id, promo.id, PromoCodeSpec("EARLY", PercentOff(10), max_uses=4)
            ),
            owner,
        )
    updated = await kit.update_promo_code(
        UpdatePromoCodeCommand(
            event.id, promo.id, PromoCodeSpec("EARLY", PercentOff(10), max_uses=5)
        ),
        owner,
    )

    assert (updated.max_uses, stored(kit, acme, promo).uses) == (5, 5)


async def test_a_code_is_deleted_and_audited(
    kit: EventsKit, acme: Organization, owner: Actor
) -> None:
    event = await kit.event(owner)
    promo = await add_code(kit, owner, event)

    await kit.delete_promo_code(event.id, promo.id, owner)

    assert promo.id not in kit.uow.database.state.promo_codes[acme.id]
    entry = kit.audit(acme.id, "promo_code.deleted")[-1]
    assert (entry.target_id, entry.changes) == (
        str(promo.id),
        {"eventId": str(event.id), "code": "EARLY", "uses": 0},
    )


async def test_a_code_of_another_event_is_not_found(kit: EventsKit, owner: Actor) -> None:
    event = await kit.event(owner)
    other = await kit.event(owner, "Other")
    theirs = await add_code(kit, owner, other)

    with pytest.raises(PromoCodeNotFound):
        await kit.update_promo_code(
            UpdatePromoCodeCommand(event.id, theirs.id, PromoCodeSpec("EARLY", PercentOff(50))),
            owner,
        )
    with pytest.raises(PromoCodeNotFound):
        await kit.delete_promo_code(event.id, theirs.id, owner)


async def test_another_tenants_codes_are_not_found(
    kit: EventsKit, acme: Organization, owner: Actor, rival: Actor
) -> None:
    event = await kit.event(owner)
    promo = await add_code(kit, owner, event)
    their_event = await kit.event(rival)
    half_off = PromoCodeSpec("EARLY", PercentOff(50))

    with pytest.raises(EventNotFound):
        await kit.list_promo_codes(event.id, rival)
    with pytest.raises(EventNotFound):
        await kit.create_promo_code(CreatePromoCodeCommand(event.id, half_off), rival)
    with pytest.raises(EventNotFound):
        await kit.update_promo_code(UpdatePromoCodeCommand(event.id, promo.id, half_off), rival)
    with pytest.raises(EventNotFound):
        await kit.delete_promo_code(event.id, promo.id, rival)
    with pytest.raises(PromoCodeNotFound):
        await kit.update_promo_code(
            UpdatePromoCodeCommand(their_event.id, promo.id, half_off), rival
        )
    with pytest.raises(PromoCodeNotFound):
        await kit.delete_promo_code(their_event.id, promo.id, rival)

    assert stored(kit, acme, promo).spec.discount == PercentOff(10)
