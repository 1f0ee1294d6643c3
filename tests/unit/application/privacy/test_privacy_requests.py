"""Export and erasure on the memory adapters: owners only, within their tenant, audited under a
keyed hash of the address."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from tests.unit.application.conftest import MakeMember
from tests.unit.application.events.conftest import EventsKit
from tests.unit.application.orders.test_checkout import BUYER_TOKENS, command, on_sale

from ticketbase.adapters.security.subject_hash import HmacSubjectHasher
from ticketbase.application.context import Actor
from ticketbase.application.orders.checkout import Checkout
from ticketbase.application.privacy.erase_personal_data import ErasePersonalData, Erasure
from ticketbase.application.privacy.export_personal_data import ExportPersonalData
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.identity.permissions import Role
from ticketbase.domain.orders.order import Order
from ticketbase.domain.privacy.erasure import ERASED_NAME, erased_email
from ticketbase.domain.shared.errors import PermissionDenied, RuleViolated
from ticketbase.domain.shared.values import EmailAddress

pytestmark = pytest.mark.anyio
HASHER = HmacSubjectHasher("unit-test-privacy-hash-key-0123456789")
ADA, GRACE = "ada@example.com", "grace@example.org"


async def shop(
    kit: EventsKit, organization: Organization, owner: Actor
) -> Callable[[str], Awaitable[Order]]:
    """Orders of one event on sale in the organization, placed by the given buyer's email."""
    event, ticket_type_id = await on_sale(kit, owner)
    checkout = Checkout(kit.uow, kit.clock, kit.ids, BUYER_TOKENS)

    async def place(email: str) -> Order:
        chosen = command(organization, event.id, ticket_type_id, 1, buyer_email=email)
        return (await checkout(chosen)).order

    return place


def use_cases(kit: EventsKit) -> tuple[ExportPersonalData, ErasePersonalData]:
    return (
        ExportPersonalData(kit.uow, kit.clock, kit.ids, HASHER),
        ErasePersonalData(kit.uow, kit.clock, kit.ids, HASHER),
    )


def privacy_audit(kit: EventsKit, organization: Organization) -> list[tuple[str, str | None]]:
    return [
        (e.action, e.target_id)
        for org, e in kit.uow.database.state.audit
        if org == organization.id and e.action.startswith("privacy.")
    ]


async def test_an_erasure_keeps_the_amounts_and_reaches_only_the_callers_tenant(
    kit: EventsKit,
    acme: Organization,
    globex: Organization,
    owner: Actor,
    rival: Actor,
) -> None:
    export, erase = use_cases(kit)
    place, place_elsewhere = await shop(kit, acme, owner), await shop(kit, globex, rival)
    adas = [await place(ADA), await place(ADA)]
    grace = await place(GRACE)
    elsewhere = await place_elsewhere(ADA)

    found = await export(" ADA@example.com", owner)
    assert [o.id for o in found.orders] == [o.id for o in adas]
    assert await erase(ADA, owner) == Erasure(2, 0, False, 0)

    orders = kit.uow.database.state.orders
    for before in adas:
        after, _ = orders[acme.id][before.id]
        assert after.buyer.full_name == ERASED_NAME
        assert after.buyer.email == erased_email(before.id)
        assert (after.totals, after.lines) == (before.totals, before.lines)
    assert orders[acme.id][grace.id][0].buyer.email == EmailAddress(GRACE)
    assert orders[globex.id][elsewhere.id][0].buyer.email == EmailAddress(ADA)
    assert (await export(ADA, owner)).orders == []
    assert [o.id for o in (await export(ADA, rival)).orders] == [elsewhere.id]

    subject = HASHER.subject_id(EmailAddress(ADA))
    assert privacy_audit(kit, acme) == [
        ("privacy.exported", subject),
        ("privacy.erased", subject),
        ("privacy.exported", subject),
    ]
    assert privacy_audit(kit, globex) == [("privacy.exported", subject)]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER, Role.SUPPORT, Role.ANALYST])
async def test_only_owners_may_export_or_erase(
    kit: EventsKit, acme: Organization, owner: Actor, make_member: MakeMember, role: Role
) -> None:
    export, erase = use_cases(kit)
    order = await (await shop(kit, acme, owner))(ADA)
    caller = make_member(acme.id, role)
    with pytest.raises(PermissionDenied):
        await export(ADA, caller)
    with pytest.raises(PermissionDenied):
        await erase(ADA, caller)
    assert kit.uow.database.state.orders[acme.id][order.id][0].buyer.email == EmailAddress(ADA)
    assert privacy_audit(kit, acme) == []


async def test_a_malformed_email_is_refused_before_anything_is_read(
    kit: EventsKit, acme: Organization, owner: Actor
) -> None:
    export, erase = use_cases(kit)
    for call in (export, erase):
        with pytest.raises(RuleViolated):
            await call("not-an-email", owner)
    assert privacy_audit(kit, acme) == []
