"""OpenAPI from the error table: every route documents the problem documents it can answer with.

The statuses come from the same tables that make the problems (the service's and the platform's), so
the document cannot drift from what the handlers do. Each route lists: its service's table (service
routes only), 401/403 when it needs a token, 400/413/415/422 when it takes a body or parameters, and
500/503 everywhere. 422 is the platform's validation problem, not FastAPI's `HTTPValidationError`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from dwp.platform.auth import current_principal
from dwp.platform.problems import (
    PLATFORM_ERRORS,
    PROBLEM_MEDIA_TYPE,
    ErrorMapping,
    ErrorTable,
    title_for,
)

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An RFC 9457 problem document.",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "format": "uri", "description": "What kind of problem this is."},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string", "description": "What went wrong this time, for a person to read."},
        "instance": {"type": "string", "description": "The path of the request."},
        "errors": {
            "type": "array",
            "description": "One entry per field at fault.",
            "items": {
                "type": "object",
                "required": ["pointer", "detail"],
                "properties": {
                    "pointer": {
                        "type": "string",
                        "description": "A JSON pointer into the body (`#/a/b`), or `query#/a`, `path#/a`.",
                    },
                    "field": {"type": ["string", "null"]},
                    "detail": {"type": "string"},
                    "code": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}

_REF = {"$ref": "#/components/schemas/Problem"}

# What the platform itself answers, whatever the service: (status, problem type).
_BODY = [(400, "malformed-json"), (413, "about:blank"), (422, "validation")]
_JSON_ONLY = [(415, "unsupported-media-type")]
_PARAMETERS = [(422, "validation")]
_ALWAYS = [(500, "about:blank"), (503, "dependency-unavailable")]


def document_problems(
    app: FastAPI, service_errors: ErrorTable, *, json_only: bool, service_routes: set[int]
) -> None:
    """Add the problem responses to every route of `app` and the Problem schema to its components.

    `service_routes` holds the ids of the routes that the service added (its table applies to them, not
    to the platform's health routes)."""
    auth = _statuses(PLATFORM_ERRORS.values())
    table = _statuses(service_errors.values())
    for route in app.routes:
        if not isinstance(route, APIRoute):
            continue
        answers: dict[int, set[str]] = defaultdict(set)
        parts: list[Iterable[tuple[int, str]]] = [_ALWAYS]
        if route.body_field is not None:
            parts += [_BODY, _JSON_ONLY if json_only else []]
        elif _has_parameters(route.dependant):
            parts.append(_PARAMETERS)
        if _needs_token(route.dependant):
            parts.append(auth)
        if id(route) in service_routes:
            parts.append(table)
        for part in parts:
            for status, type_ in part:
                answers[status].add(type_)
        for status, types in answers.items():
            existing = route.responses.get(status, {})
            route.responses[status] = {
                **existing,
                "description": existing.get("description") or _describe(status, types),
                "content": {PROBLEM_MEDIA_TYPE: {"schema": _REF}},
            }

    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _statuses(mappings: Iterable[ErrorMapping]) -> list[tuple[int, str]]:
    return [(m.status, m.type_) for m in mappings]


def _describe(status: int, types: set[str]) -> str:
    named = sorted(t for t in types if t != "about:blank")
    return title_for(status) + (": " + ", ".join(f"`{t}`" for t in named) if named else "")


def _walk(dependant: Dependant) -> Iterable[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _walk(sub)


def _needs_token(dependant: Dependant) -> bool:
    return any(d.call is current_principal for d in _walk(dependant))


def _has_parameters(dependant: Dependant) -> bool:
    return any(
        d.path_params or d.query_params or d.header_params or d.cookie_params for d in _walk(dependant)
    )
