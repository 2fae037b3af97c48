"""Rate limits per client with the `limits` package: on Redis when REDIS_URL is set (shared by every
gateway task, as API Gateway's usage plans are), in memory otherwise.

Who a client is: the principal of a valid token (so a person is limited wherever they connect from),
else the connecting address, which is only ever taken from `X-Forwarded-For` when the connection comes
from a trusted proxy (`DWP_TRUSTED_PROXIES`, applied by uvicorn). A request refused at the edge counts
too: against its address, and, when it carried a token that failed the check, against a stricter limit
of refusals per address, so guessing tokens is as slow as that limit.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisClusterStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter

from dwp.platform.cache import limits_storage_uri


def principal_key(kind: str, subject: str) -> str:
    return f"principal:{kind}:{subject}"


def address_key(address: str) -> str:
    return f"address:{address}"


def _refusals_key(address: str) -> str:
    return f"refused:{address}"


class RateLimiter:
    def __init__(
        self,
        limits: str,
        redis_url: str | None = None,
        *,
        refusals: str = "20/minute",
        cluster: bool = False,
    ) -> None:
        self._items: list[RateLimitItem] = parse_many(limits)
        self._refusal_items: list[RateLimitItem] = parse_many(refusals)
        self.storage: Storage
        if redis_url:
            uri, options = limits_storage_uri(redis_url, cluster=cluster, asynchronous=True)
            storage = RedisClusterStorage if cluster else RedisStorage
            self.storage = storage(uri, implementation="redispy", key_prefix="dwp-gateway", **options)
        else:
            self.storage = MemoryStorage()
        self._limiter = FixedWindowRateLimiter(self.storage)

    async def retry_after(self, client: str) -> int | None:
        """None if `client` may go ahead (and count the request); else the seconds until it may."""
        return await self._hit(self._items, client)

    async def refusals_retry_after(self, address: str) -> int | None:
        """Seconds until `address` may present a token again, once it has had too many refused; None
        while it may. Counts nothing: asked before a token is checked, so that past the limit a right
        guess and a wrong one get the same answer."""
        key = _refusals_key(address)
        for item in self._refusal_items:
            if not await self._limiter.test(item, key):
                return await self._reset_in(item, key)
        return None

    async def count_refusal(self, address: str, *, bad_token: bool) -> int | None:
        """Count a request refused at the edge; the seconds to wait if that takes `address` over a limit."""
        retry = await self._hit(self._items, address_key(address))
        if bad_token:
            retry = await self._hit(self._refusal_items, _refusals_key(address)) or retry
        return retry

    async def _hit(self, items: list[RateLimitItem], key: str) -> int | None:
        for item in items:
            if not await self._limiter.hit(item, key):
                return await self._reset_in(item, key)
        return None

    async def _reset_in(self, item: RateLimitItem, key: str) -> int:
        stats = await self._limiter.get_window_stats(item, key)
        return max(1, math.ceil(stats.reset_time - time.time()))
