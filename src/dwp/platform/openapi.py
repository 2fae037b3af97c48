"""OpenAPI from the error table: every route documents the problem documents it can answer with.

The statuses come from the same tables that make the problems (the service's and the platform's), so
the document cannot drift from what the handlers do. Each operation lists: its service's table (service
routes only), the platform's auth problems (401/403) when it needs a token, 400/413/415/422 when it takes
a body (422 when it takes parameters), 412/428 when it reads `If-Match`, 409/422 when it reads
`Idempotency-Key`, and 500/503 everywhere. 422 is the platform's validation
problem, not FastAPI's `HTTPValidationError`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI

from dwp.platform.auth import caller_scope, confidence_scope
from dwp.platform.errors import (
    CallerNotAllowed,
    ConfidenceTooLow,
    Forbidden,
    IdempotencyKeyInProgress,
    IdempotencyKeyReused,
    PreconditionFailed,
    PreconditionRequired,
    Unauthenticated,
)
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
_CONFIDENCE_TYPE = PLATFORM_ERRORS[ConfidenceTooLow].type_
_CALLER_TYPE = PLATFORM_ERRORS[CallerNotAllowed].type_

# What the platform itself answers, whatever the service: (status, problem type).
_BODY = [(400, "malformed-json"), (413, "about:blank"), (422, "validation")]
_JSON_ONLY = [(415, "unsupported-media-type")]
_PARAMETERS = [(422, "validation")]
_FORM = [(400, "repeated-parameter"), (415, "unsupported-media-type")]  # a form the route reads itself
_FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
# Every request: the middleware's 400 for a path or query that is not UTF-8 or holds control characters
# (`UNREADABLE_TARGET`), a fault of ours, a dependency down.
_ALWAYS = [(400, "bad-request"), (500, "about:blank"), (503, "dependency-unavailable")]
# What a conditional or idempotent request can answer, whichever service: the platform's ETag and
# Idempotency-Key helpers raise these, so a route that reads the header can answer them.
_HEADER_PROBLEMS: dict[str, list[tuple[int, str]]] = {
    "if-match": [
        (412, PLATFORM_ERRORS[PreconditionFailed].type_),
        (428, PLATFORM_ERRORS[PreconditionRequired].type_),
    ],
    "idempotency-key": [
        (409, PLATFORM_ERRORS[IdempotencyKeyInProgress].type_),
        (422, PLATFORM_ERRORS[IdempotencyKeyReused].type_),
    ],
}


def document_problems(
    app: FastAPI, service_errors: ErrorTable, *, json_only: bool, platform_paths: set[str]
) -> None:
    """Make `app.openapi()` list the problem responses of every operation, with the Problem schema.

    `platform_paths` are the platform's own routes (health, metrics): the service's table does not
    apply to them. A route needs a token when its operation has `security` (`current_principal` uses the
    bearer scheme)."""
    generate = app.openapi
    auth = _statuses(m for e, m in PLATFORM_ERRORS.items() if issubclass(e, (Unauthenticated, Forbidden)))
    table = _statuses(service_errors.values())

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            for path, item in schema.get("paths", {}).items():
                for method, operation in item.items():
                    _document(
                        operation,
                        method,
                        _auth_answers(operation, auth),
                        table if path not in platform_paths else [],
                        json_only,
                    )
            schemas = schema.setdefault("components", {}).setdefault("schemas", {})
            schemas["Problem"] = PROBLEM_SCHEMA
            # FastAPI's own validation error shapes are never sent: the platform answers 422 with a problem.
            for unused in ("HTTPValidationError", "ValidationError"):
                schemas.pop(unused, None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _document(
    operation: dict[str, Any],
    method: str,
    auth: list[tuple[int, str]],
    table: list[tuple[int, str]],
    json_only: bool,
) -> None:
    answers: dict[int, set[str]] = defaultdict(set)
    parts: list[Iterable[tuple[int, str]]] = [_ALWAYS, auth, table]
    body_types = set(operation.get("requestBody", {}).get("content", {}))
    if body_types and body_types <= {_FORM_MEDIA_TYPE}:
        parts += [_FORM, [(413, "about:blank")]]
    elif body_types:
        parts += [_BODY, _JSON_ONLY if json_only else []]
    elif not json_only and method == "post":
        parts.append(_FORM)
    elif operation.get("parameters"):
        parts.append(_PARAMETERS)
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "header":
            parts.append(_HEADER_PROBLEMS.get(parameter["name"].lower(), []))
    for part in parts:
        for status, type_ in part:
            answers[status].add(type_)
    responses = operation.setdefault("responses", {})
    for status, types in sorted(answers.items()):
        existing = responses.get(str(status), {})
        # FastAPI's own 422 (HTTPValidationError) is never sent; a route's own answer of the same status
        # (OAuth's JSON error beside the problem, say) stays documented.
        keep = existing if status != 422 else {}
        responses[str(status)] = {
            "description": keep.get("description") or _describe(status, types),
            "content": keep.get("content", {}) | {PROBLEM_MEDIA_TYPE: {"schema": _REF}},
        }


def _auth_answers(operation: dict[str, Any], auth: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The auth problems an operation can answer: none without a token; the level-of-confidence and
    caller refusals only where its bearer requirement names a level or callers."""
    requirements = operation.get("security") or []
    if not requirements:
        return []
    roles = [role for requirement in requirements for names in requirement.values() for role in names]
    answers = [(s, t) for s, t in auth if t not in (_CONFIDENCE_TYPE, _CALLER_TYPE)]
    if any(role.startswith(confidence_scope("")) for role in roles):
        answers.append((403, _CONFIDENCE_TYPE))
    if any(role.startswith(caller_scope("")) for role in roles):
        answers.append((403, _CALLER_TYPE))
    return answers


def _statuses(mappings: Iterable[ErrorMapping]) -> list[tuple[int, str]]:
    return [(m.status, m.type_) for m in mappings]


def _describe(status: int, types: set[str]) -> str:
    named = sorted(t for t in types if t != "about:blank")
    return title_for(status) + (": " + ", ".join(f"`{t}`" for t in named) if named else "")


def created_link(name: str, path: str, parameter: str, field: str = "id") -> dict[int | str, Any]:
    """A route's 201 response with an OpenAPI link to the GET of what it created (`path`, whose
    `parameter` is the body's `field`), so that clients and schemathesis's stateful phase can follow it.
    Give it as the route's `responses`."""
    ref = "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/get"
    link = {"operationRef": ref, "parameters": {parameter: f"$response.body#/{field}"}}
    return {201: {"links": {name: link}}}
