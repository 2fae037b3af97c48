"""Rate limits per client with the `limits` package: on Redis when REDIS_URL is set (shared by every
gateway task, as API Gateway's usage plans are), in memory otherwise.

Who a client is: the principal of a valid token (so a person is limited wherever they connect from),
else the connecting address, which is only ever taken from `X-Forwarded-For` when the connection comes
from a trusted proxy (`DWP_TRUSTED_PROXIES`, applied by uvicorn). A request refused at the edge counts
too: against its address, and, when it carried a token that failed the check, against a stricter limit
of refusals per address, so guessing tokens is as slow as that limit.

Without its shared store (Redis down or not answering) the limiter never opens: it counts in the
process instead, with the same limits (so each gateway task allows the limit on its own, and guessing
tokens stays as slow per task), logs the outage once and the recovery once, sets the
`dwp_gateway_rate_limit_shared_store` gauge to 0, and asks the shared store again every few seconds.
The gateway's readiness reports the shared store as degraded (200, `"status": "degraded"`): the gateway
still serves, and a 503 would take every gateway task out of the load balancer at once.
"""

from __future__ import annotations

import math
import time
from typing import Any

import structlog
from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisClusterStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.errors import StorageError
from prometheus_client import Counter, Gauge

from dwp.platform.cache import limits_storage_uri
from dwp.platform.readiness import Degraded

log = structlog.get_logger("gateway.ratelimit")

SHARED_RETRY_SECONDS = 5.0
"""While the shared store is down, how often a request tries it again."""
SHARED_TIMEOUT_SECONDS = 0.5
"""How long a request waits for the shared store before it counts locally."""
SHARED_STORE = Gauge(
    "dwp_gateway_rate_limit_shared_store", "1 while the rate limits are counted in the shared store, else 0"
)
FALLBACKS = Counter(
    "dwp_gateway_rate_limit_fallbacks", "Times the rate limiter fell back to counting in the process"
)


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
        self._local = FixedWindowRateLimiter(MemoryStorage())
        self._shared: FixedWindowRateLimiter | None = None
        self._down_since: float | None = None
        self._retry_shared_at = 0.0
        if redis_url:
            uri, options = limits_storage_uri(redis_url, cluster=cluster, asynchronous=True)
            storage = RedisClusterStorage if cluster else RedisStorage
            self.storage = storage(
                uri, implementation="redispy", key_prefix="dwp-gateway", wrap_exceptions=True,
                socket_timeout=SHARED_TIMEOUT_SECONDS, socket_connect_timeout=SHARED_TIMEOUT_SECONDS,
                **options,
            )  # fmt: skip
            self._shared = FixedWindowRateLimiter(self.storage)
            SHARED_STORE.set(1)
        else:
            self.storage = MemoryStorage()

    @property
    def shared_store_down(self) -> bool:
        return self._down_since is not None

    async def check(self) -> None:
        """Readiness: the shared store answers (nothing to check without one); without it the gateway
        still serves, counting in the process, so readiness says degraded, not unready."""
        if self._shared is not None and not await self.storage.check():
            raise Degraded("the rate limits' shared store does not answer: limits are counted per process")

    async def _run(self, operation: str, *args: Any) -> Any:
        """The limiter's `operation` on the shared store, or on the process's own when it is down."""
        if self._shared is not None and time.monotonic() >= self._retry_shared_at:
            try:
                result = await getattr(self._shared, operation)(*args)
            except StorageError as exc:
                self._retry_shared_at = time.monotonic() + SHARED_RETRY_SECONDS
                if self._down_since is None:
                    self._down_since = time.monotonic()
                    FALLBACKS.inc()
                    SHARED_STORE.set(0)
                    log.error("rate_limit_store_down", error=type(exc.storage_error).__name__,
                              fallback="per-process limits")  # fmt: skip
            else:
                if self._down_since is not None:
                    log.warning(
                        "rate_limit_store_back", down_seconds=round(time.monotonic() - self._down_since, 1)
                    )
                    self._down_since = None
                    SHARED_STORE.set(1)
                return result
        return await getattr(self._local, operation)(*args)

    async def retry_after(self, client: str) -> int | None:
        """None if `client` may go ahead (and count the request); else the seconds until it may."""
        return await self._hit(self._items, client)

    async def refusals_retry_after(self, address: str) -> int | None:
        """Seconds until `address` may present a token again, once it has had too many refused; None
        while it may. Counts nothing: asked before a token is checked, so that past the limit a right
        guess and a wrong one get the same answer."""
        key = _refusals_key(address)
        for item in self._refusal_items:
            if not await self._run("test", item, key):
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
            if not await self._run("hit", item, key):
                return await self._reset_in(item, key)
        return None

    async def _reset_in(self, item: RateLimitItem, key: str) -> int:
        stats = await self._run("get_window_stats", item, key)
        return max(1, math.ceil(stats.reset_time - time.time()))
