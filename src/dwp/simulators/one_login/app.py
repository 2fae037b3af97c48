"""The One Login simulator's HTTP interface: discovery, JWKS, DID, authorize, token, userinfo, logout.

Test-only controls live under `/_simulator/`: register a client, switch token faults on and off,
rotate keys, and send a back-channel logout as if the user had signed out elsewhere.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jws import extract_compact
from pydantic import BaseModel

from dwp.platform import catalog
from dwp.platform.http import shared_client
from dwp.simulators.oidc import (
    ExpiringStore,
    FormError,
    chooser_page,
    random_token,
    read_form,
    s256_challenge,
)
from dwp.simulators.one_login.authorize import AuthRedirectError, AuthRequest, BadAuthRequest, parse_authorize
from dwp.simulators.one_login.registry import (
    Client,
    SimUser,
    client_from_dict,
    load_clients,
    load_users,
    verify_client_jwt,
)
from dwp.simulators.one_login.tokens import (
    ADDRESS_CLAIM,
    CORE_IDENTITY_CLAIM,
    RETURN_CODE_CLAIM,
    TokenFactory,
    TokenKind,
    did_web,
)

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ACCESS_TOKEN_LIFETIME = 180
CACHE_A_DAY = {"Cache-Control": "max-age=86400"}
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@dataclass(frozen=True)
class Grant:
    """What an authorisation code, and later its access token, stands for."""

    request: AuthRequest
    user: SimUser
    sub: str
    sid: str
    auth_time: int


class State:
    """Everything the simulator remembers, in memory: it forgets it all on restart, as a stub may."""

    def __init__(self, base_url: str, clients: dict[str, Client], users: dict[str, SimUser]) -> None:
        self.base_url = base_url.rstrip("/")
        self.issuer = f"{self.base_url}/"
        self.clients = clients
        self.users = users
        self.tokens = TokenFactory(
            issuer=self.issuer,
            identity_issuer=f"{self.base_url}/identity/",
            did=did_web(self.base_url, "/identity"),
            trustmark=f"{self.base_url}/trustmark",
        )
        self.interactions: ExpiringStore[AuthRequest] = ExpiringStore(ttl_seconds=600)
        self.codes: ExpiringStore[Grant] = ExpiringStore(ttl_seconds=300)
        self.access_tokens: ExpiringStore[Grant] = ExpiringStore(ttl_seconds=ACCESS_TOKEN_LIFETIME)
        self.used_jtis: ExpiringStore[bool] = ExpiringStore(ttl_seconds=3600)
        self.sessions: ExpiringStore[Grant] = ExpiringStore(ttl_seconds=3600)

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"


class Fault(BaseModel):
    """Switch a fault on (or off, with no fault) for one kind of token."""

    token: TokenKind
    fault: str | None = None


class BackChannelLogout(BaseModel):
    """Ask the simulator to notify a client that a user signed out elsewhere."""

    client_id: str
    sub: str
    sid: str | None = None


def _error(status: int, error: str, description: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        {"error": error, "error_description": description}, status_code=status, headers=headers
    )


def _redirect(uri: str, params: dict[str, str | None]) -> RedirectResponse:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return RedirectResponse(f"{uri}{'&' if '?' in uri else '?'}{query}", status_code=302)


def create_app(
    *,
    base_url: str | None = None,
    clients: dict[str, Client] | None = None,
    users: dict[str, SimUser] | None = None,
    http: httpx.AsyncClient | None = None,
) -> FastAPI:
    base = base_url or os.environ.get("DWP_ONE_LOGIN_URL") or catalog.process("one-login").local_url
    state = State(base, clients if clients is not None else load_clients(), users or load_users())
    app = FastAPI(title="GOV.UK One Login simulator", docs_url=None, redoc_url=None)
    app.state.sim = state
    # The HTTP client the simulator uses to reach relying parties (their JWKS, back-channel logout).
    app.state.http = http or shared_client(timeout=5.0)

    @app.get("/.well-known/openid-configuration")
    async def discovery() -> JSONResponse:
        return JSONResponse(
            {
                "authorization_endpoint": state.url("/authorize"),
                "token_endpoint": state.url("/token"),
                "issuer": state.issuer,
                "jwks_uri": state.url("/.well-known/jwks.json"),
                "scopes_supported": ["openid", "email", "phone", "wallet-subject-id"],
                "response_types_supported": ["code"],
                "grant_types_supported": ["authorization_code"],
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
                "token_endpoint_auth_signing_alg_values_supported": ["ES256", "RS256", "PS256"],
                "ui_locales_supported": ["en", "cy"],
                "request_parameter_supported": True,
                "request_uri_parameter_supported": False,
                "trustmarks": state.url("/trustmark"),
                "subject_types_supported": ["public", "pairwise"],
                "userinfo_endpoint": state.url("/userinfo"),
                "end_session_endpoint": state.url("/logout"),
                "id_token_signing_alg_values_supported": ["ES256"],
                "claim_types_supported": ["normal"],
                "claims_supported": [
                    "sub",
                    "email",
                    "email_verified",
                    "phone_number",
                    "phone_number_verified",
                    CORE_IDENTITY_CLAIM,
                    ADDRESS_CLAIM,
                    RETURN_CODE_CLAIM,
                ],
                "code_challenge_methods_supported": ["S256"],
                "backchannel_logout_supported": True,
                "backchannel_logout_session_supported": False,
            },
            headers=CACHE_A_DAY,
        )

    @app.get("/.well-known/jwks.json")
    async def jwks() -> JSONResponse:
        return JSONResponse(state.tokens.oidc_keys.public_jwks(), headers=CACHE_A_DAY)

    @app.get("/identity/did.json")
    async def did_document() -> JSONResponse:
        did = state.tokens.did
        methods = [
            {
                "id": key["kid"],
                "type": "JsonWebKey",
                "controller": did,
                "publicKeyJwk": {k: key[k] for k in ("kty", "crv", "x", "y")},
            }
            for key in state.tokens.identity_keys.public_jwks()["keys"]
        ]
        return JSONResponse(
            {
                "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1"],
                "id": did,
                "assertionMethod": methods,
            },
            headers={"Cache-Control": "max-age=3600, private"},
        )

    @app.get("/trustmark")
    async def trustmark() -> JSONResponse:
        return JSONResponse(
            {"idp": state.issuer, "trustmark_provider": state.issuer, "C": ["Cl", "Cl.Cm"], "P": ["P0", "P2"]}
        )

    @app.get("/authorize", response_model=None)
    async def authorize(request: Request) -> Response:
        try:
            auth = await parse_authorize(
                dict(request.query_params),
                clients=state.clients,
                authorization_endpoint=state.url("/authorize"),
                http=app.state.http,
            )
        except BadAuthRequest as exc:
            return _error(400, "invalid_request", str(exc))
        except AuthRedirectError as exc:
            return _redirect(
                exc.redirect_uri,
                {"error": exc.error, "error_description": exc.description, "state": exc.state},
            )
        interaction = random_token(16)
        state.interactions.put(interaction, auth)
        page = chooser_page(
            title="GOV.UK One Login simulator",
            intro=f"Sign in to {auth.client_id} ({auth.vtr}) as one of these test users.",
            action=f"/authorize/{interaction}",
            options=[(u.id, f"{u.display_name} ({u.identity})") for u in state.users.values()],
        )
        return HTMLResponse(page, headers={"X-Simulator-Interaction": interaction, **NO_STORE})

    @app.post("/authorize/{interaction}", response_model=None)
    async def choose_user(interaction: str, request: Request) -> Response:
        try:
            user_id = (await read_form(request)).get("user_id", "")
        except FormError as exc:
            return _error(400, "invalid_request", str(exc))
        auth = state.interactions.take(interaction)
        if auth is None:
            return _error(400, "invalid_request", "Unknown or expired sign-in journey")
        user = state.users.get(user_id)
        if user is None:
            return _redirect(auth.redirect_uri, {"error": "access_denied", "state": auth.state})
        client = state.clients[auth.client_id]
        if auth.wants_identity and user.identity != "P2" and not client.return_codes_enabled:
            # Without return codes One Login reports a failed identity check as access_denied.
            return _redirect(
                auth.redirect_uri,
                {"error": "access_denied", "error_description": "Identity check failed", "state": auth.state},
            )
        grant = Grant(
            request=auth,
            user=user,
            sub=user.pairwise_sub(client.sector_identifier),
            sid=random_token(16),
            auth_time=int(time.time()),
        )
        code = random_token(24)
        state.codes.put(code, grant)
        return _redirect(auth.redirect_uri, {"code": code, "state": auth.state})

    @app.post("/token")
    async def token(request: Request) -> JSONResponse:
        try:
            form = await read_form(request)
        except FormError as exc:
            return _error(400, "invalid_request", str(exc))
        if "client_secret" in form or request.headers.get("authorization", "").lower().startswith("basic"):
            return _error(400, "invalid_client", "Only private_key_jwt client authentication is accepted")
        if form.get("grant_type") != "authorization_code":
            return _error(400, "unsupported_grant_type", "Unsupported grant type")
        if form.get("client_assertion_type") != JWT_BEARER or not form.get("client_assertion"):
            return _error(400, "invalid_client", "Invalid client authentication: client_assertion required")
        client, problem = await _authenticate_client(form["client_assertion"])
        if client is None:
            return _error(400, "invalid_client", problem)

        grant = state.codes.take(form.get("code", ""))
        if grant is None or grant.request.client_id != client.client_id:
            return _error(400, "invalid_grant", "Invalid or expired authorization code")
        if form.get("redirect_uri") != grant.request.redirect_uri:
            return _error(400, "invalid_grant", "redirect_uri does not match the authorisation request")
        if grant.request.code_challenge is not None:
            verifier = form.get("code_verifier")
            if not verifier or s256_challenge(verifier) != grant.request.code_challenge:
                return _error(400, "invalid_grant", "PKCE code_verifier is missing or does not match")

        access_token = random_token(32)
        state.access_tokens.put(access_token, grant)
        state.sessions.put(grant.sid, grant)
        id_token = state.tokens.id_token(
            client_id=client.client_id,
            sub=grant.sub,
            nonce=grant.request.nonce,
            access_token=access_token,
            sid=grant.sid,
            auth_time=grant.auth_time,
        )
        body = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": ACCESS_TOKEN_LIFETIME,
            "id_token": id_token,
        }
        return JSONResponse(body, headers=NO_STORE)

    async def _authenticate_client(assertion: str) -> tuple[Client | None, str]:
        """Check a private_key_jwt client assertion as One Login's "Make a token request" describes."""
        try:
            unverified = json.loads(extract_compact(assertion.encode()).payload)
        except (JoseError, ValueError):
            return None, "client_assertion is not a JWT"
        client = state.clients.get(str(unverified.get("iss", "")))
        if client is None:
            return None, "Unknown client"
        try:
            claims = (await verify_client_jwt(assertion, client, app.state.http)).claims
        except (JoseError, httpx.HTTPError):
            return None, "client_assertion signature is not valid"
        if claims.get("sub") != client.client_id:
            return None, "client_assertion iss and sub must both be the client_id"
        if claims.get("aud") not in (state.url("/token"), state.issuer):
            return None, "client_assertion aud must be the token endpoint"
        try:
            jwt.JWTClaimsRegistry(exp={"essential": True}, jti={"essential": True}).validate(claims)
        except JoseError:
            return None, "client_assertion is expired or has no jti"
        jti = str(claims["jti"])
        if state.used_jtis.get(jti):
            return None, "client_assertion jti has been used before"
        state.used_jtis.put(jti, True)
        return client, ""

    @app.get("/userinfo")
    async def userinfo(request: Request) -> JSONResponse:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        grant = state.access_tokens.get(value) if scheme.lower() == "bearer" else None
        if grant is None:
            return _error(
                401,
                "invalid_token",
                "Invalid access token",
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        return JSONResponse(_userinfo(grant), headers=NO_STORE)

    def _userinfo(grant: Grant) -> dict[str, Any]:
        user, auth = grant.user, grant.request
        info: dict[str, Any] = {"sub": grant.sub}
        if "email" in auth.scopes:
            info |= {"email": user.email, "email_verified": True}
        if "phone" in auth.scopes:
            info |= {"phone_number": user.phone_number, "phone_number_verified": True}
        if not auth.wants_identity:
            return info
        requested = auth.userinfo_claims()
        if user.identity != "P2":
            info[RETURN_CODE_CLAIM] = [{"code": c} for c in user.return_codes]
            return info
        if CORE_IDENTITY_CLAIM in requested:
            info[CORE_IDENTITY_CLAIM] = state.tokens.core_identity(
                client_id=auth.client_id, sub=grant.sub, user=user
            )
        if ADDRESS_CLAIM in requested:
            info[ADDRESS_CLAIM] = [dict(a) for a in user.addresses]
        return info

    @app.get("/logout", response_model=None)
    async def logout(request: Request) -> Response:
        id_token_hint = request.query_params.get("id_token_hint")
        post_logout_redirect_uri = request.query_params.get("post_logout_redirect_uri")
        logout_state = request.query_params.get("state")
        grant = None
        if id_token_hint:
            try:
                # An ID token past its expiry is still a fine hint; only its signature matters here.
                claims = jwt.decode(
                    id_token_hint, state.tokens.oidc_keys.key_set(), algorithms=["ES256"]
                ).claims
            except JoseError:
                return _error(400, "invalid_request", "id_token_hint is not a valid ID token")
            grant = state.sessions.take(str(claims.get("sid", "")))
            if grant is not None:
                await _notify_back_channel(grant.request.client_id, grant.sub, grant.sid)
            client = state.clients.get(str(claims.get("aud", "")))
            if (
                post_logout_redirect_uri
                and client
                and post_logout_redirect_uri in client.post_logout_redirect_uris
            ):
                return _redirect(post_logout_redirect_uri, {"state": logout_state})
        return HTMLResponse("<!doctype html><title>Signed out</title><h1>You have signed out</h1>")

    async def _notify_back_channel(client_id: str, sub: str, sid: str | None) -> int | None:
        """POST a logout token to the client's back-channel logout URI; its status, or None if unreachable."""
        client = state.clients.get(client_id)
        if client is None or not client.back_channel_logout_uri:
            return None
        logout_token = state.tokens.logout_token(client_id=client_id, sub=sub, sid=sid)
        try:
            response = await app.state.http.post(
                client.back_channel_logout_uri, data={"logout_token": logout_token}
            )
        except httpx.HTTPError:
            return None
        return int(response.status_code)

    # --- test controls ---------------------------------------------------------------------------

    @app.put("/_simulator/faults")
    async def set_fault(body: Fault) -> JSONResponse:
        try:
            state.tokens.set_fault(body.token, body.fault)
        except ValueError as exc:
            return _error(400, "invalid_request", str(exc))
        return JSONResponse({"faults": state.tokens.faults})

    @app.delete("/_simulator/faults")
    async def clear_faults() -> JSONResponse:
        state.tokens.faults.clear()
        return JSONResponse({"faults": {}})

    @app.post("/_simulator/clients")
    async def register_client(body: dict[str, Any]) -> JSONResponse:
        client = client_from_dict(body)
        state.clients[client.client_id] = client
        return JSONResponse({"client_id": client.client_id}, status_code=201)

    @app.post("/_simulator/rotate-keys")
    async def rotate_keys(retire_previous: bool = False) -> JSONResponse:
        state.tokens.oidc_keys.rotate(keep_previous=not retire_previous)
        state.tokens.identity_keys.rotate(keep_previous=not retire_previous)
        return JSONResponse({"kid": state.tokens.oidc_keys.current.kid})

    @app.post("/_simulator/back-channel-logout")
    async def trigger_back_channel_logout(body: BackChannelLogout) -> JSONResponse:
        status = await _notify_back_channel(body.client_id, body.sub, body.sid)
        return JSONResponse({"relying_party_status": status})

    @app.get("/health/live")
    @app.get("/health/ready")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    return app
