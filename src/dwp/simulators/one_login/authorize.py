"""Parse and check a request to `/authorize`, given as query parameters or as a signed request object.

The rules and error codes are those of One Login's "Authenticate your user" page: errors about the
client or its redirect URI are shown to the user (HTTP 400); every other error goes back to the
service's redirect URI (HTTP 302) with `error`, `error_description` and `state`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx
from joserfc.errors import JoseError

from dwp.simulators.one_login.registry import Client, verify_client_jwt

SUPPORTED_SCOPES = frozenset({"openid", "email", "phone", "wallet-subject-id"})
AUTH_ONLY = "Cl.Cm"
AUTH_AND_IDENTITY = "Cl.Cm.P2"
SUPPORTED_VECTORS = frozenset({AUTH_ONLY, AUTH_AND_IDENTITY})
OIDC_PARAMETERS = frozenset(
    {
        "redirect_uri",
        "state",
        "nonce",
        "vtr",
        "claims",
        "ui_locales",
        "code_challenge",
        "code_challenge_method",
        "prompt",
        "max_age",
        "response_mode",
    }
)


class BadAuthRequest(Exception):
    """The request cannot be trusted to redirect anywhere: answer with a 400 page."""


class AuthRedirectError(Exception):
    """The request names a valid client and redirect URI: send the error back there."""

    def __init__(self, error: str, description: str, *, redirect_uri: str, state: str | None) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.redirect_uri = redirect_uri
        self.state = state


@dataclass(frozen=True)
class AuthRequest:
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str | None
    nonce: str
    vtr: str
    claims: dict[str, Any] = field(default_factory=dict)
    code_challenge: str | None = None
    ui_locales: str | None = None

    @property
    def wants_identity(self) -> bool:
        return self.vtr == AUTH_AND_IDENTITY

    def userinfo_claims(self) -> set[str]:
        requested = self.claims.get("userinfo") or {}
        return set(requested) if isinstance(requested, dict) else set()


async def parse_authorize(
    query: dict[str, str],
    *,
    clients: dict[str, Client],
    authorization_endpoint: str,
    http: httpx.AsyncClient,
) -> AuthRequest:
    client_id = query.get("client_id")
    client = clients.get(client_id or "")
    if client is None:
        raise BadAuthRequest("Request is missing parameters: unknown or missing client_id")

    params = dict(query)
    if "request" in query:
        params = await _request_object_params(query, client, authorization_endpoint, http)

    redirect_uri = params.get("redirect_uri")
    if not redirect_uri or redirect_uri not in client.redirect_uris:
        raise BadAuthRequest("Invalid request: redirect_uri is not registered for this client")
    state = _as_str(params.get("state"))

    def fail(error: str, description: str) -> AuthRedirectError:
        return AuthRedirectError(error, description, redirect_uri=redirect_uri, state=state)

    if params.get("response_type") != "code":
        raise fail("unsupported_response_type", "Unsupported response")
    scopes = tuple(str(params.get("scope") or "").split())
    if "openid" not in scopes or not set(scopes) <= SUPPORTED_SCOPES or not set(scopes) <= set(client.scopes):
        raise fail("invalid_scope", "Invalid, unknown or malformed scope")
    nonce = _as_str(params.get("nonce"))
    if not nonce:
        raise fail("invalid_request", "Request is missing nonce parameter")
    vtr = _parse_vtr(params.get("vtr"))
    if vtr is None:
        raise fail("invalid_request", "Request vtr not valid")
    if vtr == AUTH_AND_IDENTITY and not client.identity_verification_supported:
        raise fail("invalid_request", "Request vtr not valid")
    claims = _parse_claims(params.get("claims"))
    if claims is None:
        raise fail("invalid_request", "Request contains invalid claims")

    challenge = _as_str(params.get("code_challenge"))
    method = _as_str(params.get("code_challenge_method"))
    if challenge and method != "S256":
        raise fail("invalid_request", "Invalid value for code_challenge_method parameter.")
    if method and not challenge:
        raise fail("invalid_request", "Request is missing code_challenge parameter")
    if client.pkce_enforced and not challenge:
        raise fail("invalid_request", "Request is missing code_challenge parameter, but PKCE is enforced.")

    return AuthRequest(
        client_id=client.client_id,
        redirect_uri=redirect_uri,
        scopes=scopes,
        state=state,
        nonce=nonce,
        vtr=vtr,
        claims=claims,
        code_challenge=challenge,
        ui_locales=_as_str(params.get("ui_locales")),
    )


async def _request_object_params(
    query: dict[str, str], client: Client, authorization_endpoint: str, http: httpx.AsyncClient
) -> dict[str, Any]:
    """Verify a JWT-secured authorisation request (JAR) and return the parameters it carries."""
    extra = OIDC_PARAMETERS & set(query)
    if extra:
        raise BadAuthRequest(f"Invalid request: {sorted(extra)} must be inside the request object only")
    try:
        token = await verify_client_jwt(query["request"], client, http)
    except JoseError as exc:
        raise BadAuthRequest(f"Invalid request: request object rejected ({exc.error})") from exc
    claims = token.claims
    if claims.get("iss") != client.client_id or claims.get("aud") != authorization_endpoint:
        raise BadAuthRequest("Invalid request: request object iss or aud is wrong")
    for name in ("response_type", "scope", "client_id"):
        if claims.get(name) != query.get(name):
            raise BadAuthRequest(f"Invalid request: {name} differs between the query and the request object")
    return dict(claims)


def _as_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _parse_vtr(raw: Any) -> str | None:
    """`vtr` is a JSON array holding one vector; absent means the medium level of authentication."""
    if raw is None or raw == "":
        return AUTH_ONLY
    vectors = raw
    if isinstance(raw, str):
        try:
            vectors = json.loads(raw)
        except ValueError:
            return None
    if not isinstance(vectors, list) or len(vectors) != 1 or vectors[0] not in SUPPORTED_VECTORS:
        return None
    return str(vectors[0])


def _parse_claims(raw: Any) -> dict[str, Any] | None:
    if raw is None or raw == "":
        return {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return None
    return raw if isinstance(raw, dict) else None
