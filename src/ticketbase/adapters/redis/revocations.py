"""Redis revoked-session marks: one key per revoked session, expiring with the token lifetime.

``SET key 1 EX ttl`` (a new revoke replaces the deadline) and ``EXISTS``; Redis drops the key when
it expires, so memory is bounded by the sessions revoked within one token lifetime. Connection
errors and timeouts are raised to the caller, who decides whether to refuse the request (safe) or
let the token through.
"""

from __future__ import annotations

from uuid import UUID

from redis.asyncio import Redis

from ticketbase.adapters.redis import reachable
from ticketbase.application.ports.limits import check_ttl


class RedisSessionRevocations:
    def __init__(self, client: Redis, prefix: str = "tb:revoked:") -> None:
        self._client = client
        self._prefix = prefix

    async def revoke(self, session_id: UUID, ttl_seconds: int) -> None:
        check_ttl(ttl_seconds)
        with reachable():
            await self._client.set(f"{self._prefix}{session_id}", b"1", ex=ttl_seconds)

    async def is_revoked(self, session_id: UUID) -> bool:
        with reachable():
            return bool(await self._client.exists(f"{self._prefix}{session_id}"))
