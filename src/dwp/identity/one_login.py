"""The GOV.UK One Login relying party: authorisation URL, token exchange, and every check its
technical documentation asks of a service (docs.sign-in.service.gov.uk, "Authenticate your user",
"Prove your user's identity", "Managing your users' sessions").

Authlib builds the authorisation request, the PKCE challenge and the private_key_jwt client
assertion; joserfc verifies every JWT. Nothing here parses or signs a token by hand.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7523 import private_key_jwt_sign
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwk, jwt
from joserfc.errors import JoseError
from joserfc.jws import extract_compact

from dwp.identity.domain import (
    IdentityNotProven,
    LogoutTokenRejected,
    PendingSignIn,
    SignInRejected,
    vector_for,
)
from dwp.identity.oidc import REFRESH_FLOOR_SECONDS, CachedDocument, KeyCache, ProviderUnavailable

CORE_IDENTITY_CLAIM = "https://vocab.account.gov.uk/v1/coreIdentityJWT"
ADDRESS_CLAIM = "https://vocab.account.gov.uk/v1/address"
RETURN_CODE_CLAIM = "https://vocab.account.gov.uk/v1/returnCode"
BACK_CHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
LEEWAY_SECONDS = 30
USER_AGENT = "dwp-benefits-identity/1.0"
"""One Login answers 403 to token and userinfo requests without a User-Agent."""


@dataclass(frozen=True)
class OneLoginConfig:
    issuer_url: str
    """One Login's base URL; its discovery document is at /.well-known/openid-configuration."""
    client_id: str
    redirect_uri: str
    post_logout_redirect_uri: str
    identity_issuer: str
    did_url: str
    """The only DID document trusted for the identity JWT: a kid is never resolved to a URL."""
    client_key: jwk.ECKey


@dataclass(frozen=True)
class Tokens:
    access_token: str
    id_token: str
    claims: dict[str, Any]


class OneLoginClient:
    def __init__(
        self, config: OneLoginConfig, http: httpx.AsyncClient, *, refresh_floor: float = REFRESH_FLOOR_SECONDS
    ) -> None:
        self.config = config
        self._http = http
        self._refresh_floor = refresh_floor
        discovery_url = f"{config.issuer_url.rstrip('/')}/.well-known/openid-configuration"
        self._discovery = CachedDocument(discovery_url, http, refresh_floor=refresh_floor)
        self._jwks: KeyCache | None = None
        self._did = KeyCache(CachedDocument(config.did_url, http, refresh_floor=refresh_floor), did=True)

    async def metadata(self) -> dict[str, Any]:
        return await self._discovery.get()

    async def _oidc_keys(self) -> KeyCache:
        if self._jwks is None:
            jwks_uri = (await self.metadata())["jwks_uri"]
            self._jwks = KeyCache(CachedDocument(jwks_uri, self._http, refresh_floor=self._refresh_floor))
        return self._jwks

    def client_jwks(self) -> dict[str, Any]:
        """The public half of the client key, as registered with One Login."""
        return {"keys": [self.config.client_key.as_dict(private=False) | {"use": "sig", "alg": "ES256"}]}

    async def authorization_url(self, pending: PendingSignIn, *, ui_locales: str = "en") -> str:
        meta = await self.metadata()
        params: dict[str, Any] = {
            "nonce": pending.nonce,
            "vtr": json.dumps([vector_for(pending.confidence)]),
            "ui_locales": ui_locales,
            "code_challenge": create_s256_code_challenge(pending.code_verifier),
            "code_challenge_method": "S256",
        }
        if pending.confidence == "P2":
            params["claims"] = json.dumps(
                {"userinfo": {CORE_IDENTITY_CLAIM: None, ADDRESS_CLAIM: None, RETURN_CODE_CLAIM: None}}
            )
        return str(
            prepare_grant_uri(
                meta["authorization_endpoint"],
                client_id=self.config.client_id,
                response_type="code",
                redirect_uri=self.config.redirect_uri,
                scope="openid email phone",
                state=pending.state,
                **params,
            )
        )

    async def exchange_code(self, code: str, pending: PendingSignIn) -> Tokens:
        meta = await self.metadata()
        assertion = private_key_jwt_sign(
            self.config.client_key,
            client_id=self.config.client_id,
            token_endpoint=meta["token_endpoint"],
            alg="ES256",
            header={"kid": self.config.client_key.kid},
            expires_in=300,
        )
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.config.redirect_uri,
            "client_assertion_type": JWT_BEARER,
            "client_assertion": assertion,
            "code_verifier": pending.code_verifier,
        }
        response = await self._http.post(
            meta["token_endpoint"], data=form, headers={"User-Agent": USER_AGENT}, timeout=10.0
        )
        if response.status_code != 200:
            raise SignInRejected(f"token request refused: {_oauth_error(response)}")
        body = response.json()
        claims = await self.validate_id_token(body["id_token"], nonce=pending.nonce)
        return Tokens(access_token=body["access_token"], id_token=body["id_token"], claims=claims)

    async def validate_id_token(self, id_token: str, *, nonce: str) -> dict[str, Any]:
        """Every check of "Validate your ID token", in its order."""
        meta = await self.metadata()
        token = await self._verify(id_token, await self._oidc_keys(), "ID token")
        registry = jwt.JWTClaimsRegistry(
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": meta["issuer"]},
            aud={"essential": True, "value": self.config.client_id},
            exp={"essential": True},
            iat={"essential": True},
            sub={"essential": True},
            nonce={"essential": True, "value": nonce},
            # vot holds the credential trust level only, even for an identity request.
            vot={"essential": True, "value": "Cl.Cm"},
        )
        _validate(registry, token.claims, "ID token")
        return dict(token.claims)

    async def userinfo(self, access_token: str) -> dict[str, Any]:
        meta = await self.metadata()
        response = await self._http.get(
            meta["userinfo_endpoint"],
            headers={"Authorization": f"Bearer {access_token}", "User-Agent": USER_AGENT},
            timeout=10.0,
        )
        if response.status_code != 200:
            raise SignInRejected(f"userinfo refused: {response.status_code}")
        info: dict[str, Any] = response.json()
        return info

    async def verify_core_identity(self, info: dict[str, Any], *, sub: str) -> dict[str, Any]:
        """The checks of "Validate your user's identity credential": ES256, the DID key, iss, aud,
        sub equal to the ID token's, exp, and a vector of trust of at least P2."""
        raw = info.get(CORE_IDENTITY_CLAIM)
        if not raw:
            codes = [c.get("code") for c in info.get(RETURN_CODE_CLAIM) or []]
            raise IdentityNotProven(f"One Login could not prove this identity (return codes {codes})")
        token = await self._verify(raw, self._did, "identity credential")
        controller = str(token.header.get("kid", "")).partition("#")[0]
        if controller != await self._did.did_id():
            raise SignInRejected("identity credential was signed by a key outside the trusted DID document")
        registry = jwt.JWTClaimsRegistry(
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": self.config.identity_issuer},
            aud={"essential": True, "value": self.config.client_id},
            sub={"essential": True, "value": sub},
            exp={"essential": True},
            vot={"essential": True, "value": "P2"},
        )
        _validate(registry, token.claims, "identity credential")
        subject = (token.claims.get("vc") or {}).get("credentialSubject")
        if not isinstance(subject, dict):
            raise SignInRejected("identity credential has no credentialSubject")
        return subject

    async def validate_logout_token(self, logout_token: str) -> dict[str, Any]:
        """OIDC Back-Channel Logout 1.0 section 2.6, as listed under "Validate your logout token"."""
        meta = await self.metadata()
        try:
            token = await self._verify(logout_token, await self._oidc_keys(), "logout token")
        except SignInRejected as exc:
            raise LogoutTokenRejected(str(exc)) from exc
        registry = jwt.JWTClaimsRegistry(
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": meta["issuer"]},
            aud={"essential": True, "value": self.config.client_id},
            iat={"essential": True},
            exp={"essential": True},
            sub={"essential": True},
            jti={"essential": True},
        )
        try:
            registry.validate(token.claims)
        except JoseError as exc:
            raise LogoutTokenRejected(f"logout token claim check failed: {exc.error}") from exc
        events = token.claims.get("events")
        if not isinstance(events, dict) or events.get(BACK_CHANNEL_LOGOUT_EVENT) != {}:
            raise LogoutTokenRejected("logout token has no back-channel logout event")
        if "nonce" in token.claims:
            raise LogoutTokenRejected("a logout token must not contain a nonce")
        return dict(token.claims)

    async def end_session_url(self, *, id_token_hint: str, state: str) -> str:
        meta = await self.metadata()
        query = urlencode(
            {
                "id_token_hint": id_token_hint,
                "post_logout_redirect_uri": self.config.post_logout_redirect_uri,
                "state": state,
            }
        )
        return f"{meta['end_session_endpoint']}?{query}"

    async def _verify(self, value: str, keys: KeyCache, what: str) -> jwt.Token:
        """Signature check: the header must name an ES256 key that the provider publishes."""
        try:
            header = extract_compact(value.encode()).headers()
        except (JoseError, ValueError) as exc:
            raise SignInRejected(f"{what} is not a JWS") from exc
        if header.get("alg") != "ES256":
            raise SignInRejected(f"{what} uses algorithm {header.get('alg')!r}, not ES256")
        try:
            key_set = await keys.key_set(header.get("kid"))
        except ProviderUnavailable as exc:
            raise SignInRejected(f"cannot fetch the keys to check the {what}") from exc
        try:
            return jwt.decode(value, key_set, algorithms=["ES256"])
        except JoseError as exc:
            raise SignInRejected(f"{what} signature check failed: {exc.error}") from exc


def _validate(registry: jwt.JWTClaimsRegistry, claims: dict[str, Any], what: str) -> None:
    try:
        registry.validate(claims)
    except JoseError as exc:
        raise SignInRejected(
            f"{what} claim check failed: {exc.error} {exc.description or ''}".strip()
        ) from exc


def _oauth_error(response: httpx.Response) -> str:
    try:
        return str(response.json().get("error", response.status_code))
    except ValueError:
        return str(response.status_code)
