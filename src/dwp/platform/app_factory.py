"""The one way a service becomes an ASGI app: the same middleware, errors, health checks and metrics
everywhere, so a service module only adds its routers and its readiness checks."""

from __future__ import annotations

import asyncio
import gc
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import structlog
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi.telemetry import TelemetryConfig
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dwp.platform.auth import verifier_from_settings
from dwp.platform.docs import DOCS_PATH, DOCS_POLICY, docs_router
from dwp.platform.errors import DependencyUnavailable
from dwp.platform.logging import configure_logging
from dwp.platform.middleware import PlatformMiddleware
from dwp.platform.models import duplicate_key_error, first_duplicate_key
from dwp.platform.openapi import document_problems
from dwp.platform.problems import ErrorTable, Problem, install_problem_handlers, problem_response
from dwp.platform.readiness import Degraded
from dwp.platform.security_policy import API_POLICY, RoutePolicies, SecurityPolicy
from dwp.platform.settings import Settings, get_settings
from dwp.platform.telemetry import configure_tracing

ReadinessCheck = Callable[[], Awaitable[Any]]
Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]

READINESS_TIMEOUT_SECONDS = 2.0
_JSON_TYPES = ("application/json", "application/merge-patch+json")


FREEZE_HEAP_ENV = "DWP_FREEZE_HEAP"
"""Set (to 1) by `dwp serve` (`cli.run_server`, and so inherited by uvicorn's worker processes), where
the app is the process's one app: once its lifespan has started, `freeze_heap()`. Not in tests, which
build many apps in one process."""

# FastAPI's own telemetry is on by default once a tracer provider is set (as `telemetry.py` sets it), and
# traces every request a second time beside the platform's server span (`PlatformMiddleware`), with a
# span for each dependency, the endpoint and serialization, and a metrics histogram: with every request
# traced, a profile read went from 493 to 792 a second without it (docs/performance.md, issue 10).
NO_FASTAPI_TELEMETRY: TelemetryConfig = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
}


def _freeze_after_start() -> bool:
    return os.environ.get(FREEZE_HEAP_ENV) == "1"


def freeze_heap() -> None:
    """Move every object alive now (modules, routes, pydantic's validators, the compiled rules) out of
    the garbage collector's sight, and collect the young generation less often.

    A request that handles a page of 500 awards makes hundreds of thousands of objects, which started
    many collections each scanning every object of the process: about a quarter of the benefits batch
    route's CPU was the collector (measured with `benchmarks/batch_route.py`). Objects made at start-up
    live as long as the process, so nothing is lost by never scanning them; reference counting still
    frees everything else at once, and cycles made later are still collected."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


def create_app(
    *,
    service: str,
    routers: Sequence[APIRouter],
    settings: Settings | None = None,
    errors: ErrorTable | None = None,
    lifespan: Lifespan | None = None,
    title: str | None = None,
    description: str = "",
    json_only: bool = True,
    security_policy: SecurityPolicy = API_POLICY,
) -> FastAPI:
    """Build a service's app. `errors` is the service's one error table (domain error class ->
    `ErrorMapping`); `lifespan` opens its resources and registers readiness checks with
    `app.state.readiness[name] = check`. `security_policy` is every route's security headers but
    `/docs`'s (the API policy unless the app serves pages: the BFF's)."""
    settings = settings or get_settings()
    configure_logging(service, settings.dwp_log_level)
    configure_tracing(service, settings.dwp_otlp_endpoint, settings.dwp_trace_sample_ratio)
    log = structlog.get_logger(service)

    @asynccontextmanager
    async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The tasks a lifespan starts (the outbox relay, consumers) copy this context: their lines name
        # this app's service, whichever app configured logging last.
        bound = structlog.contextvars.bind_contextvars(service=service)
        app.state.readiness = {}
        app.state.token_verifier = verifier_from_settings(settings)
        try:
            if lifespan is None:
                if _freeze_after_start():
                    freeze_heap()
                yield
            else:
                async with lifespan(app):
                    if _freeze_after_start():
                        freeze_heap()
                    yield
        finally:
            structlog.contextvars.reset_contextvars(**bound)

    app = FastAPI(
        title=title or f"DWP {service} service",
        description=description,
        version="1.0.0",
        lifespan=_lifespan,
        openapi_url="/openapi.json",
        docs_url=None,  # `dwp.platform.docs`: Swagger UI from the service itself, not a CDN
        redoc_url=None,
        telemetry=NO_FASTAPI_TELEMETRY,  # one server span, the platform's
    )
    app.state.settings = settings
    app.state.service = service

    def _log_unexpected(request: Request, exc: Exception) -> None:
        log.error("unhandled_error", route=request.url.path, error=type(exc).__name__, exc_info=exc)

    install_problem_handlers(app, errors or {}, _log_unexpected)
    health = _health_router()
    app.include_router(health)
    app.include_router(docs_router(app.title))
    for router in routers:
        app.include_router(router)
    platform_paths = {str(getattr(route, "path", "")) for route in health.routes}
    document_problems(app, errors or {}, json_only=json_only, platform_paths=platform_paths)
    if json_only:
        app.add_middleware(JsonOnlyMiddleware)
    app.add_middleware(
        PlatformMiddleware,
        service=service,
        max_body_bytes=settings.dwp_max_body_bytes,
        route_policies=RoutePolicies({DOCS_PATH: API_POLICY.with_csp(DOCS_POLICY)}, default=security_policy),
    )
    return app


def _health_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/health/live", summary="The process is up")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/health/ready", summary="The service can reach everything it needs", response_model=None)
    async def ready(request: Request) -> JSONResponse | dict[str, Any]:
        checks: dict[str, ReadinessCheck] = getattr(request.app.state, "readiness", {})
        results = await asyncio.gather(*(_run_check(check) for check in checks.values()))
        report = dict(zip(checks, results, strict=True))
        if all(result == "ok" for result in report.values()):
            return {"status": "ok", "checks": report}
        if all(result == "ok" or result.startswith("degraded") for result in report.values()):
            return {"status": "degraded", "checks": report}  # serving, with a fallback (`Degraded`)
        problem = Problem(
            503,
            "Service not ready",
            "Some dependencies are not reachable: " + ", ".join(k for k, v in report.items() if v != "ok"),
            type_="not-ready",
            headers={"Retry-After": "5"},
            checks=report,
        )
        return problem_response(problem, request)

    @router.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


async def _run_check(check: ReadinessCheck) -> str:
    try:
        await asyncio.wait_for(check(), timeout=READINESS_TIMEOUT_SECONDS)
    except TimeoutError:
        return "timeout"
    except Degraded as exc:
        return f"degraded: {exc}"
    except DependencyUnavailable as exc:
        return f"failed: {exc}"  # says why (a secret not loaded yet, and what stopped it)
    except Exception as exc:
        return f"failed: {type(exc).__name__}"
    return "ok"


class JsonOnlyMiddleware:
    """A request with a body must say it is JSON (415 otherwise), so a form post is never half-read."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("POST", "PUT", "PATCH"):
            headers = dict(scope["headers"])
            has_body = headers.get(b"content-length", b"0") != b"0" or b"transfer-encoding" in headers
            media_type = headers.get(b"content-type", b"").decode("latin-1").split(";")[0].strip().lower()
            if has_body and media_type not in _JSON_TYPES and not media_type.endswith("+json"):
                problem = Problem(
                    415,
                    "Unsupported media type",
                    f"Send the body as application/json, not {media_type or 'an undeclared type'}.",
                    type_="unsupported-media-type",
                )
                await problem_response(problem)(scope, receive, send)
                return
            if has_body:
                body, receive = await _buffered(receive)
                duplicate = first_duplicate_key(body)
                if duplicate is not None:
                    await problem_response(_duplicate_key_problem(duplicate))(scope, receive, send)
                    return
        await self.app(scope, receive, send)


async def _buffered(receive: Receive) -> tuple[bytes, Receive]:
    """Read the whole body (the platform middleware outside bounds its size), and a `receive` that gives
    it to the app as if it had never been read."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


def _duplicate_key_problem(path: list[str]) -> Problem:
    pointer, field, detail = duplicate_key_error(path)
    return Problem(
        422,
        "Your request has invalid fields",
        f"{field}: {detail}",
        type_="validation",
        errors=[{"pointer": pointer, "field": field, "detail": detail, "code": "duplicate_key"}],
    )
