"""A client-side limit on requests to GOV.UK Notify, shared by every worker process.

Notify allows 3,000 requests a minute per API key and answers 429 above it; the workers stay below
that (2,700 by default) so a burst, such as the monthly run's statements, is spread out rather than
refused. With REDIS_URL the window is counted in Redis, so every worker process draws on one
allowance; without it, in this process only: one local worker, or a Lambda invocation, which has no
Redis and gets `DWP_NOTIFY_PER_MINUTE`, its share (the allowance over the function's reserved
concurrency, set by `infra/`).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from dwp.platform.cache import limits_storage_uri
from dwp.platform.catalog import NOTIFY_PER_MINUTE

DEFAULT_PER_MINUTE = NOTIFY_PER_MINUTE


class SendLimiter:
    def __init__(
        self,
        redis_url: str | None,
        *,
        per_minute: int = DEFAULT_PER_MINUTE,
        cluster: bool = False,
        key: str = "notify",
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if redis_url:
            uri, options = limits_storage_uri(redis_url, cluster=cluster, asynchronous=False)
            storage = storage_from_string(uri, **options)
        else:
            storage = MemoryStorage()
        self._limiter = MovingWindowRateLimiter(storage)
        self._item = RateLimitItemPerMinute(per_minute)
        self._key = key
        self._sleep, self._clock = sleep, clock
        self.waited_seconds = 0.0
        """How long callers waited for the allowance (for metrics and tests)."""

    def acquire(self, most_seconds: float = 60.0) -> bool:
        """Take one request from the allowance, waiting for room; False when none came in time."""
        give_up = self._clock() + most_seconds
        while not self._limiter.hit(self._item, "dwp-workers", self._key):
            reset = self._limiter.get_window_stats(self._item, "dwp-workers", self._key).reset_time
            pause = min(max(reset - self._clock(), 0.01), 1.0)
            if self._clock() + pause > give_up:
                return False
            self.waited_seconds += pause
            self._sleep(pause)
        return True
