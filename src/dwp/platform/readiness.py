"""What a service needs from a dependency before it can serve, loaded without stopping it from starting.

A service that cannot reach the AWS endpoint at start-up (the blind-index secret in Secrets Manager)
used to fail to start, so one slow dependency took the whole process down, and a supervisor (ECS, `dwp
up`) restarted it in a loop. Now it starts, answers `/health/live`, reports not ready on `/health/ready`
with why, answers every request that needs the resource with a 503 problem and `Retry-After`, and keeps
trying (backoff with jitter) until the resource is there; then it is ready, with no restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Callable
from typing import Any, Generic, TypeVar, cast

import structlog

from dwp.platform.errors import DependencyUnavailable

T = TypeVar("T")
log = structlog.get_logger("readiness")


class Degraded(Exception):
    """Raised by a readiness check whose dependency is down while the service still serves without it
    (a fallback: the gateway's rate limits counted in the process while Redis is down). Readiness then
    stays 200, so the load balancer keeps the task, and says `"status": "degraded"` with why: taking
    every task out of service because a shared cache is down would turn a degraded edge into an outage."""


class Eventually(Generic[T]):
    """`load()` (blocking: it runs in a thread) retried in the background until it succeeds.

    `async with resource.running():` in a lifespan starts it and waits up to `wait_at_start` seconds for
    the first load, so a service whose dependencies are up is ready from its first request. Register
    `resource.check` as a readiness check; `resource.get()` gives the value or raises
    `DependencyUnavailable` (a 503 with `Retry-After`)."""

    def __init__(
        self,
        name: str,
        load: Callable[[], T],
        *,
        wait_at_start: float = 5.0,
        first_backoff: float = 0.5,
        max_backoff: float = 15.0,
    ) -> None:
        self.name = name
        self._load = load
        self._wait_at_start = wait_at_start
        self._first_backoff = first_backoff
        self._max_backoff = max_backoff
        self._value: T | None = None
        self._loaded = asyncio.Event()
        self._why = "not loaded yet"
        self.attempts = 0

    @property
    def loaded(self) -> bool:
        return self._loaded.is_set()

    def get(self) -> T:
        if not self._loaded.is_set():
            raise DependencyUnavailable(
                f"{self.name} is not available yet", dependency=self.name, retry_after=self._first_backoff * 4
            )
        return cast(T, self._value)

    async def check(self) -> None:
        """Readiness: fails, saying why, until the resource is loaded."""
        if not self._loaded.is_set():
            raise DependencyUnavailable(f"{self.name}: {self._why}", dependency=self.name)

    def proxy(self) -> T:
        """An object that stands for the value: each attribute is looked up on `get()` when used, so code
        built at start-up with the value (a repository holding the blind index) works once it is loaded
        and answers 503 until then. (A proxy rather than a change to every caller's signature.)"""
        return cast(T, _Proxy(self))

    async def _keep_trying(self) -> None:
        backoff = self._first_backoff
        while True:
            self.attempts += 1
            try:
                value = await asyncio.to_thread(self._load)
            except Exception as exc:
                self._why = f"{type(exc).__name__}: {exc}"[:300]
                if self.attempts == 1:
                    log.warning(
                        "startup_dependency_unavailable", resource=self.name, error=type(exc).__name__
                    )
                await asyncio.sleep(backoff * random.uniform(0.5, 1.0))  # noqa: S311 - jitter, not a secret
                backoff = min(backoff * 2, self._max_backoff)
            else:
                self._value = value
                self._loaded.set()
                if self.attempts > 1:
                    log.warning("startup_dependency_loaded", resource=self.name, attempts=self.attempts)
                return

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Eventually[T]]:
        task = asyncio.create_task(self._keep_trying(), name=f"load {self.name}")
        try:
            await asyncio.wait({task}, timeout=self._wait_at_start)  # not loaded by then: start anyway
            yield self
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


class _Proxy:
    def __init__(self, owner: Eventually[Any]) -> None:
        self._owner = owner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._owner.get(), name)
