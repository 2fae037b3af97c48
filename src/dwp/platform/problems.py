"""RFC 9457 problem details: every error any service returns is one of these.

Services raise their own domain errors and hand the app factory a table of `ErrorMapping`s (domain error
class -> status, problem type, title); the handlers installed here turn everything (domain errors,
validation errors, HTTP errors, a database that is down, unexpected exceptions) into
`application/problem+json`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://dwp.example.gov.uk/problems/"


class Problem(Exception):
    """An error that already knows how it is shown over HTTP."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        type_: str = "about:blank",
        errors: Sequence[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type_ if type_ == "about:blank" or "://" in type_ else PROBLEM_BASE + type_
        self.errors = list(errors) if errors else None
        self.headers = headers or {}
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


@dataclass(frozen=True)
class ErrorMapping:
    status: int
    type_: str
    title: str


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


def install_problem_handlers(
    app: FastAPI,
    domain_errors: Mapping[type[Exception], ErrorMapping],
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
        problem = Problem(exc.status_code, title, detail, headers=dict(exc.headers or {}))
        return problem_response(problem, request)

    def _domain(mapping: ErrorMapping) -> Callable[[Request, Exception], Any]:
        async def handler(request: Request, exc: Exception) -> JSONResponse:
            errors = _field_errors(exc)
            problem = Problem(
                mapping.status, mapping.title, str(exc) or None, type_=mapping.type_, errors=errors
            )
            return problem_response(problem, request)

        return handler

    async def _dependency_down(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(DEPENDENCY_UNAVAILABLE(), request)

    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        on_unexpected(request, exc)
        problem = Problem(500, "Internal server error", "Something went wrong; the request id identifies it.")
        return problem_response(problem, request)

    app.add_exception_handler(Problem, _problem)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    for error, mapping in domain_errors.items():
        app.add_exception_handler(error, _domain(mapping))
    for error in dependency_errors():
        app.add_exception_handler(error, _dependency_down)
    app.add_exception_handler(Exception, _unexpected)


def _field_errors(exc: Exception) -> list[dict[str, Any]] | None:
    """A domain error that names its fields (`field_errors()` -> (field, message, code) each, with
    dotted names for nested fields) gets them in `errors`, shaped as pydantic's validation errors are."""
    named = getattr(exc, "field_errors", None)
    if not callable(named):
        return None
    return [
        {"pointer": "#/" + field.replace(".", "/"), "field": field, "detail": message, "code": code}
        for field, message, code in named()
    ] or None


def DEPENDENCY_UNAVAILABLE() -> Problem:
    return Problem(
        503,
        "Service unavailable",
        "A system this service depends on is not reachable; nothing was saved. Try again shortly.",
        type_="dependency-unavailable",
        headers={"Retry-After": "5"},
    )


def dependency_errors() -> tuple[type[Exception], ...]:
    """Errors that mean a database or another dependency is unreachable: a 503, never a 500."""
    from sqlalchemy.exc import InterfaceError, OperationalError

    return (OperationalError, InterfaceError, ConnectionError, TimeoutError)
