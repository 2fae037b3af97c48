"""HTTP routes of the identity service: browser sign-in journeys, sessions, tokens and the JWKS."""

from __future__ import annotations

import html
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl

from fastapi import APIRouter, Cookie, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from dwp.identity import service
from dwp.identity.domain import Session, SessionInvalid
from dwp.identity.service import IdentityContext
from dwp.platform.errors import RepeatedParameter, UnsupportedMediaType
from dwp.platform.problems import WWW_AUTHENTICATE

router = APIRouter()

SESSION_COOKIE = "dwp_session"
SIGN_IN_COOKIE = "dwp_signin"
FORM = "application/x-www-form-urlencoded"


def _ctx(request: Request) -> IdentityContext:
    ctx: IdentityContext = request.app.state.identity
    return ctx


async def _form(request: Request) -> dict[str, str]:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != FORM:
        raise UnsupportedMediaType(f"Send the body as {FORM}.")
    pairs = parse_qsl((await request.body()).decode("utf-8", errors="replace"), keep_blank_values=True)
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise RepeatedParameter(f"The parameter {name} is repeated.")
        form[name] = value
    return form


def _redirect(status_code: int, description: str) -> dict[str, Any]:
    """A route that answers with a redirect, documented as one (not as FastAPI's default 200 JSON)."""
    return {
        "status_code": status_code,
        "response_class": RedirectResponse,
        "responses": {status_code: {"description": description, "headers": {"Location": _LOCATION}}},
    }


def _form_body(fields: dict[str, str]) -> dict[str, Any]:
    """The form a route reads itself (`_form`), for OpenAPI: each field a string, with what it is."""
    properties = {name: {"type": "string", "description": what} for name, what in fields.items()}
    schema = {"type": "object", "properties": properties}
    return {"requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": schema}}}}


_LOCATION = {"description": "Where the browser goes next", "schema": {"type": "string"}}


def _secure(request: Request) -> bool:
    return not _ctx(request).settings.platform.is_local


def _redirect_with_sign_in_cookie(request: Request, url: str, state: str) -> RedirectResponse:
    response = RedirectResponse(url, status_code=302)
    # SameSite=Lax: the cookie must come back on the provider's top-level redirect to the callback.
    response.set_cookie(
        SIGN_IN_COOKIE, state, max_age=service.PENDING_SIGN_IN_SECONDS, path="/v1/auth",
        httponly=True, secure=_secure(request), samesite="lax",
    )  # fmt: skip
    return response


def _signed_in(request: Request, session: Session, target: str) -> RedirectResponse:
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(SIGN_IN_COOKIE, path="/v1/auth")
    response.set_cookie(
        SESSION_COOKIE, session.session_id, path="/", httponly=True, secure=_secure(request), samesite="lax",
    )  # fmt: skip
    return response


# --- keys --------------------------------------------------------------------------------------


@router.get("/.well-known/jwks.json", tags=["tokens"], summary="Public keys of the internal token issuer")
async def jwks(request: Request) -> JSONResponse:
    return JSONResponse(await service.published_keys(_ctx(request)))


@router.get("/v1/auth/one-login/client-jwks", tags=["sign-in"], summary="The One Login client's public key")
async def client_jwks(request: Request) -> JSONResponse:
    return JSONResponse(_ctx(request).one_login.client_jwks())


# --- citizens: GOV.UK One Login ----------------------------------------------------------------


@router.get(
    "/v1/auth/one-login/start",
    tags=["sign-in"],
    summary="Start signing in with GOV.UK One Login",
    **_redirect(302, "To One Login's authorisation endpoint, with the sign-in cookie"),
)
async def one_login_start(
    request: Request,
    level: Annotated[Literal["P0", "P2"], Query(description="P2 proves identity too")] = "P2",
    return_to: str = "/v1/auth/me",
    ui_locales: Annotated[
        Literal["en", "cy"], Query(description="The language One Login's pages speak: the person's choice")
    ] = "en",
) -> RedirectResponse:
    pending, url = await service.start_sign_in(
        _ctx(request), provider="one-login", confidence=level, return_to=return_to, ui_locales=ui_locales
    )
    return _redirect_with_sign_in_cookie(request, url, pending.state)


@router.get(
    "/v1/auth/one-login/callback",
    tags=["sign-in"],
    summary="Where One Login sends the browser back",
    **_redirect(303, "Signed in: to where the sign-in started, with the session cookie"),
)
async def one_login_callback(
    request: Request,
    state: str | None = None,
    code: str | None = None,
    error: str | None = None,
    dwp_signin: Annotated[str | None, Cookie()] = None,
) -> RedirectResponse:
    session, pending = await service.complete_one_login(
        _ctx(request), state=state, cookie_state=dwp_signin, code=code, error=error
    )
    return _signed_in(request, session, pending.return_to)


@router.post(
    "/v1/auth/one-login/back-channel-logout",
    tags=["sign-in"],
    summary="One Login tells us a user signed out (OIDC Back-Channel Logout)",
    openapi_extra=_form_body({"logout_token": "The signed logout token (a JWT)"}),
)
async def back_channel_logout(request: Request) -> Response:
    form = await _form(request)
    await service.back_channel_logout(_ctx(request), logout_token=form.get("logout_token"))
    return Response(status_code=200, headers={"Cache-Control": "no-store"})


# --- caseworkers: staff sign-in ----------------------------------------------------------------


@router.get(
    "/v1/auth/staff/start",
    tags=["sign-in"],
    summary="Start staff sign-in",
    **_redirect(302, "To the staff identity provider, with the sign-in cookie"),
)
async def staff_start(request: Request, return_to: str = "/v1/auth/me") -> RedirectResponse:
    pending, url = await service.start_sign_in(
        _ctx(request), provider="staff", confidence="P0", return_to=return_to
    )
    return _redirect_with_sign_in_cookie(request, url, pending.state)


@router.get(
    "/v1/auth/staff/callback",
    tags=["sign-in"],
    summary="Where staff sign-in sends the browser back",
    **_redirect(303, "Signed in: to where the sign-in started, with the session cookie"),
)
async def staff_callback(
    request: Request,
    state: str | None = None,
    code: str | None = None,
    error: str | None = None,
    dwp_signin: Annotated[str | None, Cookie()] = None,
) -> RedirectResponse:
    session, pending = await service.complete_staff(
        _ctx(request), state=state, cookie_state=dwp_signin, code=code, error=error
    )
    return _signed_in(request, session, pending.return_to)


# --- sessions ----------------------------------------------------------------------------------


@router.get("/v1/sessions/current", tags=["sessions"], summary="Who is signed in to this session")
async def current(request: Request, dwp_session: Annotated[str | None, Cookie()] = None) -> dict[str, object]:
    session = await service.current_session(_ctx(request), session_id=dwp_session)
    return {
        "kind": session.subject_kind,
        "subject_id": session.subject_id,
        "name": session.display_name,
        "level_of_confidence": session.confidence,
        "roles": list(session.roles),
        "expires_at": session.expires_at(_ctx(request).policy),
    }


@router.post("/v1/sessions/token", tags=["sessions"], summary="A short-lived internal token for this session")
async def session_token(
    request: Request, dwp_session: Annotated[str | None, Cookie()] = None
) -> JSONResponse:
    token, lifetime = await service.access_token(_ctx(request), session_id=dwp_session)
    return JSONResponse({"access_token": token, "token_type": "Bearer", "expires_in": lifetime})


@router.post(
    "/v1/auth/token",
    tags=["tokens"],
    summary="Service token (OAuth client credentials)",
    openapi_extra=_form_body(
        {
            "grant_type": "`client_credentials`",
            "client_id": "The calling service",
            "client_secret": "Its secret",
        }
    ),
    responses={400: {"description": "RFC 6749 5.2: `unsupported_grant_type`",
                     "content": {"application/json": {"schema": {"type": "object", "required": ["error"],
                                 "properties": {"error": {"type": "string"}}}}}}},
)  # fmt: skip
async def client_credentials(request: Request) -> JSONResponse:
    form = await _form(request)
    if form.get("grant_type") != "client_credentials":
        return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
    token, lifetime = await service.service_token(
        _ctx(request), client_id=form.get("client_id", ""), client_secret=form.get("client_secret", "")
    )
    return JSONResponse({"access_token": token, "token_type": "Bearer", "expires_in": lifetime})


@router.post(
    "/v1/auth/sign-out",
    tags=["sign-in"],
    summary="Sign out here and at the provider",
    **_redirect(303, "To the provider's end-session endpoint, or to the signed-out page"),
)
async def sign_out(request: Request, dwp_session: Annotated[str | None, Cookie()] = None) -> RedirectResponse:
    logout_url = await service.sign_out(_ctx(request), session_id=dwp_session)
    response = RedirectResponse(logout_url or "/v1/auth/signed-out", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/v1/auth/signed-out", tags=["sign-in"], response_class=HTMLResponse, include_in_schema=False)
async def signed_out() -> HTMLResponse:
    return HTMLResponse(
        _page("You have signed out", '<p><a href="/v1/auth/one-login/start">Sign in again</a></p>')
    )


@router.post(
    "/v1/auth/register",
    tags=["sign-in"],
    summary="Create your citizen record from your proven identity",
    openapi_extra=_form_body({"national_insurance_number": "Your National Insurance number"}),
    **_redirect(303, "Registered: to the signed-in page"),
)
async def register(request: Request, dwp_session: Annotated[str | None, Cookie()] = None) -> RedirectResponse:
    form = await _form(request)
    await service.register_citizen(
        _ctx(request), session_id=dwp_session, nino=form.get("national_insurance_number", "")
    )
    return RedirectResponse("/v1/auth/me", status_code=303)


def prefers_html(accept: str | None) -> bool:
    """Whether an `Accept` header ranks an HTML page above a JSON (problem) document: a browser's
    (`text/html,...,*/*;q=0.8`) does; a JSON client's, `*/*` and none at all do not."""
    ranks: dict[str, float] = {}
    for part in (accept or "").split(","):
        media_type, *parameters = (p.strip() for p in part.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        media_type = media_type.lower()
        ranks[media_type] = max(quality, ranks.get(media_type, 0.0))
    html_rank = max(ranks.get("text/html", 0.0), ranks.get("application/xhtml+xml", 0.0))
    json_rank = max(ranks.get(t, 0.0) for t in ("application/json", "application/problem+json", "*/*"))
    return html_rank > 0 and html_rank >= json_rank


@router.get(
    "/v1/auth/me",
    tags=["sign-in"],
    response_class=HTMLResponse,
    summary="The signed-in page (not signed in: a page for a browser, a 401 problem for anything else)",
)
async def me(request: Request, dwp_session: Annotated[str | None, Cookie()] = None) -> HTMLResponse:
    ctx = _ctx(request)
    try:
        session = await service.current_session(ctx, session_id=dwp_session)
    except SessionInvalid:
        if not prefers_html(request.headers.get("accept")):
            raise  # the error table's 401 problem document, with WWW-Authenticate
        body = (
            '<p class="govuk-body">You are not signed in.</p>'
            '<p class="govuk-body"><a class="govuk-link" href="/v1/auth/one-login/start">'
            "Sign in with GOV.UK One Login</a>"
            ' or <a class="govuk-link" href="/v1/auth/staff/start">sign in as staff</a>.</p>'
        )
        return HTMLResponse(_page("You are not signed in", body), status_code=401, headers=WWW_AUTHENTICATE)
    rows = [("Name", session.display_name), ("Level of confidence", session.confidence)]
    if session.subject_kind == "citizen":
        rows.append(("Citizen id", session.subject_id))
    else:
        rows.append(("Roles", ", ".join(session.roles)))
    body = "<dl>" + "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in rows) + "</dl>"
    if session.subject_kind == "citizen" and session.verified:
        record = await service.citizen_record(ctx, session)
        if record is None:
            body += (
                '<h2>Finish registering</h2><form method="post" action="/v1/auth/register">'
                '<label for="nino">National Insurance number</label> '
                '<input id="nino" name="national_insurance_number" autocomplete="off"> '
                '<button type="submit">Register</button></form>'
            )
        else:
            body += "<p>Your citizen record is registered.</p>"
    body += '<form method="post" action="/v1/auth/sign-out"><button type="submit">Sign out</button></form>'
    return HTMLResponse(_page("You are signed in", body))


def _page(title: str, body: str) -> str:
    """A page in the GOV.UK template's structure and class names (the frontend's pages are the styled
    ones; these are the identity service's own few)."""
    return (
        '<!doctype html><html lang="en" class="govuk-template"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} - GOV.UK</title></head>"
        '<body class="govuk-template__body"><header class="govuk-header"><div class="govuk-header__container '
        'govuk-width-container"><span class="govuk-header__logotype-text">GOV.UK</span></div></header>'
        '<div class="govuk-width-container"><main class="govuk-main-wrapper" id="main-content">'
        f'<h1 class="govuk-heading-l">{html.escape(title)}</h1>{body}</main></div></body></html>'
    )
