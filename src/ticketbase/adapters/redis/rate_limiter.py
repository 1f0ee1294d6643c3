"""Redis sliding-window rate limiter: shared by every worker and host.

One Lua script per call makes the trim, the count and the record atomic, so concurrent hits from
many processes can never let more than ``limit`` through. Hit times come from the Redis server's
``TIME`` inside the script, not from the application's clock, so hosts with skewed clocks still
agree (needs Redis ≥ 5, whose scripts replicate their effects rather than the script).

Each key is a sorted set of hit ids scored by their time in µs, plus a counter that makes the ids
unique (two hits in the same microsecond must both count). Both share a hash tag, so they live in
the same Redis Cluster slot, and both expire one window after the last allowed hit.

Connection errors and timeouts (``redis.exceptions.ConnectionError`` / ``TimeoutError``, with the
timeouts set on the client by ``create_redis``) are raised to the caller, who decides whether to
fail open or closed.
"""

from __future__ import annotations

from redis.asyncio import Redis

from ticketbase.adapters.redis import reachable
from ticketbase.application.ports.limits import Rate, RateDecision, check_cost

_SECOND = 1_000_000  # in microseconds

# KEYS: log (sorted set), sequence (counter).
# ARGV: limit, window (µs), cost (0 = peek: count nothing, allowed iff count < limit).
# Returns {allowed (1/0), count after the call, µs until the capacity needed frees (0 = none)}.
_SCRIPT = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])

redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local needed = cost
if cost == 0 then needed = 1 end
local allowed = count + needed <= limit

if allowed and cost > 0 then
  local last = redis.call('INCRBY', KEYS[2], cost)
  for id = last - cost + 1, last do
    redis.call('ZADD', KEYS[1], now, id)
  end
  count = count + cost
  local ttl = math.ceil(window / 1000)
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
end

local waiting = 0
local rank = 0
if allowed then
  if count > 0 then rank = 1 end
else
  rank = count + needed - limit
end
if rank > 0 then
  local entry = redis.call('ZRANGE', KEYS[1], rank - 1, rank - 1, 'WITHSCORES')
  waiting = math.min(tonumber(entry[2]) + window - now, window)
end
if allowed then allowed = 1 else allowed = 0 end
return {allowed, count, waiting}
"""


class RedisRateLimiter:
    def __init__(self, client: Redis, prefix: str = "tb:rl:") -> None:
        self._client = client
        self._prefix = prefix
        self._script = client.register_script(_SCRIPT)

    async def hit(self, key: str, rate: Rate, cost: int = 1) -> RateDecision:
        check_cost(rate, cost)
        return await self._run(key, rate, cost)

    async def peek(self, key: str, rate: Rate) -> RateDecision:
        return await self._run(key, rate, 0)

    async def reset(self, key: str) -> None:
        with reachable():
            await self._client.delete(*self._keys(key))

    def _keys(self, key: str) -> tuple[str, str]:
        log = f"{self._prefix}{{{key}}}"
        return log, f"{log}:seq"

    async def _run(self, key: str, rate: Rate, cost: int) -> RateDecision:
        with reachable():
            reply = await self._script(
                keys=self._keys(key), args=(rate.limit, rate.window_seconds * _SECOND, cost)
            )
        allowed, count, waiting = (int(value) for value in reply)
        reset_after = -(-waiting // _SECOND)
        return RateDecision(
            allowed=bool(allowed),
            limit=rate.limit,
            remaining=max(rate.limit - count, 0),
            reset_after=reset_after if allowed else max(reset_after, 1),
        )
