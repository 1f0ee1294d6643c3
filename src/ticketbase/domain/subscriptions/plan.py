"""Plans and their limits, an organization's subscription, and what a limit refuses.

A plan is a name (``free``, ``pro``, ``enterprise``) with a ``PlanLimits``: seats, published
events, orders per calendar month (UTC), storage bytes and API requests per minute. ``None`` is
*unlimited*. The numbers are configuration (``TICKETBASE_PLAN_<PLAN>_<LIMIT>``, documented
defaults in :data:`DEFAULT_LIMITS`); the catalog is built once from settings and passed around.

A refusal is ``PlanLimitExceeded`` (HTTP 403 ``plan_limit_exceeded``): the organization is
authenticated and the request well-formed, it is just not allowed on this plan. 403 rather than
402 because checkout already answers 402 ``payment_required`` for a declined card: a buyer's
client must not mistake "this organizer sold its monthly allowance" for "your card failed".
A plan change that the organization's current usage does not fit is ``PlanDowngradeBlocked``
(409, naming each limit that is over).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime

from ticketbase.domain.shared.errors import Conflict, DomainError, RuleViolated
from ticketbase.domain.shared.ids import OrganizationId


class PlanName(enum.StrEnum):
    FREE = "free"
    PRO = "pro"
    ENTERPRISE = "enterprise"


class LimitName(enum.StrEnum):
    """The wire names of the limits (``GET /api/subscription/usage`` and problem details)."""

    SEATS = "seats"
    PUBLISHED_EVENTS = "publishedEvents"
    ORDERS_PER_MONTH = "ordersPerMonth"
    STORAGE_BYTES = "storageBytes"
    API_REQUESTS_PER_MINUTE = "apiRequestsPerMinute"


@dataclass(frozen=True, slots=True)
class PlanLimits:
    """What a plan allows; ``None`` = unlimited."""

    seats: int | None
    published_events: int | None
    orders_per_month: int | None
    storage_bytes: int | None
    api_requests_per_minute: int | None

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None and value < 0:
                raise ValueError(f"the limit {f.name} cannot be negative, got {value}")
        if self.api_requests_per_minute == 0:
            raise ValueError("api_requests_per_minute must allow at least one request")

    def of(self, limit: LimitName) -> int | None:
        return {
            LimitName.SEATS: self.seats,
            LimitName.PUBLISHED_EVENTS: self.published_events,
            LimitName.ORDERS_PER_MONTH: self.orders_per_month,
            LimitName.STORAGE_BYTES: self.storage_bytes,
            LimitName.API_REQUESTS_PER_MINUTE: self.api_requests_per_minute,
        }[limit]


GIB = 1024**3

DEFAULT_LIMITS: Mapping[PlanName, PlanLimits] = {
    PlanName.FREE: PlanLimits(
        seats=3,
        published_events=3,
        orders_per_month=500,
        storage_bytes=1 * GIB,
        api_requests_per_minute=600,
    ),
    PlanName.PRO: PlanLimits(
        seats=25,
        published_events=100,
        orders_per_month=50_000,
        storage_bytes=50 * GIB,
        api_requests_per_minute=6_000,
    ),
    PlanName.ENTERPRISE: PlanLimits(
        seats=None,
        published_events=None,
        orders_per_month=None,
        storage_bytes=1024 * GIB,
        api_requests_per_minute=60_000,
    ),
}


@dataclass(frozen=True, slots=True)
class PlanCatalog:
    """Every plan's limits, as configured."""

    limits: Mapping[PlanName, PlanLimits]

    def __post_init__(self) -> None:
        missing = set(PlanName) - set(self.limits)
        if missing:
            raise ValueError(f"no limits for the plans {sorted(missing)}")

    def __getitem__(self, plan: PlanName) -> PlanLimits:
        return self.limits[plan]

    @classmethod
    def default(cls) -> PlanCatalog:
        return cls(DEFAULT_LIMITS)

    @classmethod
    def unlimited(cls) -> PlanCatalog:
        """Every plan without any limit (an installation that sells no plans)."""
        none = PlanLimits(None, None, None, None, None)
        return cls(dict.fromkeys(PlanName, none))


@dataclass(frozen=True, slots=True)
class Usage:
    """What an organization uses of the counted limits right now."""

    seats: int
    published_events: int
    orders_this_month: int
    storage_bytes: int

    def of(self, limit: LimitName) -> int | None:
        """None for the request rate: it is a rate, not a count of things kept."""
        return {
            LimitName.SEATS: self.seats,
            LimitName.PUBLISHED_EVENTS: self.published_events,
            LimitName.ORDERS_PER_MONTH: self.orders_this_month,
            LimitName.STORAGE_BYTES: self.storage_bytes,
        }.get(limit)

    def over(self, limits: PlanLimits) -> list[LimitName]:
        """The limits this usage does not fit under (a plan change would leave it over them).

        Orders of the month count too: moving to a plan whose monthly allowance is already
        spent would refuse every further checkout until the month ends."""
        over = []
        for limit in LimitName:
            used, allowed = self.of(limit), limits.of(limit)
            if used is not None and allowed is not None and used > allowed:
                over.append(limit)
        return over


class SubscriptionStatus(enum.StrEnum):
    ACTIVE = "active"
    PAST_DUE = "past_due"
    CANCELLED = "cancelled"


@dataclass(slots=True)
class Subscription:
    """An organization's plan. Every organization has one: on ``free`` until it changes, so a
    missing row reads as :meth:`initial`."""

    organization_id: OrganizationId
    plan: PlanName
    status: SubscriptionStatus
    billing_provider: str
    billing_reference: str | None
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def initial(cls, organization_id: OrganizationId, now: datetime) -> Subscription:
        return cls(
            organization_id=organization_id,
            plan=PlanName.FREE,
            status=SubscriptionStatus.ACTIVE,
            billing_provider="manual",
            billing_reference=None,
            version=1,
            created_at=now,
            updated_at=now,
        )

    def change_plan(
        self,
        plan: PlanName,
        *,
        usage: Usage,
        catalog: PlanCatalog,
        billing_provider: str,
        billing_reference: str | None,
        now: datetime,
    ) -> Subscription:
        """The subscription on ``plan``; refused when the current usage is over its limits."""
        check_fits(plan, usage, catalog)
        return replace(
            self,
            plan=plan,
            status=SubscriptionStatus.ACTIVE,
            billing_provider=billing_provider,
            billing_reference=billing_reference,
            version=self.version + 1,
            updated_at=now,
        )


def check_fits(plan: PlanName, usage: Usage, catalog: PlanCatalog) -> None:
    """Refuse ``plan`` when ``usage`` is over any of its limits (naming each one)."""
    over = usage.over(catalog[plan])
    if over:
        raise PlanDowngradeBlocked(plan, over, usage, catalog[plan])


def check_room(limits: PlanLimits, limit: LimitName, used: int, adding: int = 1) -> None:
    """Refuse when ``used + adding`` would exceed the plan's ``limit`` (None: unlimited)."""
    allowed = limits.of(limit)
    if allowed is not None and used + adding > allowed:
        raise PlanLimitExceeded(limit, allowed, used)


class PlanLimitExceeded(DomainError):
    """The plan does not allow one more of something (HTTP 403, see the module's docstring)."""

    code = "plan_limit_exceeded"

    def __init__(self, limit: LimitName, allowed: int, used: int) -> None:
        super().__init__(
            f"the plan's limit {limit.value} is {allowed} and this organization has used {used}; "
            "upgrade the plan to go beyond it"
        )
        self.limit, self.allowed, self.used = limit, allowed, used


class PlanDowngradeBlocked(Conflict):
    code = "plan_limits_exceeded_by_usage"

    def __init__(
        self, plan: PlanName, over: list[LimitName], usage: Usage, limits: PlanLimits
    ) -> None:
        named = ", ".join(
            f"{limit.value} ({usage.of(limit)} > {limits.of(limit)})" for limit in over
        )
        super().__init__(f"the plan {plan.value} does not fit the current usage: {named}")
        self.plan, self.over = plan, over


class UnknownPlan(RuleViolated):
    def __init__(self, raw: str) -> None:
        super().__init__(
            f"no plan {raw!r}; one of {', '.join(p.value for p in PlanName)}", field="plan"
        )
