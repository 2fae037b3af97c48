"""Staff sign-in: the relying party for the department's corporate OpenID Connect provider (shaped like
Microsoft Entra ID), whose ID tokens carry the member of staff's app roles in `roles`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jws import extract_compact

from dwp.identity.domain import STAFF_ROLES, PendingSignIn, SignInRejected
from dwp.identity.oidc import REFRESH_FLOOR_SECONDS, CachedDocument, KeyCache, ProviderUnavailable

LEEWAY_SECONDS = 30


@dataclass(frozen=True)
class StaffConfig:
    authority: str
    """`{base}/{tenant}`; discovery lives at `{authority}/v2.0/.well-known/openid-configuration`."""
    client_id: str
    client_secret: str
    redirect_uri: str
    post_logout_redirect_uri: str


@dataclass(frozen=True)
class StaffIdentity:
    oid: str
    name: str
    roles: tuple[str, ...]
    id_token: str


class StaffSignInClient:
    def __init__(
        self, config: StaffConfig, http: httpx.AsyncClient, *, refresh_floor: float = REFRESH_FLOOR_SECONDS
    ) -> None:
        self.config = config
        self._http = http
        self._refresh_floor = refresh_floor
        discovery = f"{config.authority}/v2.0/.well-known/openid-configuration"
        self._discovery = CachedDocument(discovery, http, refresh_floor=refresh_floor)
        self._keys: KeyCache | None = None

    async def metadata(self) -> dict[str, Any]:
        return await self._discovery.get()

    async def authorization_url(self, pending: PendingSignIn) -> str:
        meta = await self.metadata()
        return str(
            prepare_grant_uri(
                meta["authorization_endpoint"],
                client_id=self.config.client_id,
                response_type="code",
                redirect_uri=self.config.redirect_uri,
                scope="openid profile",
                state=pending.state,
                nonce=pending.nonce,
                code_challenge=create_s256_code_challenge(pending.code_verifier),
                code_challenge_method="S256",
            )
        )

    async def exchange_code(self, code: str, pending: PendingSignIn) -> StaffIdentity:
        meta = await self.metadata()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.config.redirect_uri,
            "client_id": self.config.client_id,
            "client_secret": self.config.client_secret,
            "code_verifier": pending.code_verifier,
        }
        response = await self._http.post(meta["token_endpoint"], data=form, timeout=10.0)
        if response.status_code != 200:
            raise SignInRejected(f"staff token request refused ({response.status_code})")
        id_token = response.json()["id_token"]
        claims = await self._validate(id_token, nonce=pending.nonce, issuer=meta["issuer"])
        roles = tuple(sorted(set(claims.get("roles") or ()) & STAFF_ROLES))
        if not roles:
            raise SignInRejected("this member of staff has no caseworker or team leader role")
        return StaffIdentity(
            oid=str(claims["oid"]), name=str(claims.get("name", "")), roles=roles, id_token=id_token
        )

    async def end_session_url(self) -> str:
        meta = await self.metadata()
        return (
            f"{meta['end_session_endpoint']}?post_logout_redirect_uri={self.config.post_logout_redirect_uri}"
        )

    async def _validate(self, id_token: str, *, nonce: str, issuer: str) -> dict[str, Any]:
        try:
            header = extract_compact(id_token.encode()).headers()
        except (JoseError, ValueError) as exc:
            raise SignInRejected("staff ID token is not a JWS") from exc
        if header.get("alg") != "RS256":
            raise SignInRejected(f"staff ID token uses {header.get('alg')!r}, not RS256")
        if self._keys is None:
            jwks_uri = (await self.metadata())["jwks_uri"]
            self._keys = KeyCache(CachedDocument(jwks_uri, self._http, refresh_floor=self._refresh_floor))
        try:
            token = jwt.decode(id_token, await self._keys.key_set(header.get("kid")), algorithms=["RS256"])
            jwt.JWTClaimsRegistry(
                leeway=LEEWAY_SECONDS,
                iss={"essential": True, "value": issuer},
                aud={"essential": True, "value": self.config.client_id},
                exp={"essential": True},
                iat={"essential": True},
                nonce={"essential": True, "value": nonce},
                oid={"essential": True},
            ).validate(token.claims)
        except (JoseError, ProviderUnavailable) as exc:
            raise SignInRejected(f"staff ID token rejected: {exc}") from exc
        return dict(token.claims)
