"""Outgoing HTTP for the whole platform.

* `shared_client()` / `shared_sync_client()`: the raw httpx clients a process shares; they keep no
  cookies (see `cookies`).
* `ResilientClient`: every call to another service or a provider goes through one of these, over the
  shared client: deadline, retries of what is safe to retry, a circuit breaker per upstream, service
  tokens, request id and trace propagation, `dwp.contracts` bodies, and one error hierarchy.
* `deadline_in`: the time the caller has left, which no call below it outlives.
"""

from dwp.platform.http.breaker import CircuitBreakers
from dwp.platform.http.client import IDEMPOTENT_METHODS, ResilientClient, RetryPolicy, TokenSource
from dwp.platform.http.cookies import holds_no_cookies, no_cookies_jar, shared_client, shared_sync_client
from dwp.platform.http.deadline import current_deadline, deadline_in, remaining
from dwp.platform.http.errors import (
    UpstreamBadResponse,
    UpstreamError,
    UpstreamRejected,
    UpstreamTimeout,
    UpstreamUnavailable,
    retry_after_header,
)
from dwp.platform.http.tokens import ServiceCredentials, ServiceTokens

__all__ = [
    "IDEMPOTENT_METHODS",
    "CircuitBreakers",
    "ResilientClient",
    "RetryPolicy",
    "ServiceCredentials",
    "ServiceTokens",
    "TokenSource",
    "UpstreamBadResponse",
    "UpstreamError",
    "UpstreamRejected",
    "UpstreamTimeout",
    "UpstreamUnavailable",
    "current_deadline",
    "deadline_in",
    "holds_no_cookies",
    "no_cookies_jar",
    "remaining",
    "retry_after_header",
    "shared_client",
    "shared_sync_client",
]
