"""A circuit breaker per upstream, so a provider that is down costs its callers nothing but a fast 503.

Built on `purgatory` rather than `aiobreaker`: purgatory is asyncio-native, still released (3.x,
2024), typed, and can keep its state in Redis when several tasks must share one breaker; aiobreaker's
last release was in 2021. Both install and work here (Python 3.11). Purgatory's states are the classic
three: closed (count consecutive failures), opened after `threshold` of them (every call refused at
once for `ttl` seconds), then half-opened (calls go through; the first success closes it, a failure
opens it again).

Only failures that say the upstream is unwell count: it could not be reached, timed out, or answered
5xx. A 4xx is the caller's problem and a 429 is the upstream protecting itself: neither opens it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import structlog
from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import OpenedState

from dwp.platform.http.deadline import Clock
from dwp.platform.http.errors import UpstreamError, UpstreamUnavailable

if TYPE_CHECKING:  # purgatory exports the factory, not the breaker it makes
    from purgatory.service._async.circuitbreaker import AsyncCircuitBreaker

log = structlog.get_logger("http")


class CircuitBreakers:
    """The breakers of one process (or one client), one per upstream name.

    `clock` must be the clock purgatory reads (`time.time`); tests replace both together.
    """

    def __init__(self, *, threshold: int = 5, ttl: float = 30.0, clock: Clock = time.time) -> None:
        self._factory = AsyncCircuitBreakerFactory(
            default_threshold=threshold,
            default_ttl=ttl,
            # A cancelled call (its caller went away) says nothing about the upstream's health.
            exclude=[asyncio.CancelledError],
        )
        self._factory.add_listener(self._log_change)
        self._clock = clock

    async def _breaker(self, upstream: str) -> AsyncCircuitBreaker:
        # Only this upstream's own failures count: not an answer that is the caller's fault, nor a
        # failure of another upstream met on the way (the identity service, for a token). Purgatory
        # sets the exclusions on each fetch of the breaker, so every fetch passes the same ones.
        def not_its_failure(exc: UpstreamError) -> bool:
            return not exc.breaker_failure or exc.upstream != upstream

        return await self._factory.get_breaker(upstream, exclude=[(UpstreamError, not_its_failure)])

    @asynccontextmanager
    async def guard(self, upstream: str) -> AsyncIterator[None]:
        """Run the block through `upstream`'s breaker; refused at once, with `retry_after`, when open."""
        breaker = await self._breaker(upstream)
        try:
            await breaker.__aenter__()
        except OpenedState as exc:
            retry_after = max(0.0, exc.opened_at + breaker.context.ttl - self._clock())
            raise UpstreamUnavailable(
                "circuit breaker open", upstream=upstream, retry_after=retry_after, breaker_open=True
            ) from None
        try:
            yield
        except BaseException as exc:
            await breaker.__aexit__(type(exc), exc, exc.__traceback__)
            raise
        await breaker.__aexit__(None, None, None)

    async def state(self, upstream: str) -> str:
        """ "closed", "opened" or "half-opened" (as purgatory names them)."""
        return (await self._breaker(upstream)).context.state

    @staticmethod
    def _log_change(name: str, event_name: str, event: Any) -> None:
        if event_name == "state_changed":
            log.warning("circuit_breaker", upstream=name, state=event.state)
