"""The service token TicketBase presents to the plugin server (PLUGIN-SERVER.md).

An HS256 JWT signed with ``TICKETBASE_PLUGIN_SERVER_SECRET``: ``iss: ticketbase-api``,
``aud: plugin-server``, ``exp`` at most 60 s away, ``tenant`` (organization id), ``sub`` (user id,
absent for the system's own calls) and ``role``. Signing costs little but a busy proxy signs on
every request, so a token is kept per (tenant, user, role) and reused until it has less than
``refresh_margin`` left; the cache is bounded (least recently used first out).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

import jwt

from ticketbase.application.ports.plugins import ServiceIdentity

ISSUER = "ticketbase-api"
AUDIENCE = "plugin-server"
MAX_LIFETIME_SECONDS = 60

_Key = tuple[str | None, str | None, str | None]


class ServiceTokens:
    def __init__(
        self,
        secret: str,
        *,
        lifetime_seconds: int = MAX_LIFETIME_SECONDS,
        refresh_margin_seconds: int = 15,
        max_cached: int = 4096,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not secret:
            raise ValueError("the plugin server secret is required")
        if not 0 < lifetime_seconds <= MAX_LIFETIME_SECONDS:
            raise ValueError(f"a service token lives at most {MAX_LIFETIME_SECONDS} s")
        if not 0 <= refresh_margin_seconds < lifetime_seconds:
            raise ValueError("the refresh margin must be shorter than the lifetime")
        self._secret = secret
        self._lifetime, self._margin = lifetime_seconds, refresh_margin_seconds
        self._max, self._clock = max_cached, clock
        self._cache: OrderedDict[_Key, tuple[str, float]] = OrderedDict()

    def __repr__(self) -> str:
        return f"ServiceTokens(lifetime={self._lifetime}s, cached={len(self._cache)})"

    def token_for(self, identity: ServiceIdentity) -> str:
        key: _Key = (
            str(identity.organization_id) if identity.organization_id else None,
            str(identity.user_id) if identity.user_id else None,
            identity.role,
        )
        now = self._clock()
        cached = self._cache.get(key)
        if cached is not None and cached[1] - now > self._margin:
            self._cache.move_to_end(key)
            return cached[0]
        issued_at = int(now)
        expires_at = issued_at + self._lifetime
        claims: dict[str, object] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": issued_at,
            "exp": expires_at,
            "tenant": key[0],
            "role": identity.role,
        }
        if key[1] is not None:
            claims["sub"] = key[1]
        token = jwt.encode(claims, self._secret, algorithm="HS256")
        self._cache[key] = (token, float(expires_at))
        self._cache.move_to_end(key)
        while len(self._cache) > self._max:
            self._cache.popitem(last=False)
        return token
