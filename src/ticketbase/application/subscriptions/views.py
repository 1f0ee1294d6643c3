"""What the subscription use cases answer."""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.domain.subscriptions.plan import PlanLimits, Subscription, Usage


@dataclass(frozen=True, slots=True)
class SubscriptionView:
    subscription: Subscription
    limits: PlanLimits


@dataclass(frozen=True, slots=True)
class UsageView:
    subscription: Subscription
    limits: PlanLimits
    usage: Usage
