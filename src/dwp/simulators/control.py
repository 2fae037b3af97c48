"""The control endpoint every provider simulator mounts, so tests can make a provider misbehave.

`mount_control(app, ...)` wraps the app in a pure-ASGI middleware and adds routes under
`/_simulator/control`:

- `PUT /_simulator/control` with `{"fault": ...}` switches one fault on for every later request to the
  provider's API (or only to paths under `path_prefix`, or only the next `times` requests):
  `slow` (answer after `delay_seconds`), `error` (a 5xx in the provider's own error shape),
  `timeout` (hold the request until the fault is cleared, or `hold_seconds`, as a provider that
  never answers),
  `rate_limit` (429 with `Retry-After`), `malformed` (200 whose body is not JSON).
- `DELETE /_simulator/control` clears the fault and releases every request it is holding.
- `GET /_simulator/control` says what is switched on and how many requests it has touched or holds,
  so a test waits for a condition rather than for a time.
- `POST /_simulator/control/revoke-tokens` revokes every access token the simulator has issued.

Faults never touch `/_simulator/` or `/health/`. The routes refuse to work outside the `local` and
`test` environments (`DWP_ENV`): a simulator is never a production dependency, and a control that can
take a provider down must not be reachable where it could matter.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dwp.platform.problems import PROBLEM_MEDIA_TYPE, Problem

FaultKind = Literal["slow", "error", "timeout", "rate_limit", "malformed"]
CONTROL_PATH = "/_simulator/control"
UNTOUCHED_PREFIXES = ("/_simulator/", "/health/")
ALLOWED_ENVIRONMENTS = ("local", "test")

ErrorBody = Callable[[int], tuple[bytes, str]]
"""Given a status, the provider's own error body and its content type."""
Revoke = Callable[[], int]
"""Revoke every issued access token; returns how many were revoked."""


class FaultRequest(BaseModel):
    """What a test asks for."""

    fault: FaultKind
    delay_seconds: float = Field(2.0, ge=0, le=300, description="For `slow`: how long before answering.")
    status: int = Field(503, ge=500, le=599, description="For `error`: which 5xx.")
    retry_after: int = Field(30, ge=0, le=86_400, description="For `rate_limit`: the Retry-After seconds.")
    hold_seconds: float = Field(
        600, gt=0, le=3600, description="For `timeout`: the longest a request is held."
    )
    times: int | None = Field(None, ge=1, description="Affect only the next N requests; all when absent.")
    path_prefix: str | None = Field(None, description="Affect only requests whose path starts with this.")


@dataclass
class ControlState:
    """The fault switched on, how many requests it touched, and the requests it is holding."""

    fault: FaultRequest | None = None
    touched: int = 0
    remaining: int | None = None
    holding: int = 0
    _release: asyncio.Event = field(default_factory=asyncio.Event)

    def describe(self) -> dict[str, Any]:
        return {
            "fault": self.fault.model_dump() if self.fault else None,
            "touched": self.touched,
            "remaining": self.remaining,
            "holding": self.holding,
        }

    def set(self, fault: FaultRequest) -> None:
        self.release()
        self.fault, self.touched, self.remaining = fault, 0, fault.times

    def release(self) -> None:
        """Clear the fault and let every held request go on to the real handler."""
        self.fault, self.remaining = None, None
        self._release.set()
        self._release = asyncio.Event()

    def take(self, path: str) -> FaultRequest | None:
        """The fault that applies to this request, counting it; None when the request goes through."""
        fault = self.fault
        if fault is None or path.startswith(UNTOUCHED_PREFIXES):
            return None
        if fault.path_prefix and not path.startswith(fault.path_prefix):
            return None
        self.touched += 1
        if self.remaining is not None:
            self.remaining -= 1
            if self.remaining <= 0:
                self.fault, self.remaining = None, None
        return fault

    async def hold(self, most_seconds: float) -> None:
        """Wait until the fault is cleared, or `most_seconds` at most (so a stop is never blocked)."""
        release = self._release
        self.holding += 1
        try:
            await asyncio.wait_for(release.wait(), timeout=most_seconds)
        except TimeoutError:
            pass
        finally:
            self.holding -= 1


def control_allowed(environment: str | None = None) -> bool:
    return (environment or os.environ.get("DWP_ENV", "local")).lower() in ALLOWED_ENVIRONMENTS


class FaultMiddleware:
    """Applies the switched-on fault before the request reaches the simulator's routes."""

    def __init__(self, app: ASGIApp, state: ControlState, error_body: ErrorBody) -> None:
        self.app = app
        self.state = state
        self.error_body = error_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        fault = self.state.take(scope["path"])
        if fault is None:
            await self.app(scope, receive, send)
        elif fault.fault == "slow":
            await asyncio.sleep(fault.delay_seconds)
            await self.app(scope, receive, send)
        elif fault.fault == "timeout":
            await self.state.hold(fault.hold_seconds)
            await self.app(scope, receive, send)
        elif fault.fault == "error":
            body, content_type = self.error_body(fault.status)
            await _send(send, fault.status, body, content_type)
        elif fault.fault == "rate_limit":
            body, content_type = self.error_body(429)
            await _send(send, 429, body, content_type, {"retry-after": str(fault.retry_after)})
        else:  # malformed: a success status with a body cut off half way, as a broken proxy may send
            await _send(send, 200, b'{"header": {"uri": "', "application/json")


async def _send(
    send: Send, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None
) -> None:
    headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
    headers += [(k.encode(), v.encode()) for k, v in (extra or {}).items()]
    start: Message = {"type": "http.response.start", "status": status, "headers": headers}
    await send(start)
    await send({"type": "http.response.body", "body": body})


def control_problem(status: int, title: str, detail: str) -> JSONResponse:
    """An RFC 9457 problem for the simulator's own (not the provider's) endpoints."""
    body = Problem(status, title, detail, type_="simulator-control").body(CONTROL_PATH)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE)


def refusal() -> JSONResponse:
    return control_problem(
        403,
        "Simulator control is switched off",
        "The control endpoint works only where DWP_ENV is local or test.",
    )


def mount_control(
    app: FastAPI,
    *,
    error_body: ErrorBody,
    revoke_tokens: Revoke | None = None,
    environment: str | None = None,
) -> ControlState:
    """Add the control routes and the fault middleware to a simulator's app; returns the shared state."""
    state = ControlState()
    allowed = control_allowed(environment)
    app.state.control = state

    @app.get(CONTROL_PATH, include_in_schema=False)
    async def show() -> JSONResponse:
        return JSONResponse(state.describe()) if allowed else refusal()

    @app.put(CONTROL_PATH, include_in_schema=False)
    async def switch_on(request: Request) -> JSONResponse:
        if not allowed:
            return refusal()
        try:
            fault = FaultRequest.model_validate_json(await request.body())
        except ValidationError as exc:
            detail = "; ".join(f"{'/'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            return control_problem(400, "Not a fault this simulator knows", detail or "invalid body")
        state.set(fault)
        return JSONResponse(state.describe())

    @app.delete(CONTROL_PATH, include_in_schema=False)
    async def clear() -> JSONResponse:
        if not allowed:
            return refusal()
        state.release()
        return JSONResponse(state.describe())

    @app.post(f"{CONTROL_PATH}/revoke-tokens", include_in_schema=False)
    async def revoke() -> JSONResponse:
        if not allowed:
            return refusal()
        if revoke_tokens is None:
            return control_problem(404, "No tokens here", "This simulator issues no access tokens.")
        return JSONResponse({"revoked": revoke_tokens()})

    if allowed:
        app.add_middleware(FaultMiddleware, state=state, error_body=error_body)
    return state


def json_error_body(
    make: Callable[[int], dict[str, Any]], content_type: str = "application/json"
) -> ErrorBody:
    """An `ErrorBody` from a function that builds the provider's JSON error document for a status."""

    def body(status: int) -> tuple[bytes, str]:
        return json.dumps(make(status)).encode(), content_type

    return body
