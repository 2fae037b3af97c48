"""Forwarding one request to its service: headers in and out, streaming, timeouts, and a problem
document (502, 503, 504) when the service is not there, never a hang."""

from __future__ import annotations

import asyncio
import functools
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import httpcore
import httpx
import structlog
from fastapi import Request
from fastapi.responses import Response, StreamingResponse
from opentelemetry import propagate, trace
from starlette.background import BackgroundTask

from dwp.gateway.routes import Upstream
from dwp.platform.http import shared_client
from dwp.platform.problems import Problem

# RFC 9110 section 7.6.1: connection-specific headers are never forwarded.
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
     "transfer-encoding", "upgrade", "host"}
)  # fmt: skip
SERVER_OWN = frozenset({"date", "server"})
"""The gateway's own server writes these; the service's copies would be duplicates."""
_NOT_RETURNED = frozenset(name.encode() for name in (*HOP_BY_HOP, *SERVER_OWN))
BUFFER_LIMIT = 64 * 1024
"""Bodies up to this size are passed whole (cheaper); anything larger, or of unknown size, streams."""

TIMEOUT = httpx.Timeout(connect=1.0, read=10.0, write=10.0, pool=2.0)
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
log = structlog.get_logger("gateway")


class _Retryable(Exception):
    """The connection failed before any answer: safe to try again for an idempotent request."""


class Upstreams:
    """The gateway's connections to the services: a few httpcore connection pools, taken in turn, and
    requests passed through as bytes.

    Not an `httpx.AsyncClient`: for a request that is only passed on, the client's layers were half of
    the hop's cost (docs/performance.md, issue 10): parsing the URL it was given, decoding every header
    to text and encoding it back, its cookie jar reading each answer, redirects and auth, and the
    OpenTelemetry wrapper around each send, recording nothing for nine requests in ten. httpcore (which
    httpx sends with) takes the method, the target and the headers as bytes and gives the answer's the
    same way. There is no cookie jar at all, so no caller's cookie can reach another's request.

    Several pools, not one: httpcore's pool looks at each of its connections (a poll of each idle
    socket, and a count of all of them per connection) whenever a request starts or ends, so at 32
    requests at once one pool of 32 connections was 38% of the gateway's CPU. The limits are the same
    in all.

    Tests put in-process services behind the gateway with an httpx transport (`transport=`): then the
    requests go through an httpx client on it, as they did before."""

    def __init__(
        self,
        *,
        timeout: httpx.Timeout,
        pools: int,
        max_connections: int,
        max_keepalive: int,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.timeout = timeout
        self._timeouts = {
            "connect": timeout.connect, "read": timeout.read, "write": timeout.write, "pool": timeout.pool,
        }  # fmt: skip
        self.client: httpx.AsyncClient | None = None
        self._pools: list[httpcore.AsyncConnectionPool] = []
        if transport is not None:
            self.client = shared_client(timeout=timeout, transport=transport)
        else:
            self._pools = [
                httpcore.AsyncConnectionPool(
                    max_connections=max_connections // pools,
                    max_keepalive_connections=max_keepalive // pools,
                    keepalive_expiry=5.0,  # httpx's default
                )
                for _ in range(pools)
            ]
        self._next = itertools.cycle(self._pools)

    async def send(
        self,
        method: str,
        base: httpx.URL,
        target: bytes,
        headers: list[tuple[bytes, bytes]],
        body: bytes | AsyncIterator[bytes],
    ) -> _Answer:
        """Send `method` `target` (path and query, as bytes) to the service at `base`."""
        if self.client is not None:
            url = base.copy_with(raw_path=target)
            outgoing = self.client.build_request(method, url, headers=headers, content=body)
            response = await self.client.send(outgoing, stream=True)
            return _Answer(response.status_code, response.headers.raw, response.aiter_raw, response.aclose)
        framing: list[tuple[bytes, bytes]] = []
        if not any(name == b"content-length" for name, _ in headers):
            # The body's framing, as httpx sets it: a stream of unknown length goes on chunked.
            if isinstance(body, bytes):
                framing = [(b"content-length", str(len(body)).encode())] if body else []
            else:
                framing = [(b"transfer-encoding", b"chunked")]
        request = httpcore.Request(
            method.encode("ascii"),
            httpcore.URL(scheme=base.raw_scheme, host=base.raw_host, port=base.port, target=target),
            headers=[(b"host", base.netloc), *headers, *framing],
            content=body,
            extensions={"timeout": self._timeouts},
        )
        answer = await next(self._next).handle_async_request(request)
        return _Answer(answer.status, answer.headers, answer.aiter_stream, answer.aclose)

    async def aclose(self) -> None:
        if self.client is not None:
            await self.client.aclose()
        for pool in self._pools:
            await pool.aclose()


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: list[tuple[bytes, bytes]]
    chunks: Callable[[], AsyncIterator[bytes]]
    close: Callable[[], Awaitable[None]]


_UNREACHABLE = (httpx.ConnectError, httpcore.ConnectError)
_TIMED_OUT = (httpx.TimeoutException, httpcore.TimeoutException, TimeoutError)
_DROPPED = (
    httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError,
    httpcore.ReadError, httpcore.WriteError, httpcore.RemoteProtocolError,
)  # fmt: skip
_INVALID = (httpx.HTTPError, httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol)


async def _send(
    upstreams: Upstreams,
    method: str,
    base: httpx.URL,
    target: bytes,
    headers: list[tuple[bytes, bytes]],
    body: bytes | AsyncIterator[bytes],
    upstream: Upstream,
) -> _Answer:
    # httpcore applies its timeouts per socket operation; this deadline also bounds the whole wait for
    # the service's answer, whatever the transport, so a stuck service can never hang the gateway.
    # `asyncio.timeout`, not `wait_for`: the same deadline without a task per request.
    deadline = (upstreams.timeout.connect or 1.0) + (upstreams.timeout.read or 10.0)
    try:
        async with asyncio.timeout(deadline):
            return await _traced_send(upstreams, method, base, target, headers, body)
    except _UNREACHABLE as exc:
        raise Problem(
            503, "Service unavailable", f"The {upstream.service} service is not reachable; try again soon.",
            type_="upstream-unavailable", headers={"Retry-After": "5"},
        ) from exc  # fmt: skip
    except _TIMED_OUT as exc:
        raise Problem(
            504, "Gateway timeout", f"The {upstream.service} service did not answer in time.",
            type_="upstream-timeout",
        ) from exc  # fmt: skip
    except _DROPPED as exc:
        raise _Retryable() from exc
    except _INVALID as exc:
        raise Problem(
            502,
            "Bad gateway",
            f"The {upstream.service} service gave an invalid response.",
            type_="upstream-error",
        ) from exc


_tracer = trace.get_tracer("dwp.gateway.proxy")


async def _traced_send(
    upstreams: Upstreams,
    method: str,
    base: httpx.URL,
    target: bytes,
    headers: list[tuple[bytes, bytes]],
    body: bytes | AsyncIterator[bytes],
) -> _Answer:
    """The trace context goes on to the service on every request (sampled or not: the service follows
    the gateway's decision); a client span is recorded only when the request's trace is."""
    if not trace.get_current_span().is_recording():
        return await upstreams.send(method, base, target, [*headers, *_trace_headers()], body)
    with _tracer.start_as_current_span(method, kind=trace.SpanKind.CLIENT) as span:
        path = target.split(b"?", 1)[0].decode("latin-1")
        span.set_attributes(
            {"http.request.method": method, "url.full": f"{base.scheme}://{base.netloc.decode()}{path}",
             "server.address": base.host, "server.port": base.port or 80}
        )  # fmt: skip
        answer = await upstreams.send(method, base, target, [*headers, *_trace_headers()], body)
        span.set_attribute("http.response.status_code", answer.status)
        if answer.status >= 500:
            span.set_status(trace.Status(trace.StatusCode.ERROR))
        return answer


def _trace_headers() -> list[tuple[bytes, bytes]]:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in carrier.items()]


_NOT_FORWARDED = frozenset(
    name.encode() for name in (*HOP_BY_HOP, "x-request-id", "traceparent", "tracestate", "x-amzn-trace-id")
)
"""Hop-by-hop headers, the request id (the gateway's own goes on) and the trace context (the gateway's
span's goes on, as the OpenTelemetry httpx instrumentation replaced it before)."""


def _request_headers(request: Request, request_id: str) -> list[tuple[bytes, bytes]]:
    """The headers to send on, as the bytes the caller sent (no decoding and encoding back)."""
    raw: list[tuple[bytes, bytes]] = request.scope["headers"]
    headers = [(k, v) for k, v in raw if k not in _NOT_FORWARDED]
    client = (request.client.host if request.client else "").encode("latin-1")
    forwarded_for = request.headers.get("x-forwarded-for")
    headers += [
        (b"x-request-id", request_id.encode("latin-1")),
        (b"x-forwarded-for", f"{forwarded_for}, ".encode("latin-1") + client if forwarded_for else client),
        (b"x-forwarded-proto", request.scope.get("scheme", "http").encode("latin-1")),
        (b"x-forwarded-host", request.headers.get("host", "").encode("latin-1")),
    ]
    return headers


@functools.lru_cache(maxsize=64)
def _base_url(base_url: str) -> httpx.URL:
    """A service's base URL, parsed once (the route table holds a few)."""
    return httpx.URL(base_url)


def _length(value: str | None) -> int | None:
    """A Content-Length as a number; ASCII digits only (`str.isdigit` is true of `²`, which int() refuses)."""
    return int(value) if value is not None and value.isascii() and value.isdigit() else None


async def _body(request: Request) -> bytes | AsyncIterator[bytes]:
    declared = request.headers.get("content-length")
    length = _length(declared)
    if declared is not None and length is None:
        raise Problem(400, "Bad request", "Content-Length must be a number of bytes.", type_="bad-request")
    if length is None and "transfer-encoding" not in request.headers:
        return b""  # no body at all: do not turn a GET into a chunked request
    if length is not None and length <= BUFFER_LIMIT:
        return await request.body()
    return request.stream()


async def forward(
    upstreams: Upstreams, upstream: Upstream, request: Request, request_id: str, raw_path: bytes
) -> Response:
    """Send `request` on with `raw_path`: the very bytes the gateway checked, never a re-encoding."""
    base = _base_url(upstream.base_url)
    query: bytes = request.scope.get("query_string", b"")
    target = base.raw_path.rstrip(b"/") + raw_path + (b"?" + query if query else b"")
    headers = _request_headers(request, request_id)
    body = await _body(request)
    # A kept-alive connection the service has just closed fails at once; an idempotent request whose
    # body we hold is sent once more on a fresh connection, as proxies do.
    retry = request.method in IDEMPOTENT and isinstance(body, bytes)
    while True:
        try:
            response = await _send(upstreams, request.method, base, target, headers, body, upstream)
        except _Retryable as exc:
            log.warning("upstream_connection_dropped", service=upstream.service, retried=retry)
            if not retry:
                raise Problem(
                    502, "Bad gateway", f"The {upstream.service} service dropped the connection.",
                    type_="upstream-error",
                ) from exc.__cause__  # fmt: skip
            retry = False
            continue
        break

    # Raw bytes and raw headers: the body stays exactly as the service encoded it, and every
    # Set-Cookie survives (a mapping of headers would keep only one).
    raw_headers = []
    declared_length = None
    for name, value in response.headers:
        lowered = name.lower()
        if lowered in _NOT_RETURNED:
            continue
        if lowered == b"content-length":
            declared_length = value.decode("latin-1")
        raw_headers.append((lowered, value))
    length = _length(declared_length)
    if length is not None and length <= BUFFER_LIMIT:
        try:
            content = b"".join([chunk async for chunk in response.chunks()])
        except (*_DROPPED, *_INVALID, *_TIMED_OUT) as exc:
            raise Problem(
                502, "Bad gateway", f"The {upstream.service} service broke off its answer."
            ) from exc
        finally:
            await response.close()
        whole = Response(content, status_code=response.status)
        whole.raw_headers = raw_headers
        return whole
    streamed = StreamingResponse(
        response.chunks(), status_code=response.status, background=BackgroundTask(response.close)
    )
    streamed.raw_headers = raw_headers
    return streamed
