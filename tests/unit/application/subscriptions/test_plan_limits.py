"""Plan limits where they are spent, on the in-memory adapters: seats, published events,
orders of the month, storage; plan changes (refused below the usage, billed, audited) and the
plan cache every hot path reads, dropped by the change feed."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from uuid import UUID

import pytest
from tests.unit.application.conftest import MakeMember
from tests.unit.application.events.conftest import EventsKit
from tests.unit.application.orders.test_checkout import BUYER_TOKENS, command, on_sale

from ticketbase.adapters.billing.manual import ManualBilling
from ticketbase.adapters.local.cache import TaggedCache
from ticketbase.adapters.memory.subscriptions import MemorySubscriptionRepository
from ticketbase.application.context import Actor
from ticketbase.application.events.publish_event import PublishEvent, PublishEventCommand
from ticketbase.application.orders.checkout import Checkout
from ticketbase.application.subscriptions.change_plan import ChangePlan, ChangePlanCommand
from ticketbase.application.subscriptions.get_subscription import GetSubscription
from ticketbase.application.subscriptions.get_usage import GetUsage
from ticketbase.application.subscriptions.limits import (
    MonthlyOrderAllowance,
    check_seat,
    month_start,
)
from ticketbase.application.subscriptions.plans import CurrentPlans
from ticketbase.application.subscriptions.storage_quota import UNLIMITED_BYTES, PlanStorageQuota
from ticketbase.domain.identity.membership import Membership, MembershipStatus
from ticketbase.domain.identity.organization import Organization
from ticketbase.domain.identity.permissions import Role
from ticketbase.domain.shared.errors import PermissionDenied, StaleVersion
from ticketbase.domain.shared.ids import MembershipId, UserId
from ticketbase.domain.subscriptions.plan import (
    LimitName,
    PlanCatalog,
    PlanDowngradeBlocked,
    PlanLimitExceeded,
    PlanLimits,
    PlanName,
    UnknownPlan,
)

pytestmark = pytest.mark.anyio

SMALL = PlanCatalog(
    {
        PlanName.FREE: PlanLimits(
            seats=2,
            published_events=1,
            orders_per_month=3,
            storage_bytes=1000,
            api_requests_per_minute=10,
        ),
        PlanName.PRO: PlanLimits(
            seats=5,
            published_events=3,
            orders_per_month=1000,
            storage_bytes=10_000,
            api_requests_per_minute=100,
        ),
        PlanName.ENTERPRISE: PlanLimits(None, None, None, None, 1000),
    }
)


def plans(kit: EventsKit, catalog: PlanCatalog = SMALL) -> CurrentPlans:
    return CurrentPlans(kit.uow, catalog, TaggedCache(kit.feed.hub))


def change_plan(kit: EventsKit, catalog: PlanCatalog = SMALL) -> ChangePlan:
    return ChangePlan(kit.uow, catalog, ManualBilling(), kit.clock, kit.ids)


async def add_member(kit: EventsKit, acme: Organization, status: MembershipStatus) -> None:
    now = kit.clock.now()
    async with kit.uow.for_tenant(acme.id) as tx:
        await tx.memberships.add(
            Membership(
                id=MembershipId(kit.ids.new()),
                organization_id=acme.id,
                user_id=UserId(kit.ids.new()),
                role=Role.SUPPORT,
                status=status,
                created_at=now,
                updated_at=now,
            )
        )
        await tx.commit()


async def test_seats_count_active_and_invited_members_not_deactivated_ones(
    kit: EventsKit, acme: Organization
) -> None:
    await add_member(kit, acme, MembershipStatus.DEACTIVATED)
    await add_member(kit, acme, MembershipStatus.INVITED)
    async with kit.uow.for_tenant(acme.id) as tx:
        await check_seat(tx, SMALL, kit.clock.now())  # one of two taken
    await add_member(kit, acme, MembershipStatus.ACTIVE)
    async with kit.uow.for_tenant(acme.id) as tx:
        with pytest.raises(PlanLimitExceeded) as refused:
            await check_seat(tx, SMALL, kit.clock.now())
    assert (refused.value.limit, refused.value.used) == (LimitName.SEATS, 2)


async def test_publishing_past_the_plans_published_events_is_refused(
    kit: EventsKit, owner: Actor, acme: Organization
) -> None:
    publish = PublishEvent(kit.uow, kit.clock, kit.ids, SMALL)
    first = await kit.event(owner, "First")
    await kit.ticket_type(owner, first.id)
    second = await kit.event(owner, "Second")
    await kit.ticket_type(owner, second.id)

    await publish(PublishEventCommand(first.id), owner)
    await publish(PublishEventCommand(first.id), owner)  # already published: nothing to count
    with pytest.raises(PlanLimitExceeded) as refused:
        await publish(PublishEventCommand(second.id), owner)

    assert refused.value.limit is LimitName.PUBLISHED_EVENTS
    assert kit.stored_event(acme.id, second.id).status.value == "draft"


async def test_checkouts_past_the_months_orders_are_refused_until_the_next_month(
    kit: EventsKit, owner: Actor, acme: Organization
) -> None:
    event, ticket_type_id = await on_sale(kit, owner)
    checkout = Checkout(
        kit.uow,
        kit.clock,
        kit.ids,
        BUYER_TOKENS,
        allowance=MonthlyOrderAllowance(plans(kit)),
    )
    for _ in range(3):
        await checkout(command(acme, event.id, ticket_type_id, 1))
    with pytest.raises(PlanLimitExceeded) as refused:
        await checkout(command(acme, event.id, ticket_type_id, 1))
    assert (refused.value.limit, refused.value.allowed) == (LimitName.ORDERS_PER_MONTH, 3)
    assert len(kit.uow.database.state.orders[acme.id]) == 3

    kit.clock.advance(days=31)  # 2026-06-01: a new month
    await checkout(command(acme, event.id, ticket_type_id, 1))


async def test_far_from_the_limit_a_checkout_does_not_count_the_month(
    kit: EventsKit, owner: Actor, acme: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    counts: list[int] = []
    original = MemorySubscriptionRepository.count_orders_since

    async def counting(self: MemorySubscriptionRepository, since: datetime, at_most: int) -> int:
        counts.append(at_most)
        return await original(self, since, at_most)

    current = plans(kit)
    await change_plan(kit)(ChangePlanCommand("pro"), owner)  # 1000 orders a month
    monkeypatch.setattr(MemorySubscriptionRepository, "count_orders_since", counting)
    event, ticket_type_id = await on_sale(kit, owner)
    checkout = Checkout(
        kit.uow, kit.clock, kit.ids, BUYER_TOKENS, allowance=MonthlyOrderAllowance(current)
    )
    for _ in range(20):
        await checkout(command(acme, event.id, ticket_type_id, 1))

    # One count, then a share of (1000 - 1) // 8 = 124 orders admitted without counting.
    assert counts == [1000]


async def test_the_last_orders_of_the_month_are_counted_every_time(
    kit: EventsKit, owner: Actor, acme: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    counts: list[int] = []
    original = MemorySubscriptionRepository.count_orders_since

    async def counting(self: MemorySubscriptionRepository, since: datetime, at_most: int) -> int:
        counts.append(at_most)
        return await original(self, since, at_most)

    monkeypatch.setattr(MemorySubscriptionRepository, "count_orders_since", counting)
    event, ticket_type_id = await on_sale(kit, owner)
    checkout = Checkout(
        kit.uow, kit.clock, kit.ids, BUYER_TOKENS, allowance=MonthlyOrderAllowance(plans(kit))
    )
    for _ in range(3):
        await checkout(command(acme, event.id, ticket_type_id, 1))
    # Three of three left: under LOCK_WITHIN, each counts, then counts again under the lock.
    assert counts == [3] * 6


async def test_unlimited_orders_skip_the_allowance(
    kit: EventsKit, owner: Actor, acme: Organization
) -> None:
    await change_plan(kit)(ChangePlanCommand("enterprise"), owner)
    event, ticket_type_id = await on_sale(kit, owner)
    checkout = Checkout(
        kit.uow, kit.clock, kit.ids, BUYER_TOKENS, allowance=MonthlyOrderAllowance(plans(kit))
    )
    for _ in range(5):
        await checkout(command(acme, event.id, ticket_type_id, 1))
    assert len(kit.uow.database.state.orders[acme.id]) == 5


async def test_a_plan_change_is_audited_versioned_and_seen_by_the_plan_cache(
    kit: EventsKit, owner: Actor, acme: Organization
) -> None:
    current = plans(kit)
    quota = PlanStorageQuota(current)
    assert await current.plan_of(acme.id) is PlanName.FREE
    assert await quota.bytes_for(acme.id) == 1000

    view = await change_plan(kit)(ChangePlanCommand("pro"), owner)

    assert (view.subscription.plan, view.subscription.version) == (PlanName.PRO, 2)
    assert view.limits == SMALL[PlanName.PRO]
    assert await current.plan_of(acme.id) is PlanName.PRO  # the feed dropped the cached free
    assert await quota.bytes_for(acme.id) == 10_000
    [entry] = [e for org, e in kit.uow.database.state.audit if e.target_type == "subscription"]
    assert entry.action == "subscription.plan_changed"
    assert entry.changes["plan"] == {"from": "free", "to": "pro"}
    assert entry.actor_id == owner.user_id

    await change_plan(kit)(ChangePlanCommand("enterprise"), owner)
    assert await quota.bytes_for(acme.id) == UNLIMITED_BYTES


async def test_a_downgrade_below_the_usage_is_refused_and_changes_nothing(
    kit: EventsKit, owner: Actor, acme: Organization
) -> None:
    await change_plan(kit)(ChangePlanCommand("pro"), owner)
    publish = PublishEvent(kit.uow, kit.clock, kit.ids, SMALL)
    for name in ("One", "Two"):
        event = await kit.event(owner, name)
        await kit.ticket_type(owner, event.id)
        await publish(PublishEventCommand(event.id), owner)

    with pytest.raises(PlanDowngradeBlocked) as refused:
        await change_plan(kit)(ChangePlanCommand("free"), owner)

    assert refused.value.over == [LimitName.PUBLISHED_EVENTS]
    assert "publishedEvents (2 > 1)" in refused.value.detail
    view = await GetSubscription(kit.uow, SMALL, kit.clock)(owner)
    assert (view.subscription.plan, view.subscription.version) == (PlanName.PRO, 2)


async def test_plan_changes_need_billing_manage_a_known_plan_and_the_current_version(
    kit: EventsKit, owner: Actor, acme: Organization, make_member: MakeMember
) -> None:
    admin = make_member(acme.id, Role.ADMIN)
    with pytest.raises(PermissionDenied):
        await change_plan(kit)(ChangePlanCommand("pro"), admin)
    with pytest.raises(UnknownPlan):
        await change_plan(kit)(ChangePlanCommand("platinum"), owner)
    with pytest.raises(StaleVersion):
        await change_plan(kit)(ChangePlanCommand("pro", expected_version=7), owner)
    view = await change_plan(kit)(ChangePlanCommand("pro", expected_version=1), owner)
    assert view.subscription.version == 2


async def test_usage_counts_seats_published_events_orders_of_the_month_and_storage(
    kit: EventsKit, owner: Actor, acme: Organization, globex: Organization
) -> None:
    await add_member(kit, acme, MembershipStatus.ACTIVE)
    await add_member(kit, globex, MembershipStatus.ACTIVE)  # another tenant's
    event, ticket_type_id = await on_sale(kit, owner)
    checkout = Checkout(kit.uow, kit.clock, kit.ids, BUYER_TOKENS)
    await checkout(command(acme, event.id, ticket_type_id, 1))
    kit.uow.database.state.storage_used[acme.id] = 640
    # An order of last month does not count.
    [(order, token)] = kit.uow.database.state.orders[acme.id].values()
    last_month = replace(
        order, id=UUID(int=99), created_at=month_start(order.created_at).replace(month=4)
    )
    kit.uow.database.state.orders[acme.id][last_month.id] = (last_month, token)

    view = await GetUsage(kit.uow, SMALL, kit.clock)(owner)

    assert view.subscription.plan is PlanName.FREE
    assert (view.usage.seats, view.usage.published_events) == (1, 1)
    assert (view.usage.orders_this_month, view.usage.storage_bytes) == (1, 640)
