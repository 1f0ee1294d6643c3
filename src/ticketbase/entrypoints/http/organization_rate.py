"""The plan's API rate per organization, on every authenticated request of a member.

Counted where the caller becomes known — the ``Actor`` provider, after the token is verified —
so a route that needs no actor pays nothing and one that needs it pays one look-up of the plan
(a per-process cache kept exact by the change feed, see application/subscriptions/plans.py) and
one hit on the shared ``RateLimiter`` (in-process, or one Redis script call), keyed
``org:{organization id}`` with the plan's requests per minute as a 60-second sliding window.
Storefront (public) requests are not counted: an on-sale's buyers are not the organization's
API use. A platform administrator acting outside any organization is not counted either, and
neither is an answer the whole-response cache replays without entering the framework
(``GET /api/auth/me``, see response_cache.py): it carries no ``RateLimit-*`` headers, costs no
more than a static answer, and only requests that reach the framework are worth limiting.
Measured: counting costs about 15 µs of CPU per request in-process (plan look-up, the
sliding-window hit, the headers); ``make bench`` ``me`` (all cache hits) was unchanged within
noise (11,580 and 11,479 req/s before, 11,729 and 10,471 after, alternating runs).

An allowed request carries ``RateLimit-Limit/Remaining/Reset`` (added by :func:`add_headers`
when the response starts, unless the route's own limit already set them: the credential routes'
per-address limit is the stricter one there); a refused one is 429 ``rate_limited`` with
``Retry-After`` and the same headers. When the shared limiter cannot be reached (Redis down)
the request is served without a limit and a warning is logged: one organization's rate is not
worth refusing every organization's requests for.
"""

from __future__ import annotations

import structlog
from litestar.types import Message, Scope

from ticketbase.application.ports.errors import DependencyUnavailable
from ticketbase.application.ports.limits import Rate, RateLimiter
from ticketbase.application.subscriptions.plans import CurrentPlans
from ticketbase.domain.shared.errors import RateLimited
from ticketbase.domain.shared.ids import OrganizationId
from ticketbase.entrypoints.http.rate_limits import rate_limit_headers

log = structlog.get_logger()

_STATE_KEY = "organization_rate_headers"
_LIMIT_HEADER = b"ratelimit-limit"
_MINUTE = 60


class OrganizationRateLimit:
    def __init__(self, limiter: RateLimiter, plans: CurrentPlans) -> None:
        self._limiter, self._plans = limiter, plans
        self._rates: dict[int, Rate] = {}

    async def count(self, scope: Scope, organization_id: OrganizationId) -> None:
        """Count one request of the organization; refuse it (``RateLimited``) over the plan's
        rate; note the headers for the response."""
        per_minute = (await self._plans.limits_of(organization_id)).api_requests_per_minute
        if per_minute is None:
            return
        rate = self._rates.get(per_minute)
        if rate is None:
            rate = self._rates.setdefault(per_minute, Rate(per_minute, _MINUTE))
        try:
            decision = await self._limiter.hit(f"org:{organization_id}", rate)
        except DependencyUnavailable:
            log.warning("organization_rate_not_counted", organization_id=str(organization_id))
            return
        headers = rate_limit_headers(decision)
        if not decision.allowed:
            raise RateLimited(
                f"this organization's plan allows {per_minute} API requests per minute",
                retry_after=decision.retry_after,
                headers=headers,
            )
        scope.setdefault("state", {})[_STATE_KEY] = [
            (name.encode(), value.encode()) for name, value in headers.items()
        ]


async def add_headers(message: Message, scope: Scope) -> None:
    """``before_send``: the counted request's ``RateLimit-*`` headers on its response."""
    if message["type"] != "http.response.start":
        return
    headers = scope.get("state", {}).get(_STATE_KEY)
    if not headers:
        return
    present = message.get("headers", [])
    if any(name.lower() == _LIMIT_HEADER for name, _ in present):
        return
    message["headers"] = [*present, *headers]
