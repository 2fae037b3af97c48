"""Rate limits per client with the `limits` package: on Redis when REDIS_URL is set (shared by every
gateway task, as API Gateway's usage plans are), in memory otherwise."""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter


class RateLimiter:
    def __init__(self, limits: str, redis_url: str | None = None) -> None:
        self._items: list[RateLimitItem] = parse_many(limits)
        self.storage: Storage
        if redis_url:
            uri = "async+" + redis_url if not redis_url.startswith("async+") else redis_url
            self.storage = RedisStorage(uri, implementation="redispy", key_prefix="dwp-gateway")
        else:
            self.storage = MemoryStorage()
        self._limiter = FixedWindowRateLimiter(self.storage)

    async def retry_after(self, client: str) -> int | None:
        """None if `client` may go ahead (and count the request); else the seconds until it may."""
        for item in self._items:
            if not await self._limiter.hit(item, client):
                stats = await self._limiter.get_window_stats(item, client)
                return max(1, math.ceil(stats.reset_time - time.time()))
        return None
