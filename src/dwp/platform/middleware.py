"""One pure-ASGI middleware for what every request needs: request id, access log, security headers,
body size limit and request metrics.

Written as plain ASGI rather than Starlette's BaseHTTPMiddleware because that one costs a task and a
copy per request, and the profile read must stay within a small multiple of a bare app's throughput.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any
from urllib.parse import unquote_to_bytes

import structlog
from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dwp.platform.problems import Problem
from dwp.platform.security_policy import API_POLICY, RoutePolicies
from dwp.platform.telemetry import ServerSpans

REQUEST_ID_HEADER = "x-request-id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")

SECURITY_HEADERS: list[tuple[bytes, bytes]] = list(API_POLICY.headers)
"""The API policy's headers (`dwp.platform.security_policy`): every route's, unless it names its own."""


def security_headers(path: str, route_policies: RoutePolicies) -> tuple[tuple[bytes, bytes], ...]:
    """The security headers of a response to `path`: its route's policy (the `/docs` page:
    `dwp.platform.docs.DOCS_POLICY`), else the app's default (the API policy, `default-src 'none'`)."""
    return route_policies.for_path(path).headers


REQUESTS = Counter("dwp_http_requests_total", "HTTP requests", ["service", "method", "route", "status"])
LATENCY = Histogram(
    "dwp_http_request_duration_seconds",
    "HTTP request duration",
    ["service", "method", "route"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)

_QUIET_PATHS = frozenset({"/health/live", "/health/ready", "/metrics"})


class BodyTooLarge(Problem):
    def __init__(self, limit: int) -> None:
        super().__init__(413, "Request body too large", f"The request body must be at most {limit} bytes.")


def unexpected_error(request_id: str) -> Problem:
    """The 500 a caller gets for a fault of ours: no detail of it, only the id that finds it in the logs."""
    return Problem(
        500,
        "Internal server error",
        f"Something went wrong on our side. Quote request id {request_id} if you contact us.",
        type_="internal-error",
        request_id=request_id,
    )


UNREADABLE_TARGET = Problem(
    400,
    "Bad request",
    "The path and query must be UTF-8 once decoded, with no control characters.",
    type_="bad-request",
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # C0, DEL and C1: category Cc


def _readable_target(scope: Scope) -> bool:
    """Whether the path and query decode to UTF-8 with no control character. A NUL in an id reached
    PostgreSQL, which refuses it, and that was a 500; such a request is no service's to answer."""
    raw = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
    for part in (raw, scope.get("query_string", b"")):
        if b"%" not in part and part.isascii() and not _CONTROL.search(part.decode("ascii")):
            continue  # the common case, without decoding
        try:
            if _CONTROL.search(unquote_to_bytes(part).decode("utf-8")):
                return False
        except UnicodeDecodeError:
            return False
    return True


class PlatformMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        service: str,
        max_body_bytes: int,
        route_policies: RoutePolicies | None = None,
    ) -> None:
        self.app = app
        self.service = service
        self.max_body_bytes = max_body_bytes
        self.route_policies = route_policies or RoutePolicies()
        """The security headers by route (`dwp.platform.security_policy`)."""
        self.log = structlog.get_logger("access")
        self.spans = ServerSpans()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] in _QUIET_PATHS:
            await self._serve(scope, receive, send, [500])
            return
        # The request's server span is the outermost thing, so every line logged (the access line too)
        # carries its trace id. Health checks and metrics are not traced.
        span, token = self.spans.start(scope)
        outcome: list[Any] = [500, None]
        try:
            await self._serve(scope, receive, send, outcome)
        except Exception as exc:
            outcome[1] = exc
            raise
        finally:
            self.spans.end(span, token, scope, _chosen_route(scope), outcome[0], outcome[1])

    async def _serve(self, scope: Scope, receive: Receive, send: Send, status_holder: list[Any]) -> None:
        """The request; `status_holder[0]` is the status answered (`[1]`: an error answered as a 500)."""
        started = time.perf_counter()
        headers = dict(scope["headers"])
        incoming = headers.get(REQUEST_ID_HEADER.encode(), b"").decode("latin-1")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else str(uuid.uuid4())
        scope.setdefault("state", {})["request_id"] = request_id
        # Bound per request, so that each app's lines name it even when several apps share a process (the
        # tests' gateway in front of a service); reset, not unbound, so that an app called in-process
        # hands its caller's request id and service back.
        bound = structlog.contextvars.bind_contextvars(request_id=request_id, service=self.service)

        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._reject_too_large(scope, send, request_id)
            self._log(scope, 413, started, request_id)
            return
        if not _readable_target(scope):
            await self._send_problem(scope, send, request_id, UNREADABLE_TARGET)
            self._log(scope, 400, started, request_id)
            return

        received = 0
        # A body of undeclared length (chunked) is counted as it arrives. Once it passes the limit the
        # app's own answer to the failed read (FastAPI makes it a 400 "error parsing the body") is
        # dropped, and the 413 that is the truth is sent instead.
        too_large = False
        answered = False

        async def limited_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    too_large = True
                    raise BodyTooLarge(self.max_body_bytes)
            return message

        started_response = False

        async def send_with_headers(message: Message) -> None:
            nonlocal answered, started_response
            if message["type"] == "http.response.start":
                started_response = True
            if too_large:
                if not answered and message["type"] == "http.response.start":
                    answered = True
                    status_holder[0] = 413
                    await self._reject_too_large(scope, send, request_id)
                return
            if message["type"] == "http.response.start":
                status_holder[0] = message["status"]
                headers = security_headers(scope["path"], self.route_policies)
                extra = [(b"x-request-id", request_id.encode()), *headers]
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in extra if k not in present
                ]
            await send(message)

        try:
            try:
                await self.app(scope, limited_receive, send_with_headers)
            except BodyTooLarge:
                if answered:
                    raise
            except Exception as exc:
                # Starlette's own catch-all answers a 500 and then re-raises, so the server drops the
                # kept-alive connection without `Connection: close`, and the client's next request on
                # it (through the gateway, a POST) fails. Answered here, the connection lives on.
                if started_response:
                    raise
                self.log.error(
                    "unhandled_error", route=scope.get("path"), error=type(exc).__name__, exc_info=exc
                )
                status_holder[0] = 500
                if len(status_holder) > 1:
                    status_holder[1] = exc
                await self._send_problem(scope, send, request_id, unexpected_error(request_id))
                return
            if too_large and not answered:
                status_holder[0] = 413
                await self._reject_too_large(scope, send, request_id)
        finally:
            self._log(scope, status_holder[0], started, request_id)
            structlog.contextvars.reset_contextvars(**bound)

    async def _reject_too_large(self, scope: Scope, send: Send, request_id: str) -> None:
        await self._send_problem(scope, send, request_id, BodyTooLarge(self.max_body_bytes))

    async def _send_problem(self, scope: Scope, send: Send, request_id: str, problem: Problem) -> None:
        from dwp.platform.problems import problem_response

        response = problem_response(problem)
        response.headers["x-request-id"] = request_id
        for name, value in SECURITY_HEADERS:
            response.headers.setdefault(name.decode(), value.decode())

        async def no_body() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        await response(scope, no_body, send)

    def _log(self, scope: Scope, status: int, started: float, request_id: str) -> None:
        duration = time.perf_counter() - started
        route = _route_template(scope)
        method = scope["method"]
        REQUESTS.labels(self.service, method, route, str(status)).inc()
        LATENCY.labels(self.service, method, route).observe(duration)
        if scope["path"] in _QUIET_PATHS and status < 400:
            return
        # A 5xx is the platform's failure, so its access line is an error an alarm can count.
        emit = self.log.error if status >= 500 else self.log.info
        emit(
            "request",
            method=method,
            route=route,
            status=status,
            duration_ms=round(duration * 1000, 2),
            request_id=request_id,
        )


def _route_template(scope: Scope) -> str:
    # The route template, never the concrete path: paths can hold ids, and ids are not for metrics labels.
    return _chosen_route(scope) or "unmatched"


def _chosen_route(scope: Scope) -> str | None:
    """The template of the route that answered (a catch-all route, the gateway's, names the template it
    chose in the request state); None when no route matched."""
    chosen = scope.get("state", {}).get("route_template")
    if chosen:
        return str(chosen)
    path = getattr(scope.get("route"), "path", None)
    return str(path) if path else None
