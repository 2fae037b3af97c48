"""The gateway's ASGI app: edge token check, rate limits, then forwarding by path prefix.

Like an API Gateway authorizer, it checks that a token is there and valid (issuer, audience, expiry,
algorithm, key) unless the route is declared public; what the caller may do is each service's call.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import structlog
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from prometheus_client import Counter, Histogram

from dwp.gateway.config import GatewaySettings
from dwp.gateway.edge import bearer_token
from dwp.gateway.paths import PathRefused, checked_path
from dwp.gateway.proxy import TIMEOUT, Upstreams, forward
from dwp.gateway.ratelimit import RateLimiter, address_key, principal_key
from dwp.gateway.routes import RouteTable, Upstream, is_public
from dwp.platform.app_factory import create_app
from dwp.platform.auth import Principal, Unauthenticated
from dwp.platform.problems import Problem
from dwp.platform.settings import Settings, get_settings

SERVICE = "gateway"
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
log = structlog.get_logger(SERVICE)

# Per upstream and the catalogue's route template (docs/runbook.md): the platform's request metrics see one
# catch-all route here, so the gateway says which service and which part of the API each request went to.
UPSTREAM_REQUESTS = Counter(
    "dwp_gateway_upstream_requests_total",
    "Requests the gateway forwarded (or refused) per upstream service and route template",
    ["upstream", "route", "method", "status"],
)
UPSTREAM_LATENCY = Histogram(
    "dwp_gateway_upstream_duration_seconds",
    "Time from the gateway receiving a request to its upstream's response headers",
    ["upstream", "route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


CLIENT_POOLS = 8
MAX_CONNECTIONS = 200
MAX_KEEPALIVE = 100
"""To the services, in all: `CLIENT_POOLS` connection pools share them."""

router = APIRouter()


@router.api_route("/{path:path}", methods=METHODS, include_in_schema=False)
async def proxy(request: Request) -> Response:
    state = request.app.state
    raw_path: bytes = request.scope.get("raw_path") or request.url.path.encode()
    try:
        path = checked_path(raw_path)
    except PathRefused as exc:
        log.warning("path_refused", reason=str(exc))
        raise Problem(400, "Bad request", f"This path cannot be used: {exc}.", type_="bad-path") from exc
    upstream = state.routes.match(path)
    if upstream is None:
        UPSTREAM_REQUESTS.labels("none", "unmatched", _method(request.method), "404").inc()
        raise Problem(404, "Not found", "No service answers at this path.", type_="no-route")
    route = upstream.route_template(path)
    # The platform middleware's own request metrics and access line take this template too.
    request.state.route_template = route
    started = time.perf_counter()
    status = 500
    try:
        response = await _proxy(request, upstream, path, raw_path)
        status = response.status_code
        return response
    except Problem as problem:
        status = problem.status
        raise
    except Unauthenticated:
        status = 401
        raise
    finally:
        method = _method(request.method)
        UPSTREAM_REQUESTS.labels(upstream.service, route, method, str(status)).inc()
        UPSTREAM_LATENCY.labels(upstream.service, route, method).observe(time.perf_counter() - started)


def _method(method: str) -> str:
    # Only the methods the route accepts reach here, but a label never takes a caller's free text.
    return method if method in METHODS else "OTHER"


async def _proxy(request: Request, upstream: Upstream, path: str, raw_path: bytes) -> Response:
    state = request.app.state
    # The connecting address: uvicorn takes it from X-Forwarded-For only behind a trusted proxy.
    address = request.client.host if request.client else "-"
    limiter: RateLimiter = state.limiter
    principal = None
    if not is_public(request.method, path):
        principal = await _authenticate_counted(request, limiter, address, upstream.service)
    client = principal_key(principal.kind, principal.subject) if principal else address_key(address)
    retry_after = await limiter.retry_after(client)
    if retry_after is not None:
        raise _too_many(retry_after, upstream.service, principal.kind if principal else "anonymous")
    request_id = request.scope.get("state", {}).get("request_id", "")
    return await forward(state.upstreams, upstream, request, request_id, raw_path)


def _too_many(retry_after: int, service: str, client_kind: str) -> Problem:
    log.warning("rate_limited", route=service, client_kind=client_kind)
    return Problem(
        429, "Too many requests", f"Slow down: try again in {retry_after} seconds.",
        type_="rate-limited", headers={"Retry-After": str(retry_after)},
    )  # fmt: skip


async def _authenticate_counted(
    request: Request, limiter: RateLimiter, address: str, service: str
) -> Principal:
    """The caller's principal; a refusal counts against the caller's address, so guessing is limited."""
    if (retry_after := await limiter.refusals_retry_after(address)) is not None:
        raise _too_many(retry_after, service, "refused")
    try:
        return await _authenticate(request)
    except Unauthenticated:
        bad_token = bool(request.headers.get("authorization", "").strip())
        if (retry_after := await limiter.count_refusal(address, bad_token=bad_token)) is not None:
            raise _too_many(retry_after, service, "refused") from None
        raise


async def _authenticate(request: Request) -> Principal:
    """The same check as the AWS REST API's Lambda authorizer (`dwp.gateway.edge`)."""
    try:
        token = bearer_token(request.headers.get("authorization"))
    except Unauthenticated:
        log.warning("edge_refused", reason="no bearer token", path_prefix=request.url.path[:16])
        raise
    try:
        # The platform's verifier remembers a checked token until it expires, so the signature is
        # checked once per token, not once per request.
        principal: Principal = await request.app.state.token_verifier.verify(token)
    except Unauthenticated as exc:
        log.warning("edge_refused", reason=exc.detail)
        raise
    return principal


def build_app(
    settings: Settings | None = None, *, transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    """The gateway app; `transport` lets tests put in-process services behind the gateway's own client."""
    settings = settings or get_settings()
    gateway = GatewaySettings(platform=settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # No cookie jar anywhere: the security issue's critical finding was a shared client's jar handing
        # one person's session to every caller without a cookie. Pools taken in turn: `Upstreams`.
        upstreams = Upstreams(
            timeout=TIMEOUT,
            pools=CLIENT_POOLS,
            max_connections=MAX_CONNECTIONS,
            max_keepalive=MAX_KEEPALIVE,
            transport=transport,
        )
        app.state.upstreams = upstreams
        if upstreams.client is not None:
            app.state.http = upstreams.client  # the tests' in-process services
        app.state.routes = RouteTable.from_catalogue(settings)
        app.state.limiter = RateLimiter(
            gateway.rate_limit,
            settings.redis_url,
            refusals=gateway.refused_rate_limit,
            cluster=settings.dwp_redis_cluster,
        )
        app.state.readiness["rate_limit_store"] = app.state.limiter.check
        try:
            yield
        finally:
            await upstreams.aclose()

    return create_app(
        service=SERVICE,
        routers=[router],
        settings=settings,
        lifespan=lifespan,
        json_only=False,
        title="DWP API gateway",
        description="Routes to each service by path prefix; checks tokens at the edge; limits rates.",
    )
