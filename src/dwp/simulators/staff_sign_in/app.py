"""The staff sign-in simulator's HTTP interface, at Entra ID's v2.0 paths under a tenant id.

Discovery, keys, authorize (with a page to choose a member of staff), token (client secret, as a
confidential web app registered with Entra ID would use, plus PKCE) and logout.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import time
import tomllib
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel

from dwp.platform import catalog
from dwp.simulators.oidc import (
    ID_TOKEN_FAULTS,
    ExpiringStore,
    FormError,
    SigningKeys,
    apply_nonce_fault,
    chooser_page,
    expand_placeholders,
    random_token,
    read_form,
    s256_challenge,
    sign_with_fault,
)

_DATA = Path(__file__).parent / "staff.toml"
LOCAL_CLIENT_SECRET = "local-staff-sign-in-secret"  # noqa: S105 - the simulator's own local default
ID_TOKEN_LIFETIME = 3600


@dataclass(frozen=True)
class StaffMember:
    id: str
    name: str
    oid: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class StaffClient:
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...]


@dataclass(frozen=True)
class StaffGrant:
    client_id: str
    redirect_uri: str
    nonce: str | None
    code_challenge: str | None
    member: StaffMember


def load_directory(path: Path = _DATA) -> tuple[str, dict[str, StaffMember], dict[str, StaffClient]]:
    os.environ.setdefault("DWP_STAFF_SIGN_IN_CLIENT_SECRET", LOCAL_CLIENT_SECRET)
    data = tomllib.loads(path.read_text())
    staff = {s["id"]: StaffMember(s["id"], s["name"], s["oid"], tuple(s["roles"])) for s in data["staff"]}
    clients = {
        c["client_id"]: StaffClient(
            client_id=c["client_id"],
            client_secret=expand_placeholders(c["client_secret"]),
            redirect_uris=tuple(map(expand_placeholders, c["redirect_uris"])),
            post_logout_redirect_uris=tuple(map(expand_placeholders, c.get("post_logout_redirect_uris", ()))),
        )
        for c in data["clients"]
    }
    return data["tenant_id"], staff, clients


class StaffFault(BaseModel):
    """Switch a fault on (or off, with no fault) for the ID tokens staff sign-in signs."""

    token: Literal["id_token"]
    fault: str | None = None


def _error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def _redirect(uri: str, params: dict[str, str | None]) -> RedirectResponse:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return RedirectResponse(f"{uri}?{query}", status_code=302)


def create_app(*, base_url: str | None = None, clients: dict[str, StaffClient] | None = None) -> FastAPI:
    base = base_url or os.environ.get("DWP_STAFF_SIGN_IN_URL") or catalog.process("staff-sign-in").local_url
    base = base.rstrip("/")
    tenant, staff, default_clients = load_directory()
    registered = clients if clients is not None else default_clients
    authority = f"{base}/{tenant}"
    issuer = f"{authority}/v2.0"
    keys = SigningKeys(algorithm="RS256")
    pending: ExpiringStore[dict[str, Any]] = ExpiringStore(ttl_seconds=600)
    codes: ExpiringStore[StaffGrant] = ExpiringStore(ttl_seconds=300)
    faults: dict[str, str] = {}
    """Test control, as the One Login simulator's: what to get wrong in the ID tokens it signs."""

    app = FastAPI(title="Staff sign-in simulator (Entra ID shaped)", docs_url=None, redoc_url=None)

    @app.get(f"/{tenant}/v2.0/.well-known/openid-configuration")
    async def discovery() -> JSONResponse:
        return JSONResponse(
            {
                "issuer": issuer,
                "authorization_endpoint": f"{authority}/oauth2/v2.0/authorize",
                "token_endpoint": f"{authority}/oauth2/v2.0/token",
                "end_session_endpoint": f"{authority}/oauth2/v2.0/logout",
                "jwks_uri": f"{authority}/discovery/v2.0/keys",
                "response_types_supported": ["code"],
                "response_modes_supported": ["query"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid", "profile", "email", "offline_access"],
                "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
                "code_challenge_methods_supported": ["S256"],
                "claims_supported": [
                    "sub",
                    "iss",
                    "aud",
                    "exp",
                    "iat",
                    "nbf",
                    "name",
                    "nonce",
                    "oid",
                    "preferred_username",
                    "roles",
                    "tid",
                    "ver",
                ],
                "tenant_region_scope": "EU",
            }
        )

    @app.get(f"/{tenant}/discovery/v2.0/keys")
    async def jwks() -> JSONResponse:
        return JSONResponse(keys.public_jwks())

    @app.get(f"/{tenant}/oauth2/v2.0/authorize", response_model=None)
    async def authorize(request: Request) -> Response:
        q = request.query_params
        client = registered.get(q.get("client_id", ""))
        redirect_uri = q.get("redirect_uri", "")
        if client is None or redirect_uri not in client.redirect_uris:
            return _error(400, "invalid_request", "AADSTS50011: unknown client or redirect URI")
        if q.get("response_type") != "code" or "openid" not in q.get("scope", "").split():
            return _redirect(redirect_uri, {"error": "invalid_request", "state": q.get("state")})
        if q.get("code_challenge") and q.get("code_challenge_method") != "S256":
            return _redirect(redirect_uri, {"error": "invalid_request", "state": q.get("state")})
        interaction = random_token(16)
        pending.put(interaction, dict(q))
        page = chooser_page(
            title="Staff sign-in simulator",
            intro="Sign in as one of these members of staff.",
            action=f"/{tenant}/oauth2/v2.0/authorize/{interaction}",
            options=[(m.id, f"{m.name} [{', '.join(m.roles) or 'no role'}]") for m in staff.values()],
        )
        return HTMLResponse(page, headers={"X-Simulator-Interaction": interaction})

    @app.post(f"/{tenant}/oauth2/v2.0/authorize/{{interaction}}", response_model=None)
    async def choose(interaction: str, request: Request) -> Response:
        query = pending.take(interaction)
        try:
            member_id = (await read_form(request)).get("user_id", "")
        except FormError as exc:
            return _error(400, "invalid_request", str(exc))
        if query is None:
            return _error(400, "invalid_request", "Unknown or expired sign-in")
        member = staff.get(member_id)
        if member is None:
            return _redirect(query["redirect_uri"], {"error": "access_denied", "state": query.get("state")})
        code = random_token(24)
        codes.put(
            code,
            StaffGrant(
                query["client_id"],
                query["redirect_uri"],
                query.get("nonce"),
                query.get("code_challenge"),
                member,
            ),
        )
        return _redirect(query["redirect_uri"], {"code": code, "state": query.get("state")})

    @app.post(f"/{tenant}/oauth2/v2.0/token")
    async def token(request: Request) -> JSONResponse:
        try:
            form = await read_form(request)
        except FormError as exc:
            return _error(400, "invalid_request", str(exc))
        client = _authenticate(request, form)
        if client is None:
            return _error(401, "invalid_client", "AADSTS7000215: invalid client secret")
        if form.get("grant_type") != "authorization_code":
            return _error(400, "unsupported_grant_type", "only authorization_code")
        grant = codes.take(form.get("code", ""))
        if (
            grant is None
            or grant.client_id != client.client_id
            or grant.redirect_uri != form.get("redirect_uri")
        ):
            return _error(400, "invalid_grant", "AADSTS70000: invalid or expired code")
        if grant.code_challenge and s256_challenge(form.get("code_verifier", "")) != grant.code_challenge:
            return _error(400, "invalid_grant", "AADSTS501481: code_verifier does not match")
        now = int(time.time())
        claims: dict[str, Any] = {
            "aud": client.client_id,
            "iss": issuer,
            "iat": now,
            "nbf": now,
            "exp": now + ID_TOKEN_LIFETIME,
            "name": grant.member.name,
            "oid": grant.member.oid,
            "preferred_username": f"{grant.member.id}@dwp.example",
            "roles": list(grant.member.roles),
            "sub": grant.member.oid.replace("-", ""),
            "tid": tenant,
            "ver": "2.0",
            "uti": uuid.uuid4().hex,
        }
        if grant.nonce:
            claims["nonce"] = grant.nonce
        fault = faults.get("id_token")
        apply_nonce_fault(claims, fault)
        return JSONResponse(
            {
                "token_type": "Bearer",
                "scope": "openid profile",
                "expires_in": ID_TOKEN_LIFETIME,
                "access_token": random_token(32),
                "id_token": sign_with_fault(keys, claims, fault=fault, lifetime=ID_TOKEN_LIFETIME),
            },
            headers={"Cache-Control": "no-store"},
        )

    def _authenticate(request: Request, form: dict[str, str]) -> StaffClient | None:
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "basic":
            try:
                client_id, _, secret = base64.b64decode(value).decode().partition(":")
            except (ValueError, binascii.Error):
                return None
        client = registered.get(client_id)
        if client is None or not secret or not _same(secret, client.client_secret):
            return None
        return client

    @app.get(f"/{tenant}/oauth2/v2.0/logout", response_model=None)
    async def logout(request: Request) -> Response:
        target = request.query_params.get("post_logout_redirect_uri")
        allowed = {u for c in registered.values() for u in c.post_logout_redirect_uris}
        if target and target in allowed:
            return _redirect(target, {"state": request.query_params.get("state")})
        return HTMLResponse("<!doctype html><title>Signed out</title><h1>You have signed out</h1>")

    # --- test controls (the One Login simulator has the same) --------------------------------------

    @app.put("/_simulator/faults")
    async def set_fault(body: StaffFault) -> JSONResponse:
        if body.fault is None:
            faults.pop(body.token, None)
        elif body.fault not in ID_TOKEN_FAULTS:
            return _error(400, "invalid_request", f"choose a fault from {sorted(ID_TOKEN_FAULTS)}")
        else:
            faults[body.token] = body.fault
        return JSONResponse({"faults": faults})

    @app.delete("/_simulator/faults")
    async def clear_faults() -> JSONResponse:
        faults.clear()
        return JSONResponse({"faults": {}})

    @app.get("/health/live")
    @app.get("/health/ready")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    app.state.tenant = tenant
    app.state.issuer = issuer
    return app


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
