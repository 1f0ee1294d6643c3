"""``/api/subscription``: the organization's plan, its limits and its usage; plan changes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Controller, get, put
from litestar.params import HeaderParameter, JSONBody

from ticketbase.application.context import Actor
from ticketbase.application.subscriptions.change_plan import ChangePlan, ChangePlanCommand
from ticketbase.application.subscriptions.get_subscription import GetSubscription
from ticketbase.application.subscriptions.get_usage import GetUsage
from ticketbase.application.subscriptions.views import SubscriptionView, UsageView
from ticketbase.domain.subscriptions.plan import PlanLimits, PlanName, SubscriptionStatus
from ticketbase.entrypoints.http.versioning import expected_version
from ticketbase.entrypoints.http.wire import BEARER, Wire


class LimitsWire(Wire):
    """Each limit of the plan; null = unlimited."""

    seats: int | None
    published_events: int | None
    orders_per_month: int | None
    storage_bytes: int | None
    api_requests_per_minute: int | None


class SubscriptionResponse(Wire):
    plan: PlanName
    status: SubscriptionStatus
    billing_provider: str
    limits: LimitsWire
    version: int
    updated_at: datetime


class UsageWire(Wire):
    seats: int
    published_events: int
    orders_this_month: int
    storage_bytes: int


class UsageResponse(Wire):
    """``over`` names the limits the usage is above (after a limit was lowered in settings)."""

    plan: PlanName
    limits: LimitsWire
    usage: UsageWire
    over: list[str]


class ChangePlanRequest(Wire):
    plan: PlanName
    version: int | msgspec.UnsetType = msgspec.UNSET


def _limits(limits: PlanLimits) -> LimitsWire:
    return LimitsWire(
        seats=limits.seats,
        published_events=limits.published_events,
        orders_per_month=limits.orders_per_month,
        storage_bytes=limits.storage_bytes,
        api_requests_per_minute=limits.api_requests_per_minute,
    )


def _subscription(view: SubscriptionView) -> SubscriptionResponse:
    s = view.subscription
    return SubscriptionResponse(
        plan=s.plan,
        status=s.status,
        billing_provider=s.billing_provider,
        limits=_limits(view.limits),
        version=s.version,
        updated_at=s.updated_at,
    )


def _usage(view: UsageView) -> UsageResponse:
    u = view.usage
    return UsageResponse(
        plan=view.subscription.plan,
        limits=_limits(view.limits),
        usage=UsageWire(
            seats=u.seats,
            published_events=u.published_events,
            orders_this_month=u.orders_this_month,
            storage_bytes=u.storage_bytes,
        ),
        over=[limit.value for limit in u.over(view.limits)],
    )


class SubscriptionController(Controller):
    path = "/api/subscription"
    tags = ["subscription"]

    @get("/", security=BEARER, summary="The organization's plan and its limits")
    async def get_subscription(
        self, actor: FromDishka[Actor], use_case: FromDishka[GetSubscription]
    ) -> SubscriptionResponse:
        return _subscription(await use_case(actor))

    @put(
        "/",
        security=BEARER,
        summary="Change the plan (billing:manage)",
        description="A plan the current usage does not fit is refused with 409 "
        "`plan_limits_exceeded_by_usage`, naming each limit that is over.",
    )
    async def change_plan(
        self,
        data: JSONBody[ChangePlanRequest],
        actor: FromDishka[Actor],
        use_case: FromDishka[ChangePlan],
        if_match: Annotated[str | None, HeaderParameter(name="If-Match")] = None,
    ) -> SubscriptionResponse:
        command = ChangePlanCommand(data.plan.value, expected_version(if_match, data.version))
        return _subscription(await use_case(command, actor))

    @get("/usage", security=BEARER, summary="Usage against the plan's limits")
    async def get_usage(
        self, actor: FromDishka[Actor], use_case: FromDishka[GetUsage]
    ) -> UsageResponse:
        return _usage(await use_case(actor))
