"""What can go wrong calling another service or a provider, as one hierarchy (as httpx's own).

The client translates every httpx error and every refusing response into one of these at the
boundary, so a use case catches `UpstreamRejected` (the upstream said no) apart from
`UpstreamUnavailable` / `UpstreamTimeout` (it could not be asked in time: try later), and a service's
error table maps them:

    UpstreamUnavailable  -> 503, `retry_after_header(exc)` (the breaker's or the upstream's wait)
    UpstreamTimeout      -> 503 (or 504 for a gateway), `Retry-After` when `retry_after` is set
    UpstreamRejected     -> the use case's own domain error (a 404 may mean "none"), else 502
    UpstreamBadResponse  -> 502

`UpstreamUnavailable` is also a `ConnectionError` and `UpstreamTimeout` a `TimeoutError`, so a
service that maps nothing still answers 503 (the platform's dependency-unavailable problem), never 500.
Messages name the upstream, the method and the path, never a query string or a body.
"""

from __future__ import annotations

import math
from typing import Any

DEFAULT_RETRY_AFTER_SECONDS = 5


class UpstreamError(Exception):
    """Base of every failure of a call through `dwp.platform.http`."""

    retry_after: float | None = None
    """Seconds after which trying again may work (from `Retry-After` or the open breaker), if known."""

    def __init__(
        self,
        detail: str,
        *,
        upstream: str,
        method: str = "",
        path: str = "",
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        where = f"{method} {path}".strip()
        super().__init__(f"{upstream}: {detail}" + (f" ({where})" if where else ""))
        self.upstream = upstream
        self.method = method
        self.path = path
        self.status = status
        self.retry_after = retry_after
        # Set by the client: True when trying again is known to be safe and may help (nothing was
        # sent, or the upstream said "not now"); whether the request itself may be repeated is
        # decided separately, from its method and Idempotency-Key.
        self.transient = False
        # Set by the client: True when this failure says the upstream is unwell (unreachable, too
        # slow, 5xx), so it counts towards opening the upstream's circuit breaker.
        self.breaker_failure = False


class UpstreamUnavailable(UpstreamError, ConnectionError):
    """The upstream could not be reached, said it is overloaded (429/502/503/504), or its breaker is open."""

    def __init__(self, detail: str, *, breaker_open: bool = False, **where: Any) -> None:
        super().__init__(detail, **where)
        self.breaker_open = breaker_open


class UpstreamTimeout(UpstreamError, TimeoutError):
    """No answer within the call's time (its own timeout or the caller's remaining deadline)."""


class UpstreamRejected(UpstreamError):
    """The upstream answered 4xx: it refused this request, and sending it again will not change that."""

    def __init__(
        self, detail: str, *, status: int, problem: dict[str, Any] | None = None, **where: Any
    ) -> None:
        super().__init__(detail, status=status, **where)
        self.problem = problem
        """The upstream's RFC 9457 problem document (or other JSON object), when it sent one."""


class UpstreamBadResponse(UpstreamError):
    """The upstream failed (500 and other 5xx), broke the protocol, or sent a body that does not match
    the contract."""


def retry_after_header(exc: UpstreamError, default: int = DEFAULT_RETRY_AFTER_SECONDS) -> dict[str, str]:
    """The `Retry-After` header for the 503 that answers `exc`: its own wait in whole seconds (at least
    1), or `default` when the upstream gave none."""
    seconds = default if exc.retry_after is None else max(1, math.ceil(exc.retry_after))
    return {"Retry-After": str(seconds)}
