"""Plans, limits and usage: what a plan allows, what a change of plan is refused for."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest

from ticketbase.domain.shared.ids import OrganizationId
from ticketbase.domain.subscriptions.plan import (
    LimitName,
    PlanCatalog,
    PlanDowngradeBlocked,
    PlanLimitExceeded,
    PlanLimits,
    PlanName,
    Subscription,
    Usage,
    check_room,
)

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)
ORG = OrganizationId(UUID(int=1))
FREE = PlanCatalog.default()[PlanName.FREE]


def usage(**changes: int) -> Usage:
    fields = {"seats": 1, "published_events": 0, "orders_this_month": 0, "storage_bytes": 0}
    return Usage(**(fields | changes))


def test_room_is_refused_at_the_limit_and_names_it() -> None:
    check_room(FREE, LimitName.SEATS, used=2)  # the third seat of three
    with pytest.raises(PlanLimitExceeded) as refused:
        check_room(FREE, LimitName.SEATS, used=3)
    assert refused.value.code == "plan_limit_exceeded"
    assert refused.value.limit is LimitName.SEATS
    assert (refused.value.allowed, refused.value.used) == (3, 3)
    assert "seats" in refused.value.detail


def test_unlimited_never_refuses() -> None:
    enterprise = PlanCatalog.default()[PlanName.ENTERPRISE]
    check_room(enterprise, LimitName.SEATS, used=10**9)
    check_room(enterprise, LimitName.PUBLISHED_EVENTS, used=10**9)


def test_usage_over_a_plan_names_every_limit_it_exceeds() -> None:
    heavy = usage(seats=4, published_events=3, orders_this_month=501, storage_bytes=1)
    assert heavy.over(FREE) == [LimitName.SEATS, LimitName.ORDERS_PER_MONTH]
    assert heavy.over(PlanCatalog.default()[PlanName.PRO]) == []


def test_a_change_of_plan_bumps_the_version_and_keeps_the_billing_reference() -> None:
    subscription = Subscription.initial(ORG, NOW)
    changed = subscription.change_plan(
        PlanName.PRO,
        usage=usage(seats=10),
        catalog=PlanCatalog.default(),
        billing_provider="manual",
        billing_reference="INV-7",
        now=NOW,
    )
    assert (changed.plan, changed.version, changed.billing_reference) == (PlanName.PRO, 2, "INV-7")
    assert subscription.plan is PlanName.FREE  # the original is left as it was


def test_a_downgrade_below_the_usage_is_refused_naming_what_is_over() -> None:
    pro = Subscription.initial(ORG, NOW)
    pro.plan = PlanName.PRO
    with pytest.raises(PlanDowngradeBlocked) as refused:
        pro.change_plan(
            PlanName.FREE,
            usage=usage(seats=5, published_events=4),
            catalog=PlanCatalog.default(),
            billing_provider="manual",
            billing_reference=None,
            now=NOW,
        )
    assert refused.value.over == [LimitName.SEATS, LimitName.PUBLISHED_EVENTS]
    assert "seats (5 > 3)" in refused.value.detail
    assert "publishedEvents (4 > 3)" in refused.value.detail


def test_limits_are_checked_when_configured() -> None:
    with pytest.raises(ValueError, match="seats"):
        PlanLimits(-1, None, None, None, None)
    with pytest.raises(ValueError, match="api_requests_per_minute"):
        PlanLimits(None, None, None, None, 0)
    with pytest.raises(ValueError, match="no limits"):
        PlanCatalog({PlanName.FREE: FREE})
