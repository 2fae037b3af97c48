"""RFC 9457 problem details: every error any service returns is one of these, made in one place.

A service's domain errors carry no HTTP. Each service hands the app factory one table, `ErrorTable`:
domain error class -> `ErrorMapping` (status, problem type, title, and optionally the field at fault,
extension members and headers). The platform adds its own table (`PLATFORM_ERRORS`: tokens, roles,
levels of confidence, callers) and translates lower-level errors (a database that refuses connections,
a provider that cannot be reached) into a 503 with `Retry-After`, as httpx translates its transport's
errors at its boundary. Routes raise domain errors and map nothing themselves.

`Problem` is the platform's own representation of a problem document. Only processes without a domain
(the gateway, the platform's middleware) raise it directly.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import Match

from dwp.platform.errors import (
    CallerNotAllowed,
    ConfidenceTooLow,
    DependencyUnavailable,
    Forbidden,
    IdempotencyKeyInProgress,
    IdempotencyKeyReused,
    PreconditionFailed,
    PreconditionRequired,
    RepeatedParameter,
    Unauthenticated,
    UnsupportedMediaType,
)
from dwp.platform.http.errors import UpstreamBadResponse, UpstreamRejected

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://dwp.example.gov.uk/problems/"
DEFAULT_RETRY_AFTER_SECONDS = 5
CLIENT_CLOSED_REQUEST = 499
WWW_AUTHENTICATE = {"WWW-Authenticate": 'Bearer realm="dwp"'}

log = structlog.get_logger("problems")


class Problem(Exception):
    """A problem document, ready to send."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        type_: str = "about:blank",
        errors: Sequence[dict[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.type = problem_type(type_)
        self.errors = list(errors) if errors else None
        self.headers = dict(headers or {})
        self.extensions = extensions

    def body(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = self.errors
        body.update(self.extensions)
        return body


def problem_type(type_: str) -> str:
    """A short problem type (`not-found`) as the absolute URI the document carries."""
    return type_ if type_ == "about:blank" or "://" in type_ else PROBLEM_BASE + type_


# --- the error table ----------------------------------------------------------------------------

Pointer = Callable[[Any, Request], "str | None"]


@dataclass(frozen=True)
class ErrorMapping:
    """How one error class leaves a service as a problem document.

    - `detail(exc)`: the message, by default `str(exc)` (or the error's `message` if it has one).
    - Field problems: an error that names its field (a `field` attribute, such as
      `adults[0].date_of_birth`) gets an `errors[]` entry with a JSON pointer to it and `code`, and a
      detail that starts with the field. `pointer(exc, request)` overrides where the pointer points (for
      domain fields that the API nests or names differently); returning None means "no field".
      An error that names several (a `field_errors()` method giving `(field, message)` pairs, as a
      command refused for several rules at once) gets an entry for each.
    - `extensions(exc)`: extra members of the document (RFC 9457 section 3.2).
    - `headers`: fixed response headers. An error with a `retry_after` attribute (seconds) also gets
      `Retry-After`, as does every 429 and 503.
    - `log_as`: an event name to log each occurrence under (what and why, never who).
    """

    status: int
    type_: str
    title: str
    detail: Callable[[Any], str | None] | None = None
    pointer: Pointer | None = None
    code: str | None = None
    extensions: Callable[[Any], Mapping[str, Any]] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    log_as: str | None = None

    def problem(self, exc: Exception, request: Request | None = None) -> Problem:
        message = self.detail(exc) if self.detail else _message(exc)
        errors = None
        pointer = self._pointer(exc, request)
        several = getattr(exc, "field_errors", None)
        named = several() if self.pointer is None and callable(several) else []
        if len(named) > 1:
            code = self.code or self.type_
            errors = [
                {"pointer": field_pointer(name), "field": name, "detail": text, "code": code}
                for name, text in named
            ]
        elif pointer is not None:
            name = pointer.partition("#/")[2].replace("/", ".")
            errors = [{"pointer": pointer, "field": name, "detail": message, "code": self.code or self.type_}]
            message = f"{name}: {message}" if message else name
        headers = dict(self.headers)
        retry_after = getattr(exc, "retry_after", None)
        if self.status in (429, 503) or retry_after is not None:
            seconds = DEFAULT_RETRY_AFTER_SECONDS if retry_after is None else max(1, math.ceil(retry_after))
            headers["Retry-After"] = str(seconds)
        extensions = dict(self.extensions(exc)) if self.extensions else {}
        return Problem(
            self.status, self.title, message, type_=self.type_, errors=errors, headers=headers, **extensions
        )

    def _pointer(self, exc: Exception, request: Request | None) -> str | None:
        if self.pointer is not None:
            return self.pointer(exc, request) if request is not None else None
        name = getattr(exc, "field", None)
        return field_pointer(name) if isinstance(name, str) and name else None


ErrorTable = Mapping[type[Exception], ErrorMapping]
"""A service's one table of domain error class -> problem document. A subclass not in the table is
mapped as its nearest listed base class."""


def field_pointer(name: str, source: str = "") -> str:
    """`adults[0].date_of_birth` -> `#/adults/0/date_of_birth`; `source` is `path`, `query`... (body: "")."""
    parts = [p for p in name.replace("[", ".").replace("]", "").split(".") if p]
    return f"{source}#/" + "/".join(parts)


def _message(exc: Exception) -> str | None:
    message = getattr(exc, "message", None)
    return str(message) if message else (str(exc) or None)


def _confidence_extensions(exc: ConfidenceTooLow) -> dict[str, Any]:
    return {"required_level_of_confidence": exc.required, "level_of_confidence": exc.actual}


PLATFORM_ERRORS: ErrorTable = {
    Unauthenticated: ErrorMapping(401, "unauthenticated", "Unauthorised", headers=WWW_AUTHENTICATE),
    Forbidden: ErrorMapping(403, "forbidden", "Forbidden"),
    ConfidenceTooLow: ErrorMapping(
        403, "identity-not-proven", "Your identity must be proven", extensions=_confidence_extensions
    ),
    CallerNotAllowed: ErrorMapping(403, "caller-not-allowed", "Forbidden"),
    UnsupportedMediaType: ErrorMapping(415, "unsupported-media-type", "Unsupported media type"),
    RepeatedParameter: ErrorMapping(400, "repeated-parameter", "Bad request"),
    DependencyUnavailable: ErrorMapping(503, "dependency-unavailable", "Service unavailable"),
    IdempotencyKeyInProgress: ErrorMapping(409, "idempotency-key-in-progress", "Request in progress"),
    IdempotencyKeyReused: ErrorMapping(422, "idempotency-key-reused", "Idempotency key reused"),
    PreconditionFailed: ErrorMapping(412, "precondition-failed", "Precondition failed"),
    PreconditionRequired: ErrorMapping(428, "precondition-required", "Precondition required"),
    # A call through platform.http that the use case did not turn into its own domain error. (An
    # unreachable or slow upstream is a ConnectionError/TimeoutError: the 503 below.)
    UpstreamRejected: ErrorMapping(
        502,
        "upstream-rejected",
        "Bad gateway",
        detail=lambda _: "A system this service depends on refused the request.",
    ),
    UpstreamBadResponse: ErrorMapping(
        502,
        "upstream-bad-response",
        "Bad gateway",
        detail=lambda _: "A system this service depends on failed.",
    ),
}
"""The platform's own errors: the defaults under every service's table."""

DEPENDENCY_DOWN = ErrorMapping(
    503,
    "dependency-unavailable",
    "Service unavailable",
    detail=lambda _: (
        "A system this service depends on is not reachable; nothing was saved. Try again shortly."
    ),
)


# --- lower-level errors that mean "unavailable" ------------------------------------------------

# PostgreSQL SQLSTATEs that say the server cannot serve us now, rather than that the statement is
# wrong: class 08 (connection exception), 53 (insufficient resources: too many connections), 57P0x
# (shutting down, starting up: "cannot connect now"), 55000 (object not in prerequisite state, raised
# while a server is not ready) and 25006 (a write reached a read-only standby during a failover).
# 28P01: the database refused our password; during a credential rotation, until the secret is re-read
# (dwp.platform.database.SecretCredentials), it is the database being unavailable to us, not a bug.
_UNAVAILABLE_SQLSTATE_PREFIXES = ("08", "53", "57P0", "55000", "25006", "28P01")


def dependency_errors() -> tuple[type[Exception], ...]:
    """Lower-level error classes that always mean a dependency cannot be reached: a 503, never a 500."""
    import httpx
    from botocore import exceptions as botocore_errors
    from sqlalchemy.exc import InterfaceError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    classes: list[type[Exception]] = [
        OperationalError,
        InterfaceError,
        # Every connection of the pool in use for `pool_timeout`: not a builtin TimeoutError, so it
        # was a 500; the database cannot serve this request now, as much as a refused connection.
        PoolTimeout,
        ConnectionError,
        TimeoutError,
        httpx.TransportError,
        botocore_errors.ConnectionError,
        botocore_errors.HTTPClientError,
    ]
    try:
        from asyncpg import exceptions as pg
    except ImportError:  # pragma: no cover - asyncpg is installed wherever PostgreSQL is used
        return tuple(classes)
    return (
        *classes,
        pg.PostgresConnectionError,
        pg.CannotConnectNowError,
        pg.TooManyConnectionsError,
        pg.ObjectNotInPrerequisiteStateError,
        pg.InsufficientResourcesError,
        pg.OperatorInterventionError,
        pg.ReadOnlySQLTransactionError,
        pg.InterfaceError,
    )


def means_unavailable(exc: BaseException) -> bool:
    """Whether an error (or what caused it) says a dependency cannot serve us now.

    SQLAlchemy wraps asyncpg's refusals (such as `CannotConnectNowError`) in a plain `DBAPIError`, so the
    class alone does not tell: the SQLSTATE and the cause do."""
    unavailable = dependency_errors()
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, unavailable):
            return True
        if getattr(current, "connection_invalidated", False):
            return True
        sqlstate = getattr(current, "sqlstate", None) or getattr(
            getattr(current, "orig", None), "sqlstate", None
        )
        if isinstance(sqlstate, str) and sqlstate.startswith(_UNAVAILABLE_SQLSTATE_PREFIXES):
            return True
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return False


# --- the handlers -------------------------------------------------------------------------------


def problem_response(problem: Problem, request: Request | None = None) -> JSONResponse:
    instance = str(request.url.path) if request is not None else None
    return JSONResponse(
        problem.body(instance),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=problem.headers,
    )


def _field_location(loc: Sequence[Any]) -> str:
    # Drop the "body"/"query"/"path"/"header" root so the pointer names the field the client sent.
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie"}:
        source, parts = parts[0], parts[1:]
        return (source if source != "body" else "") + ("#/" + "/".join(parts) if parts else "")
    return "#/" + "/".join(parts)


def validation_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """Pydantic's errors as a per-field list: a JSON pointer, a message and a machine code."""
    return [
        {
            "pointer": _field_location(err.get("loc", ())),
            "field": ".".join(str(p) for p in err.get("loc", ())[1:]) or None,
            "detail": err.get("msg", "invalid"),
            "code": err.get("type", "invalid"),
        }
        for err in errors
    ]


_HTTP_TITLES = {
    400: "Bad request",
    401: "Unauthorised",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    412: "Precondition failed",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    428: "Precondition required",
    429: "Too many requests",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}


def title_for(status: int) -> str:
    return _HTTP_TITLES.get(status, "Error")


def error_table(service_errors: ErrorTable | None = None) -> dict[type[Exception], ErrorMapping]:
    """A service's table over the platform's defaults (a service may map, say, a timeout to 504)."""
    return {**PLATFORM_ERRORS, **(service_errors or {})}


_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> list[str]:
    """Every method the request's resource answers to, as its OpenAPI document lists them. Starlette's
    405 names only the first route whose path matched, so `PATCH /v1/citizens/{id}` was missing from the
    `Allow` of an OPTIONS on the resource. The resource is the most literal path template that matches
    (`/v1/citizens/search` before `/v1/citizens/{citizen_id}`, which would take "search" as an id)."""
    path = request.url.path
    items = request.app.openapi().get("paths", {})
    matching = [t for t in items if re.fullmatch(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(t)), path)]
    if matching:
        template = min(matching, key=lambda t: t.count("{"))
        return sorted(m.upper() for m in items[template] if m.upper() in _METHODS)
    # Not in the document (a route left out of it): each method tried against the routes.
    return [
        method
        for method in _METHODS
        if any(
            r.matches({**request.scope, "method": method})[0] is Match.FULL for r in request.app.router.routes
        )
    ]


def install_problem_handlers(
    app: FastAPI,
    service_errors: ErrorTable,
    on_unexpected: Callable[[Request, Exception], None],
) -> None:
    """Register handlers so that every error leaves the app as a problem document."""

    async def _problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)
        return problem_response(exc, request)

    async def _validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = validation_errors(exc.errors())
        if any(e["code"] == "json_invalid" for e in errors):
            detail = "The request body is not valid JSON: " + "; ".join(e["detail"] for e in errors)
            return problem_response(Problem(400, "Malformed JSON", detail, type_="malformed-json"), request)
        detail = "; ".join(f"{e['field'] or e['pointer']}: {e['detail']}" for e in errors[:5])
        problem = Problem(422, "Your request has invalid fields", detail, type_="validation", errors=errors)
        return problem_response(problem, request)

    async def _http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        title = title_for(exc.status_code)
        detail = str(exc.detail) if exc.detail and exc.detail != title else None
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request))
        problem = Problem(exc.status_code, title, detail, headers=headers)
        return problem_response(problem, request)

    def _mapped(mapping: ErrorMapping) -> Callable[[Request, Exception], Any]:
        async def handler(request: Request, exc: Exception) -> JSONResponse:
            if mapping.log_as:
                log.warning(
                    mapping.log_as, reason=type(exc).__name__, detail=str(exc), route=request.url.path
                )
            return problem_response(mapping.problem(exc, request), request)

        return handler

    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        if means_unavailable(exc):
            return await _dependency_down(request, exc)
        on_unexpected(request, exc)
        problem = Problem(500, "Internal server error", "Something went wrong; the request id identifies it.")
        return problem_response(problem, request)

    async def _client_gone(request: Request, exc: Exception) -> Response:
        # The caller closed the connection before its body arrived (a browser leaving the page): nobody
        # is left to answer, and it is no fault of ours. 499 is nginx's "client closed request", so the
        # request log tells it apart from a 500.
        log.info("client_disconnected", route=request.url.path)
        return Response(status_code=CLIENT_CLOSED_REQUEST)

    async def _dependency_down(request: Request, exc: Exception) -> JSONResponse:
        log.warning("dependency_unavailable", error=type(exc).__name__, route=request.url.path)
        return problem_response(DEPENDENCY_DOWN.problem(exc, request), request)

    from sqlalchemy.exc import DBAPIError

    app.add_exception_handler(Problem, _problem)
    app.add_exception_handler(ClientDisconnect, _client_gone)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    for error in dependency_errors():
        app.add_exception_handler(error, _dependency_down)
    # After the lower-level errors, so that a table's entry for one of those classes wins.
    for error, mapping in error_table(service_errors).items():
        app.add_exception_handler(error, _mapped(mapping))
    # Any other database error is a 503 only if what caused it says the server cannot serve us.
    app.add_exception_handler(DBAPIError, _unexpected)
    app.add_exception_handler(Exception, _unexpected)
