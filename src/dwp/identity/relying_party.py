"""The OpenID Connect relying party: one class for GOV.UK One Login (citizens) and the department's staff
sign-in provider (caseworkers, shaped like Microsoft Entra ID). Discovery, the provider's keys, the
authorisation request with PKCE, the code exchange and every ID-token check are written once; what differs
between the two providers is configuration (`RelyingPartyConfig`, built by `one_login_config` and
`staff_sign_in_config`).

One Login's checks follow its technical documentation (docs.sign-in.service.gov.uk, "Authenticate your
user", "Prove your user's identity", "Managing your users' sessions"); staff sign-in's follow the
Microsoft identity platform's v2.0 endpoints. Authlib builds the authorisation request, the PKCE
challenge and the private_key_jwt client assertion; joserfc verifies every JWT. Nothing here parses or
signs a token by hand.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
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
class IdentityCredentialConfig:
    """Where a provider that proves identities (One Login) publishes what checks its identity credential."""

    issuer: str
    did_url: str
    """The only DID document trusted for the identity JWT: a kid is never resolved to a URL."""
    claims: tuple[str, ...] = (CORE_IDENTITY_CLAIM, ADDRESS_CLAIM, RETURN_CODE_CLAIM)
    """The userinfo claims asked for when a sign-in needs a proven identity (P2)."""


@dataclass(frozen=True)
class RelyingPartyConfig:
    """What one provider needs of us, and what we check of it."""

    label: str
    """How errors name the provider ("One Login", "staff sign-in")."""
    discovery_url: str
    client_id: str
    redirect_uri: str
    post_logout_redirect_uri: str
    scope: str
    signature_alg: Literal["ES256", "RS256"]
    """The one algorithm the provider's ID and logout tokens may be signed with."""
    id_token_claims: Mapping[str, str | None] = field(default_factory=dict)
    """Claims the ID token must carry beyond iss, aud, exp, iat and nonce: a value it must equal, or None
    for any value."""
    client_key: jwk.ECKey | None = None
    """Client authentication by `private_key_jwt` (ES256), as One Login asks; else `client_secret`."""
    client_secret: str | None = None
    """Client authentication by `client_secret_post`."""
    vectors_of_trust: bool = False
    """Ask for a vector of trust (`vtr`) per level of confidence, as One Login defines them."""
    ui_locales: str | None = None
    identity: IdentityCredentialConfig | None = None

    def __post_init__(self) -> None:
        if (self.client_key is None) == (self.client_secret is None):
            raise ValueError(f"{self.label}: give exactly one of a client key and a client secret")


def one_login_config(
    *,
    issuer_url: str,
    client_id: str,
    client_key: jwk.ECKey,
    redirect_uri: str,
    post_logout_redirect_uri: str,
    identity_issuer: str,
    did_url: str,
) -> RelyingPartyConfig:
    """GOV.UK One Login: private_key_jwt, ES256 ID tokens whose `vot` is the credential trust level only
    (even for an identity request), vectors of trust, and the identity credential for P2."""
    return RelyingPartyConfig(
        label="One Login",
        discovery_url=f"{issuer_url.rstrip('/')}/.well-known/openid-configuration",
        client_id=client_id,
        redirect_uri=redirect_uri,
        post_logout_redirect_uri=post_logout_redirect_uri,
        scope="openid email phone",
        signature_alg="ES256",
        id_token_claims={"sub": None, "vot": "Cl.Cm"},
        client_key=client_key,
        vectors_of_trust=True,
        ui_locales="en",
        identity=IdentityCredentialConfig(issuer=identity_issuer, did_url=did_url),
    )


def staff_sign_in_config(
    *, authority: str, client_id: str, client_secret: str, redirect_uri: str, post_logout_redirect_uri: str
) -> RelyingPartyConfig:
    """Staff sign-in: a confidential client (`client_secret_post`) of an Entra-shaped tenant whose
    discovery lives at `{authority}/v2.0/...` and whose RS256 ID tokens name the member of staff (`oid`)
    and carry their app roles in `roles`."""
    return RelyingPartyConfig(
        label="staff sign-in",
        discovery_url=f"{authority}/v2.0/.well-known/openid-configuration",
        client_id=client_id,
        redirect_uri=redirect_uri,
        post_logout_redirect_uri=post_logout_redirect_uri,
        scope="openid profile",
        signature_alg="RS256",
        id_token_claims={"oid": None},
        client_secret=client_secret,
    )


@dataclass(frozen=True)
class Tokens:
    access_token: str
    id_token: str
    claims: dict[str, Any]
    """The ID token's claims, every check passed."""


class RelyingParty:
    def __init__(
        self,
        config: RelyingPartyConfig,
        http: httpx.AsyncClient,
        *,
        refresh_floor: float = REFRESH_FLOOR_SECONDS,
    ) -> None:
        self.config = config
        self._http = http
        self._refresh_floor = refresh_floor
        self._discovery = CachedDocument(config.discovery_url, http, refresh_floor=refresh_floor)
        self._jwks: KeyCache | None = None
        self._did = (
            KeyCache(CachedDocument(config.identity.did_url, http, refresh_floor=refresh_floor), did=True)
            if config.identity
            else None
        )

    async def metadata(self) -> dict[str, Any]:
        return await self._discovery.get()

    async def _provider_keys(self) -> KeyCache:
        if self._jwks is None:
            jwks_uri = (await self.metadata())["jwks_uri"]
            self._jwks = KeyCache(CachedDocument(jwks_uri, self._http, refresh_floor=self._refresh_floor))
        return self._jwks

    def client_jwks(self) -> dict[str, Any]:
        """The public half of the client key, as registered with the provider (none for a secret)."""
        key = self.config.client_key
        return {"keys": [key.as_dict(private=False) | {"use": "sig", "alg": "ES256"}] if key else []}

    async def authorization_url(self, pending: PendingSignIn, *, ui_locales: str | None = None) -> str:
        """The provider's authorisation URL; `ui_locales` (One Login: the person's chosen language)
        overrides the configured one for providers that take it."""
        meta = await self.metadata()
        params: dict[str, Any] = {
            "nonce": pending.nonce,
            "code_challenge": create_s256_code_challenge(pending.code_verifier),
            "code_challenge_method": "S256",
        }
        if self.config.vectors_of_trust:
            params["vtr"] = json.dumps([vector_for(pending.confidence)])
        if self.config.ui_locales:
            params["ui_locales"] = ui_locales or self.config.ui_locales
        if self.config.identity and pending.confidence == "P2":
            params["claims"] = json.dumps({"userinfo": dict.fromkeys(self.config.identity.claims)})
        return str(
            prepare_grant_uri(
                meta["authorization_endpoint"],
                client_id=self.config.client_id,
                response_type="code",
                redirect_uri=self.config.redirect_uri,
                scope=self.config.scope,
                state=pending.state,
                **params,
            )
        )

    def _client_authentication(self, token_endpoint: str) -> dict[str, str]:
        key = self.config.client_key
        if key is None:
            return {"client_id": self.config.client_id, "client_secret": self.config.client_secret or ""}
        assertion = private_key_jwt_sign(
            key,
            client_id=self.config.client_id,
            token_endpoint=token_endpoint,
            alg="ES256",
            header={"kid": key.kid},
            expires_in=300,
        )
        return {"client_assertion_type": JWT_BEARER, "client_assertion": assertion}

    async def exchange_code(self, code: str, pending: PendingSignIn) -> Tokens:
        meta = await self.metadata()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.config.redirect_uri,
            "code_verifier": pending.code_verifier,
        } | self._client_authentication(meta["token_endpoint"])
        response = await self._http.post(
            meta["token_endpoint"], data=form, headers={"User-Agent": USER_AGENT}, timeout=10.0
        )
        if response.status_code != 200:
            raise SignInRejected(f"{self.config.label} token request refused: {_oauth_error(response)}")
        body = response.json()
        claims = await self.validate_id_token(body["id_token"], nonce=pending.nonce)
        return Tokens(access_token=body["access_token"], id_token=body["id_token"], claims=claims)

    async def validate_id_token(self, id_token: str, *, nonce: str) -> dict[str, Any]:
        """Every check of One Login's "Validate your ID token", in its order: the signature by a key the
        provider publishes with the configured algorithm, then iss, aud, exp, iat, nonce and the
        provider's own claims."""
        meta = await self.metadata()
        what = f"{self.config.label} ID token"
        token = await self._verify(id_token, await self._provider_keys(), what, self.config.signature_alg)
        options: dict[str, jwt.ClaimsOption] = {
            "iss": {"essential": True, "value": meta["issuer"]},
            "aud": {"essential": True, "value": self.config.client_id},
            "exp": {"essential": True},
            "iat": {"essential": True},
            "nonce": {"essential": True, "value": nonce},
        }
        options.update((name, _essential(value)) for name, value in self.config.id_token_claims.items())
        registry = jwt.JWTClaimsRegistry(None, LEEWAY_SECONDS, **options)
        _validate(registry, token.claims, what)
        return dict(token.claims)

    async def userinfo(self, access_token: str) -> dict[str, Any]:
        meta = await self.metadata()
        response = await self._http.get(
            meta["userinfo_endpoint"],
            headers={"Authorization": f"Bearer {access_token}", "User-Agent": USER_AGENT},
            timeout=10.0,
        )
        if response.status_code != 200:
            raise SignInRejected(f"{self.config.label} userinfo refused: {response.status_code}")
        info: dict[str, Any] = response.json()
        return info

    async def verify_core_identity(self, info: dict[str, Any], *, sub: str) -> dict[str, Any]:
        """The checks of "Validate your user's identity credential": ES256, the DID key, iss, aud,
        sub equal to the ID token's, exp, and a vector of trust of at least P2."""
        identity, did = self.config.identity, self._did
        if identity is None or did is None:
            raise IdentityNotProven(f"{self.config.label} does not prove identities")
        raw = info.get(CORE_IDENTITY_CLAIM)
        if not raw:
            codes = [c.get("code") for c in info.get(RETURN_CODE_CLAIM) or []]
            raise IdentityNotProven(f"One Login could not prove this identity (return codes {codes})")
        token = await self._verify(raw, did, "identity credential", "ES256")
        controller = str(token.header.get("kid", "")).partition("#")[0]
        if controller != await did.did_id():
            raise SignInRejected("identity credential was signed by a key outside the trusted DID document")
        registry = jwt.JWTClaimsRegistry(
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": identity.issuer},
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
            token = await self._verify(
                logout_token, await self._provider_keys(), "logout token", self.config.signature_alg
            )
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

    async def end_session_url(self, *, id_token_hint: str | None = None, state: str | None = None) -> str:
        """RP-initiated logout: the provider's end-session endpoint, back to our signed-out page."""
        meta = await self.metadata()
        params = {
            "id_token_hint": id_token_hint,
            "post_logout_redirect_uri": self.config.post_logout_redirect_uri,
            "state": state,
        }
        query = urlencode({name: value for name, value in params.items() if value is not None})
        return f"{meta['end_session_endpoint']}?{query}"

    async def _verify(self, value: str, keys: KeyCache, what: str, alg: str) -> jwt.Token:
        """Signature check: the header must name a key of the one expected algorithm that the provider
        publishes."""
        try:
            header = extract_compact(value.encode()).headers()
        except (JoseError, ValueError) as exc:
            raise SignInRejected(f"{what} is not a JWS") from exc
        if header.get("alg") != alg:
            raise SignInRejected(f"{what} uses algorithm {header.get('alg')!r}, not {alg}")
        try:
            key_set = await keys.key_set(header.get("kid"))
        except ProviderUnavailable as exc:
            raise SignInRejected(f"cannot fetch the keys to check the {what}") from exc
        try:
            return jwt.decode(value, key_set, algorithms=[alg])
        except JoseError as exc:
            raise SignInRejected(f"{what} signature check failed: {exc.error}") from exc


def _essential(value: str | None) -> jwt.ClaimsOption:
    return {"essential": True} if value is None else {"essential": True, "value": value}


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
