"""Forwarding one request to its service: headers in and out, streaming, timeouts, and a problem
document (502, 503, 504) when the service is not there, never a hang."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import structlog
from fastapi import Request
from fastapi.responses import Response, StreamingResponse
from starlette.background import BackgroundTask

from dwp.gateway.routes import Upstream
from dwp.platform.problems import Problem

# RFC 9110 section 7.6.1: connection-specific headers are never forwarded.
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
     "transfer-encoding", "upgrade", "host"}
)  # fmt: skip
SERVER_OWN = frozenset({"date", "server"})
"""The gateway's own server writes these; the service's copies would be duplicates."""
BUFFER_LIMIT = 64 * 1024
"""Bodies up to this size are passed whole (cheaper); anything larger, or of unknown size, streams."""

TIMEOUT = httpx.Timeout(connect=1.0, read=10.0, write=10.0, pool=2.0)
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
log = structlog.get_logger("gateway")


class _Retryable(Exception):
    """The connection failed before any answer: safe to try again for an idempotent request."""


async def _send(client: httpx.AsyncClient, outgoing: httpx.Request, upstream: Upstream) -> httpx.Response:
    # httpx applies its timeouts per socket operation; this deadline also bounds the whole wait for
    # the service's answer, whatever the transport, so a stuck service can never hang the gateway.
    # `asyncio.timeout`, not `wait_for`: the same deadline without a task per request.
    deadline = (client.timeout.connect or 1.0) + (client.timeout.read or 10.0)
    try:
        async with asyncio.timeout(deadline):
            return await client.send(outgoing, stream=True)
    except httpx.ConnectError as exc:
        raise Problem(
            503, "Service unavailable", f"The {upstream.service} service is not reachable; try again soon.",
            type_="upstream-unavailable", headers={"Retry-After": "5"},
        ) from exc  # fmt: skip
    except (httpx.TimeoutException, TimeoutError) as exc:
        raise Problem(
            504, "Gateway timeout", f"The {upstream.service} service did not answer in time.",
            type_="upstream-timeout",
        ) from exc  # fmt: skip
    except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError) as exc:
        raise _Retryable() from exc
    except httpx.HTTPError as exc:
        raise Problem(
            502,
            "Bad gateway",
            f"The {upstream.service} service gave an invalid response.",
            type_="upstream-error",
        ) from exc


def _request_headers(request: Request, request_id: str) -> list[tuple[str, str]]:
    headers = [(k, v) for k, v in request.headers.items() if k not in HOP_BY_HOP and k != "x-request-id"]
    client = request.client.host if request.client else ""
    forwarded_for = request.headers.get("x-forwarded-for")
    headers += [
        ("x-request-id", request_id),
        ("x-forwarded-for", f"{forwarded_for}, {client}" if forwarded_for else client),
        ("x-forwarded-proto", request.url.scheme),
        ("x-forwarded-host", request.headers.get("host", "")),
    ]
    return headers


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
    client: httpx.AsyncClient, upstream: Upstream, request: Request, request_id: str, raw_path: bytes
) -> Response:
    """Send `request` on with `raw_path`: the very bytes the gateway checked, never a re-encoding."""
    base = httpx.URL(upstream.base_url)
    query: bytes = request.scope.get("query_string", b"")
    url = base.copy_with(raw_path=base.raw_path.rstrip(b"/") + raw_path + (b"?" + query if query else b""))
    headers = _request_headers(request, request_id)
    body = await _body(request)
    # A kept-alive connection the service has just closed fails at once; an idempotent request whose
    # body we hold is sent once more on a fresh connection, as proxies do.
    retry = request.method in IDEMPOTENT and isinstance(body, bytes)
    while True:
        outgoing = client.build_request(request.method, url, headers=headers, content=body)
        try:
            response = await _send(client, outgoing, upstream)
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
    raw_headers = [
        (k.encode("latin-1"), v.encode("latin-1"))
        for k, v in response.headers.multi_items()
        if k not in HOP_BY_HOP and k not in SERVER_OWN
    ]
    length = _length(response.headers.get("content-length"))
    if length is not None and length <= BUFFER_LIMIT:
        try:
            content = b"".join([chunk async for chunk in response.aiter_raw()])
        except httpx.HTTPError as exc:
            raise Problem(
                502, "Bad gateway", f"The {upstream.service} service broke off its answer."
            ) from exc
        finally:
            await response.aclose()
        whole = Response(content, status_code=response.status_code)
        whole.raw_headers = raw_headers
        return whole
    streamed = StreamingResponse(
        response.aiter_raw(), status_code=response.status_code, background=BackgroundTask(response.aclose)
    )
    streamed.raw_headers = raw_headers
    return streamed
