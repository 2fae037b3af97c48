"""The one client every service uses to call another service or a provider.

A call has one deadline: its own (`RetryPolicy.total_seconds`, or `timeout=`), cut to whatever the
caller has left (`deadline_in`). Inside it each attempt passes through the upstream's circuit
breaker, and a failed attempt is tried again only when both hold:

* the failure is transient: nothing reached the upstream (connect error, connect or pool timeout), or
  it answered 429/502/503/504, or 409 `idempotency-key-in-progress` to a request with an
  Idempotency-Key (its first request is still in flight: the retry gets that request's answer); a
  500, another 4xx, a read timeout or a broken answer is not retried;
* the request may be repeated: an idempotent method (GET, HEAD, OPTIONS, PUT, DELETE) or one that
  carries an `Idempotency-Key` (or the caller says so, for a POST that is safe by nature). A POST
  without one is never sent twice, whatever went wrong.

Waits are exponential with full jitter, or exactly the upstream's `Retry-After` when it gives one; a
wait that would end past the deadline is not started, and the last error (with its `retry_after`)
goes to the caller at once.

Retries use `tenacity` directly rather than `stamina` (which wraps tenacity with these same defaults)
because stamina fixes its sleep to `asyncio.sleep` and its clock to the process's, and its test mode
zeroes every wait: with tenacity the clock and the sleep are injected, so the tests check Retry-After
and the deadline without waiting.

Every attempt carries the caller's `X-Request-ID`, the W3C `traceparent` of the current span, and a
bearer token: the one the caller passes (acting for a person), else this service's own token from
`ServiceTokens`, fetched again once if the upstream answers 401.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypedDict, TypeVar, Unpack

import httpx
import structlog
import tenacity
from opentelemetry import propagate
from prometheus_client import Counter
from pydantic import BaseModel, ValidationError
from tenacity.stop import stop_base

from dwp.platform.http.breaker import CircuitBreakers
from dwp.platform.http.cookies import shared_client
from dwp.platform.http.deadline import Clock, current_deadline, deadline_in
from dwp.platform.http.errors import (
    UpstreamBadResponse,
    UpstreamError,
    UpstreamRejected,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from dwp.platform.settings import Settings

M = TypeVar("M", bound=BaseModel)
Sleep = Callable[[float], Awaitable[None]]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
TRANSIENT_STATUSES = frozenset({429, 502, 503, 504})
REQUEST_ID_HEADER = "X-Request-ID"
IN_PROGRESS_PROBLEM = "idempotency-key-in-progress"
"""The problem type (its last segment) of a 409 for a key whose first request is still in flight."""

log = structlog.get_logger("http")
CALLS = Counter("dwp_upstream_calls_total", "Calls to other services and providers", ["upstream", "outcome"])


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3
    """Attempts in all, the first included."""
    total_seconds: float = 10.0
    """A call's own deadline, retries and waits included; the caller's remaining time cuts it."""
    attempt_seconds: float = 5.0
    connect_seconds: float = 2.0
    backoff_initial: float = 0.1
    backoff_max: float = 2.0


class CallOptions(TypedDict, total=False):
    """The keywords of `ResilientClient.request` that the model helpers pass on."""

    params: Mapping[str, str] | None
    headers: Mapping[str, str] | None
    bearer: str | None
    idempotency_key: str | None
    idempotent: bool | None
    within: float | None


class TokenSource(Protocol):
    """Where this service's own bearer token comes from (`ServiceTokens`)."""

    async def token(self) -> str: ...

    def invalidate(self, token: str) -> None: ...


class ResilientClient:
    """Calls to one upstream (a service of the platform or an outside provider) at `base_url`.

    Make one per upstream per process (in the app's lifespan), over the process's shared httpx client:
    the breaker's memory is this object's.
    """

    def __init__(
        self,
        upstream: str,
        base_url: str,
        *,
        http: httpx.AsyncClient | None = None,
        tokens: TokenSource | None = None,
        policy: RetryPolicy | None = None,
        breakers: CircuitBreakers | None = None,
        clock: Clock = time.monotonic,
        wall_clock: Clock = time.time,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.upstream = upstream
        self.base_url = base_url.rstrip("/")
        self._owns_http = http is None
        self._http = http if http is not None else shared_client()
        self._tokens = tokens
        self.policy = policy or RetryPolicy()
        self.breakers = breakers or CircuitBreakers()
        self._clock = clock
        self._wall_clock = wall_clock
        self._sleep = sleep
        self._backoff = tenacity.wait_random_exponential(
            multiplier=self.policy.backoff_initial, max=self.policy.backoff_max
        )

    @classmethod
    def for_service(cls, name: str, settings: Settings, **kwargs: Any) -> ResilientClient:
        """A client for another process of the platform, at the URL the settings give it."""
        return cls(name, settings.service_url(name), **kwargs)

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    # --- calls ---------------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        bearer: str | None = None,
        idempotency_key: str | None = None,
        idempotent: bool | None = None,
        within: float | None = None,
    ) -> httpx.Response:
        """Send the request (retrying what is safe to retry); a 2xx or 3xx response, or an `UpstreamError`.

        `bearer` is the token to send (a person's, when acting for them); without it the client's
        `TokenSource` gives this service's own. `idempotent=True` lets a POST be retried that is
        safe by nature (a token request); `within` (seconds) shortens this call's own deadline.
        """
        method = method.upper()
        repeatable = idempotent if idempotent is not None else (
            method in IDEMPOTENT_METHODS or idempotency_key is not None
        )  # fmt: skip
        deadline = self._clock() + (within if within is not None else self.policy.total_seconds)
        outer = current_deadline()
        if outer is not None:
            deadline = min(deadline, outer)
        outgoing = _Outgoing(method, path, params, json, data, dict(headers or {}))
        if idempotency_key is not None:
            outgoing.headers["Idempotency-Key"] = idempotency_key

        async def attempt() -> httpx.Response:
            left = deadline - self._clock()
            if left <= 0:
                raise self._failure(UpstreamTimeout, "no time left before the deadline", method, path)
            async with self.breakers.guard(self.upstream):
                # Calls made on the way (a service token) share this call's deadline.
                with deadline_in(left, clock=self._clock):
                    return await self._authorised_send(
                        outgoing, bearer, min(left, self.policy.attempt_seconds)
                    )

        retrying = tenacity.AsyncRetrying(
            sleep=self._sleep,
            retry=tenacity.retry_if_exception(lambda exc: repeatable and _transient(exc)),
            wait=self._wait,
            stop=tenacity.stop_any(
                tenacity.stop_after_attempt(self.policy.attempts),
                _StopAtDeadline(deadline, self._clock),
            ),
            before_sleep=lambda state: log.info(
                "upstream_retry",
                upstream=self.upstream,
                method=method,
                path=path,
                attempt=state.attempt_number,
                wait_seconds=round(state.upcoming_sleep, 3),
                reason=str(state.outcome.exception()) if state.outcome else None,
            ),
            reraise=True,
        )
        try:
            response: httpx.Response = await retrying(attempt)
        except UpstreamError as exc:
            CALLS.labels(self.upstream, type(exc).__name__).inc()
            raise
        CALLS.labels(self.upstream, "ok").inc()
        return response

    async def send_model(
        self,
        method: str,
        path: str,
        model: type[M],
        *,
        body: BaseModel | None = None,
        **options: Unpack[CallOptions],
    ) -> M:
        """Send `body` (a `dwp.contracts` model) and read the answer as `model`.

        Fields that are None are left out of the body, so the upstream applies its own defaults. An
        answer that does not match `model` is an `UpstreamBadResponse`.
        """
        payload = body.model_dump(mode="json", exclude_none=True) if body is not None else None
        options["headers"] = {"Accept": "application/json"} | dict(options.get("headers") or {})
        response = await self.request(method, path, json=payload, **options)
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            raise self._failure(
                UpstreamBadResponse,
                f"the answer is not a {model.__name__} ({exc.error_count()} errors)",
                method,
                path,
                status=response.status_code,
            ) from None

    async def get_model(self, path: str, model: type[M], **options: Unpack[CallOptions]) -> M:
        return await self.send_model("GET", path, model, **options)

    async def post_model(
        self, path: str, body: BaseModel, model: type[M], **options: Unpack[CallOptions]
    ) -> M:
        return await self.send_model("POST", path, model, body=body, **options)

    # --- one attempt ---------------------------------------------------------------------------

    async def _authorised_send(self, out: _Outgoing, bearer: str | None, seconds: float) -> httpx.Response:
        token = bearer
        if token is None and self._tokens is not None:
            token = await self._tokens.token()
        response = await self._send(out, token, seconds)
        if response.status_code == 401 and bearer is None and self._tokens is not None and token:
            # Our own token was refused (expired early, or the issuer rotated its keys): fetch a
            # new one and try once more. A 401 means nothing was done, so this is safe for a POST.
            self._tokens.invalidate(token)
            token = await self._tokens.token()
            response = await self._send(out, token, seconds)
        return self._checked(response, out.method, out.path)

    async def _send(self, out: _Outgoing, token: str | None, seconds: float) -> httpx.Response:
        method, path = out.method, out.path
        headers = dict(out.headers)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request_id = structlog.contextvars.get_contextvars().get("request_id")
        if request_id and REQUEST_ID_HEADER not in headers:
            headers[REQUEST_ID_HEADER] = str(request_id)
        # The httpx instrumentation (platform.telemetry) replaces this with its own client span when
        # it is on; without it the server span's context still reaches the upstream.
        propagate.inject(headers)
        request = self._http.build_request(
            method,
            self.base_url + path,
            params=out.params,
            json=out.json,
            data=out.data,
            headers=headers,
            timeout=httpx.Timeout(seconds, connect=min(self.policy.connect_seconds, seconds)),
        )
        try:
            # httpx's timeouts are per read, not per response: this bounds the whole exchange.
            async with asyncio.timeout(seconds):
                return await self._http.send(request)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise self._failure(
                UpstreamUnavailable, f"could not connect: {type(exc).__name__}", method, path,
                transient=True, breaker_failure=True,
            ) from exc  # fmt: skip
        except (httpx.TimeoutException, TimeoutError) as exc:
            raise self._failure(
                UpstreamTimeout, f"no answer within {seconds:.3g} s", method, path, breaker_failure=True
            ) from exc
        except httpx.ProtocolError as exc:
            raise self._failure(
                UpstreamBadResponse, f"broken answer: {type(exc).__name__}", method, path,
                breaker_failure=True,
            ) from exc  # fmt: skip
        except httpx.TransportError as exc:
            # Read, write or close errors: the request may have been acted on, so not transient.
            raise self._failure(
                UpstreamUnavailable, f"connection failed: {type(exc).__name__}", method, path,
                breaker_failure=True,
            ) from exc  # fmt: skip

    def _checked(self, response: httpx.Response, method: str, path: str) -> httpx.Response:
        status = response.status_code
        if status < 400:
            return response
        if status in TRANSIENT_STATUSES:
            raise self._failure(
                UpstreamUnavailable, f"answered {status}", method, path, status=status,
                retry_after=self._retry_after(response), transient=True,
                breaker_failure=status != 429,  # a 429 is the upstream protecting itself, not failing
            )  # fmt: skip
        if status >= 500:
            raise self._failure(
                UpstreamBadResponse, f"answered {status}", method, path, status=status, breaker_failure=True
            )
        problem = _json_object(response)
        if status == 409 and "Idempotency-Key" in response.request.headers:
            kind = str((problem or {}).get("type", ""))
            if kind.rsplit("/", 1)[-1] == IN_PROGRESS_PROBLEM:
                # The upstream is still working on this key's first request (IETF Idempotency-Key draft,
                # a concurrent retry): ask again after its Retry-After for that request's own answer. Past
                # the deadline the caller gets a 503 with the wait, never the 409 as a refusal.
                raise self._failure(
                    UpstreamUnavailable, "still working on this Idempotency-Key's first request", method,
                    path, status=status, retry_after=self._retry_after(response) or 1.0, transient=True,
                )  # fmt: skip
        detail = problem.get("detail") if problem else None
        error = UpstreamRejected(
            f"refused with {status}" + (f": {detail}" if isinstance(detail, str) else ""),
            status=status, problem=problem, upstream=self.upstream, method=method, path=path,
        )  # fmt: skip
        raise error

    # --- helpers -------------------------------------------------------------------------------

    def _wait(self, state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, UpstreamError) and exc.retry_after is not None:
            return exc.retry_after
        return float(self._backoff(state))

    def _retry_after(self, response: httpx.Response) -> float | None:
        """`Retry-After` as seconds from now: a number of seconds or an HTTP date (RFC 9110, 10.2.3)."""
        value = response.headers.get("Retry-After", "").strip()
        if not value:
            return None
        if value.isdigit():
            return float(value)
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, when.timestamp() - self._wall_clock())

    def _failure(
        self,
        kind: type[UpstreamError],
        detail: str,
        method: str,
        path: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        transient: bool = False,
        breaker_failure: bool = False,
    ) -> UpstreamError:
        error = kind(
            detail, upstream=self.upstream, method=method, path=path, status=status, retry_after=retry_after
        )
        error.transient = transient
        error.breaker_failure = breaker_failure
        return error


@dataclass
class _Outgoing:
    """What one call sends, the same on every attempt."""

    method: str
    path: str
    params: Mapping[str, str] | None
    json: Any
    data: Mapping[str, str] | None
    headers: dict[str, str]


class _StopAtDeadline(stop_base):
    """Never start a wait that ends past the deadline: fail now, with the upstream's Retry-After for
    the caller to pass on."""

    def __init__(self, deadline: float, clock: Clock) -> None:
        self.deadline = deadline
        self.clock = clock

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        return self.clock() + retry_state.upcoming_sleep >= self.deadline


def _transient(exc: BaseException) -> bool:
    return isinstance(exc, UpstreamError) and exc.transient


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    if "json" not in response.headers.get("content-type", ""):
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
