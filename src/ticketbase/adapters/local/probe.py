"""The in-process cache is always ready (it lives as long as the process)."""

from __future__ import annotations


class InProcessCacheProbe:
    name = "cache"

    async def check(self) -> None:
        return None
