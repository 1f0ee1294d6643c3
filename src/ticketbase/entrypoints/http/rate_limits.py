"""Per-client rate limits on a group of routes, with ``RateLimit-*`` headers.

Applied as route middleware, so it runs after routing and after the request's DI container
exists; a refusal is a ``RateLimited`` error, rendered by the one problem+json handler."""

from __future__ import annotations

from dataclasses import dataclass

from dishka import AsyncContainer
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from ticketbase.application.ports.limits import Rate, RateDecision, RateLimiter
from ticketbase.domain.shared.errors import RateLimited


@dataclass(frozen=True, slots=True)
class AuthRouteLimit:
    """Requests per client address on ``/api/auth`` (``TICKETBASE_RATE_LIMIT_AUTH``)."""

    rate: Rate


def rate_limit_headers(decision: RateDecision) -> dict[str, str]:
    return {
        "ratelimit-limit": str(decision.limit),
        "ratelimit-remaining": str(decision.remaining),
        "ratelimit-reset": str(decision.reset_after),
    }


class AuthRateLimitMiddleware(ASGIMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        container: AsyncContainer = scope["state"]["dishka_container"]
        limiter = await container.get(RateLimiter)
        limit = await container.get(AuthRouteLimit)
        client = scope.get("client")
        decision = await limiter.hit(f"auth:{client[0] if client else 'unknown'}", limit.rate)
        headers = rate_limit_headers(decision)
        if not decision.allowed:
            raise RateLimited(
                "too many requests from this address; slow down",
                retry_after=decision.retry_after,
                headers=headers,
            )
        encoded = [(k.encode(), v.encode()) for k, v in headers.items()]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *encoded]
            await send(message)

        await next_app(scope, receive, send_with_headers)
