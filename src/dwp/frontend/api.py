"""HTTP routes of the BFF: sign-in relayed to the identity service, the session as the SPA may see it,
API calls forwarded to the gateway with the person's own token, and the SPA itself.

What the browser holds: `dwp_session` (HttpOnly; the identity service's session id), `dwp_signin`
(HttpOnly; the state of a sign-in in progress), `dwp_csrf` (readable by the SPA; the double-submit
token) and `dwp_lang` (the chosen language). No token ever reaches the browser: every forwarded call
gets a fresh short-lived internal token from the identity service, used once and forgotten.
"""

from __future__ import annotations

import base64
import json
import re
import time
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import structlog
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from pydantic import Field

from dwp.frontend.config import FrontendSettings
from dwp.frontend.security import (
    CSRF_COOKIE,
    CSRF_FIELD,
    CSRF_HEADER,
    check_csrf_token,
    check_same_origin,
    new_csrf_token,
)
from dwp.platform.models import EdgeModel, parse_body
from dwp.platform.problems import Problem

router = APIRouter()
log = structlog.get_logger("frontend")

SESSION_COOKIE = "dwp_session"
SIGN_IN_COOKIE = "dwp_signin"
LANG_COOKIE = "dwp_lang"
RELAYED_COOKIES = frozenset({SESSION_COOKIE, SIGN_IN_COOKIE})
"""The only cookies of the identity service's that reach the browser through us."""
FORM = "application/x-www-form-urlencoded"

FORWARDED_REQUEST_HEADERS = ("accept", "accept-language", "content-type", "idempotency-key", "if-match",
                             "if-none-match", "x-request-id")  # fmt: skip
"""What of the browser's request reaches the gateway: never its cookies or an Authorization header."""
FORWARDED_RESPONSE_HEADERS = ("content-type", "content-language", "etag", "location", "retry-after",
                              "x-request-id")  # fmt: skip
BLOCKED_API_PREFIXES = ("v1/auth/", "v1/sessions/", ".well-known/")
"""Session and sign-in routes are ours to call, never the SPA's: through `/api` they would hand a token
to JavaScript."""
API_PATH = re.compile(r"^v1/[A-Za-z0-9._~/-]*$")
STAFF_API = re.compile(r"^v1/(claims/casework/|citizens/search$|claims/[^/]+/uploads/[^/]+/download-link$)")
"""Caseworkers' routes: the BFF forwards them for a staff session only (a citizen's session gets a 403
here and reaches no service with them), on top of the claims and citizen services' own role checks."""
NO_STORE = {"Cache-Control": "no-store"}
STAFF_HOME = "/casework"
"""Where a member of staff lands after signing in: the work queue."""


def _settings(request: Request) -> FrontendSettings:
    settings: FrontendSettings = request.app.state.frontend
    return settings


def _http(request: Request) -> httpx.AsyncClient:
    client: httpx.AsyncClient = request.app.state.http
    return client


async def _call(request: Request, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """One call to the gateway; an unreachable or slow gateway is a problem document, never a hang."""
    url = f"{_settings(request).gateway_url}{path}"
    request_id = request.scope.get("state", {}).get("request_id")
    headers = dict(kwargs.pop("headers", {}) or {})
    if request_id:
        headers.setdefault("X-Request-ID", request_id)
    # The person's own address (uvicorn has taken it from X-Forwarded-For only if the load balancer in
    # front of us is trusted), so the gateway's per-address limits count people, not this one BFF. Any
    # X-Forwarded-For the browser sent is never passed on: the gateway trusts this header from us.
    headers.pop("X-Forwarded-For", None)
    if request.client:
        headers["X-Forwarded-For"] = request.client.host
    try:
        return await _http(request).request(method, url, headers=headers, **kwargs)
    except httpx.TimeoutException as exc:
        raise Problem(
            504, "Gateway timeout", "The service did not answer in time.", type_="upstream-timeout"
        ) from exc
    except httpx.HTTPError as exc:
        raise Problem(
            503, "Service unavailable", "The service is not available. Try again soon.",
            type_="upstream-unavailable", headers={"Retry-After": "5"},
        ) from exc  # fmt: skip


def _session_header(request: Request) -> dict[str, str]:
    session_id = request.cookies.get(SESSION_COOKIE)
    return {"Cookie": f"{SESSION_COOKIE}={session_id}"} if session_id else {}


def _relay_cookies(upstream: httpx.Response, response: Response, settings: FrontendSettings) -> None:
    """Re-issue the identity service's session and sign-in cookies on our origin, with our flags."""
    for header in upstream.headers.get_list("set-cookie"):
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        for name, morsel in jar.items():
            if name not in RELAYED_COOKIES:
                continue
            path = morsel["path"] or "/"
            if not morsel.value or morsel["max-age"] == "0":
                response.delete_cookie(name, path=path)
                continue
            max_age = int(morsel["max-age"]) if morsel["max-age"] else None
            response.set_cookie(
                name, morsel.value, max_age=max_age, path=path, httponly=True,
                secure=settings.secure_cookies, samesite="lax",
            )  # fmt: skip


def _check_state_change(request: Request, submitted: str | None) -> None:
    try:
        check_same_origin(request, (_settings(request).browser_base,))
        check_csrf_token(request, submitted)
    except Problem as exc:
        log.warning("csrf_refused", reason=exc.detail, route=request.url.path)
        raise


async def _form(request: Request) -> dict[str, str]:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != FORM:
        raise Problem(
            415, "Unsupported media type", f"Send the form as {FORM}.", type_="unsupported-media-type"
        )
    return dict(parse_qsl((await request.body()).decode("utf-8", errors="replace"), keep_blank_values=True))


# --- sign-in, relayed to the identity service ---------------------------------------------------


@router.get("/auth/sign-in", tags=["sign-in"], summary="Start signing in with GOV.UK One Login")
async def sign_in(request: Request, level: str = "P2") -> Response:
    if level not in ("P0", "P2"):
        raise Problem(400, "Bad request", "level is P0 or P2.", type_="bad-level")
    # One Login's pages in the language the person chose here (`dwp_lang`, or `?lang=` on the link).
    lang = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    query = urlencode({"level": level, "return_to": "/account", "ui_locales": "cy" if lang == "cy" else "en"})
    return await _start_sign_in(request, f"/v1/auth/one-login/start?{query}")


@router.get("/auth/staff/sign-in", tags=["sign-in"], summary="Start staff sign-in (caseworkers)")
async def staff_sign_in(request: Request) -> Response:
    """The department's staff sign-in, relayed like One Login's: back to the caseworker pages."""
    return await _start_sign_in(request, f"/v1/auth/staff/start?{urlencode({'return_to': STAFF_HOME})}")


async def _start_sign_in(request: Request, start: str) -> Response:
    """Ask the identity service to start a sign-in; on to the provider with its sign-in cookie, ours."""
    upstream = await _call(request, "GET", start)
    location = upstream.headers.get("location")
    if upstream.status_code != 302 or not location:
        log.warning("sign_in_start_failed", status=upstream.status_code, start=start.split("?")[0])
        # Too many requests, or the provider or the identity service down: "try again later", not a
        # stale link (nothing the person did is wrong).
        return RedirectResponse("/could-not-sign-in?reason=unavailable", status_code=303, headers=NO_STORE)
    response = RedirectResponse(location, status_code=302, headers=NO_STORE)
    _relay_cookies(upstream, response, _settings(request))
    return response


@router.get(
    "/v1/auth/{provider}/callback", tags=["sign-in"], summary="Where the provider sends the browser back"
)
async def callback(request: Request, provider: str) -> Response:
    if provider not in ("one-login", "staff"):
        raise Problem(404, "Not found", "No such sign-in.", type_="not-found")
    sign_in_state = request.cookies.get(SIGN_IN_COOKIE)
    headers = {"Cookie": f"{SIGN_IN_COOKIE}={sign_in_state}"} if sign_in_state else {}
    upstream = await _call(
        request, "GET", f"/v1/auth/{provider}/callback", params=list(request.query_params.multi_items()),
        headers=headers,
    )  # fmt: skip
    location = upstream.headers.get("location", "")
    if upstream.status_code != 303 or not location.startswith("/"):
        # A cancelled sign-in, a stale link or an identity One Login could not prove: a page that says
        # what happened, never the identity service's problem document.
        reason = _sign_in_failure(upstream)
        log.warning("sign_in_refused", status=upstream.status_code, reason=reason)
        response: Response = RedirectResponse(f"/could-not-sign-in?reason={reason}", status_code=303)
        response.delete_cookie(SIGN_IN_COOKIE, path="/v1/auth")
        return response
    # Identity redirects to a local path only (it refuses open redirects); the SPA owns the pages.
    home = STAFF_HOME if provider == "staff" else "/account"
    response = RedirectResponse(home if location.startswith("/v1/") else location, status_code=303)
    _relay_cookies(upstream, response, _settings(request))
    return response


def _sign_in_failure(upstream: httpx.Response) -> str:
    try:
        kind = str(upstream.json().get("type", "")).rsplit("/", 1)[-1]
    except ValueError:
        kind = ""
    return {"identity-not-proven": "identity", "sign-in-rejected": "cancelled"}.get(kind, "expired")


@router.get("/v1/auth/signed-out", include_in_schema=False)
async def signed_out() -> Response:
    return RedirectResponse("/signed-out", status_code=303)


@router.get("/v1/auth/me", include_in_schema=False)
async def signed_in_page() -> Response:
    return RedirectResponse("/account", status_code=303)


@router.get("/auth/session", tags=["sessions"], summary="Who is signed in (what the SPA may know)")
async def session(request: Request) -> JSONResponse:
    if SESSION_COOKIE not in request.cookies:
        return JSONResponse({"signed_in": False}, headers=NO_STORE)
    upstream = await _call(request, "GET", "/v1/sessions/current", headers=_session_header(request))
    if upstream.status_code == 401:
        response = JSONResponse({"signed_in": False}, headers=NO_STORE)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response
    if upstream.status_code != 200:
        raise Problem(503, "Service unavailable", "Cannot check your session now. Try again soon.",
                      type_="upstream-unavailable", headers={"Retry-After": "5"})  # fmt: skip
    current = upstream.json()
    body = {
        "signed_in": True,
        "kind": current.get("kind"),
        "subject_id": current.get("subject_id"),
        "name": current.get("name"),
        "level_of_confidence": current.get("level_of_confidence"),
        # A member of staff's app roles (caseworker, team-leader): which caseworker pages to offer.
        "roles": list(current.get("roles") or []) if current.get("kind") == "staff" else [],
        "expires_at": current.get("expires_at"),
        # Our clock beside the deadline, so the page counts down the time left, whatever its own clock says.
        "now": int(time.time()),
    }
    return JSONResponse(body, headers=NO_STORE)


@router.post("/auth/sign-out", tags=["sign-in"], summary="Sign out here and at GOV.UK One Login")
async def sign_out(request: Request) -> Response:
    form = await _form(request)
    _check_state_change(request, form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER))
    location = "/signed-out"
    if SESSION_COOKIE in request.cookies:
        upstream = await _call(request, "POST", "/v1/auth/sign-out", headers=_session_header(request))
        target = upstream.headers.get("location", "")
        if upstream.status_code == 303 and target.startswith(_settings(request).sign_in_origins):
            location = target
    response = RedirectResponse(location, status_code=303, headers=NO_STORE)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


class RegisterBody(EdgeModel):
    """What the SPA's registration form sends (the name and date of birth come from One Login)."""

    national_insurance_number: str = Field(min_length=1, max_length=16)


@router.post(
    "/auth/register", tags=["sign-in"], summary="Create your citizen record from your proven identity"
)
async def register(request: Request) -> Response:
    """JSON in and out (the SPA's form), relayed to the identity service's form post."""
    _check_state_change(request, request.headers.get(CSRF_HEADER))
    nino = parse_body(RegisterBody, await request.body()).national_insurance_number
    upstream = await _call(
        request, "POST", "/v1/auth/register", content=urlencode({"national_insurance_number": nino}),
        headers={**_session_header(request), "Content-Type": FORM},
    )  # fmt: skip
    if upstream.status_code == 303:
        return JSONResponse({"registered": True}, headers=NO_STORE)
    return _passthrough(upstream)


# --- the API, forwarded to the gateway with the person's token ----------------------------------


async def _token(request: Request) -> tuple[str, str] | None:
    """A fresh internal token for this request's session and its kind (none when signed out); never
    cached, so no state of one person outlives their request."""
    if SESSION_COOKIE not in request.cookies:
        return None
    upstream = await _call(request, "POST", "/v1/sessions/token", headers=_session_header(request))
    if upstream.status_code == 401:
        raise Problem(401, "Not signed in", "Your session has ended. Sign in again.", type_="not-signed-in")
    if upstream.status_code != 200:
        raise Problem(503, "Service unavailable", "Cannot check your session now. Try again soon.",
                      type_="upstream-unavailable", headers={"Retry-After": "5"})  # fmt: skip
    token: str = upstream.json()["access_token"]
    return token, _token_kind(token)


def _token_kind(token: str) -> str:
    """The `kind` claim of a token the identity service has just issued to us (read, not verified: it came
    straight from the issuer, and every service behind the gateway verifies it). Only routing uses it."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return str(claims.get("kind", "")) if isinstance(claims, dict) else ""
    except (IndexError, ValueError):
        return ""


@router.api_route(
    "/api/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False
)
async def api(request: Request, path: str) -> Response:
    if not API_PATH.match(path) or ".." in path or path.startswith(BLOCKED_API_PREFIXES):
        raise Problem(404, "Not found", "No API answers at this path.", type_="no-route")
    if request.method not in ("GET", "HEAD"):
        _check_state_change(request, request.headers.get(CSRF_HEADER))
    headers = {name: request.headers[name] for name in FORWARDED_REQUEST_HEADERS if name in request.headers}
    issued = await _token(request)
    staff_only = STAFF_API.match(path) is not None
    if staff_only and issued is None:
        raise Problem(401, "Not signed in", "Sign in with staff sign-in.", type_="not-signed-in")
    if staff_only and issued is not None and issued[1] != "caseworker":
        # A citizen's session (or none) never reaches the caseworker routes, whatever the page asks.
        raise Problem(403, "Forbidden", "This is for staff signed in with staff sign-in.", type_="staff-only")
    if issued:
        headers["Authorization"] = f"Bearer {issued[0]}"
    upstream = await _call(
        request, request.method, f"/{path}", params=list(request.query_params.multi_items()),
        content=await request.body(), headers=headers,
    )  # fmt: skip
    return _passthrough(upstream)


def _passthrough(upstream: httpx.Response) -> Response:
    headers = {k: upstream.headers[k] for k in FORWARDED_RESPONSE_HEADERS if k in upstream.headers}
    headers.update(NO_STORE)
    return Response(upstream.content, status_code=upstream.status_code, headers=headers)


# --- the SPA -------------------------------------------------------------------------------------


@router.get("/{path:path}", include_in_schema=False)
async def spa(request: Request, path: str) -> Response:
    """Every other path is a page of the SPA: the same index.html, whose router shows the page."""
    settings = _settings(request)
    if path.startswith(("api/", "assets/", "v1/")):
        raise Problem(404, "Not found", "There is nothing at this address.", type_="not-found")
    file = _public_file(settings.dist_dir, path)
    if file is not None:
        return FileResponse(file, headers={"Cache-Control": "public, max-age=3600"})
    index = settings.dist_dir / "index.html"
    if not index.is_file():
        raise Problem(503, "Not built", "The web app is not built: run `make run` (or `make web`).",
                      type_="spa-not-built")  # fmt: skip
    html = index.read_text(encoding="utf-8")
    if request.cookies.get(LANG_COOKIE) == "cy" or request.query_params.get("lang") == "cy":
        html = html.replace('<html lang="en"', '<html lang="cy"', 1)
    response = Response(html, media_type="text/html; charset=utf-8", headers=NO_STORE)
    if not request.cookies.get(CSRF_COOKIE):
        response.set_cookie(
            CSRF_COOKIE, new_csrf_token(), path="/", httponly=False,  # the SPA echoes it: not a credential
            secure=settings.secure_cookies, samesite="strict",
        )  # fmt: skip
    return response


def _public_file(dist: Path, path: str) -> Path | None:
    """Files at the top of the build (favicon, manifest), never anything outside it."""
    if not path or "/" in path or path.startswith(".") or path == "index.html":
        return None
    candidate = dist / path
    return candidate if candidate.is_file() else None
