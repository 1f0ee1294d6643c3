"""Brute-force protection for logins: failure counters per account and per client address."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ticketbase.application.ports.limits import Rate, RateLimiter
from ticketbase.domain.shared.errors import RateLimited
from ticketbase.domain.shared.values import EmailAddress


@dataclass(frozen=True, slots=True)
class LoginLimits:
    per_account: Rate
    per_ip: Rate


class LoginThrottle:
    def __init__(self, limiter: RateLimiter, limits: LoginLimits) -> None:
        self._limiter, self._limits = limiter, limits

    @staticmethod
    def _account_key(email: EmailAddress) -> str:
        # Keys never hold the address itself (they may live in a shared Redis).
        return "login:account:" + hashlib.sha256(email.value.encode()).hexdigest()[:32]

    @staticmethod
    def _ip_key(ip: str | None) -> str:
        return f"login:ip:{ip or 'unknown'}"

    async def check(self, email: EmailAddress, ip: str | None) -> None:
        """Refuse before any password work when either counter is exhausted."""
        for key, rate in (
            (self._account_key(email), self._limits.per_account),
            (self._ip_key(ip), self._limits.per_ip),
        ):
            decision = await self._limiter.peek(key, rate)
            if not decision.allowed:
                raise RateLimited(
                    "too many failed logins; try again later", retry_after=decision.retry_after
                )

    async def failed(self, email: EmailAddress, ip: str | None) -> None:
        await self._limiter.hit(self._account_key(email), self._limits.per_account)
        await self._limiter.hit(self._ip_key(ip), self._limits.per_ip)

    async def succeeded(self, email: EmailAddress) -> None:
        await self._limiter.reset(self._account_key(email))
