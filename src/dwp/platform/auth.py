"""Internal tokens: ES256 JWTs checked against a JWKS (issuer, audience, expiry, algorithm, key id),
and FastAPI dependencies that give a route its caller.

Until the identity service issues tokens, `dwp up` creates a local development signing key under
`.dwp/keys/` and `dwp token` mints tokens with it; services trust whichever JWKS the settings name.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx
from fastapi import Depends, Request
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet

from dwp.platform.http import shared_client
from dwp.platform.problems import Problem
from dwp.platform.settings import Settings

ALGORITHM = "ES256"
AUDIENCE = "dwp-platform"
CLOCK_SKEW_SECONDS = 30
DEV_KEY_FILE = "dev-signing-key.json"

PrincipalKind = Literal["citizen", "caseworker", "service"]
CASEWORKER = "caseworker"
TEAM_LEADER = "team-leader"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a citizen (with their citizen id), a caseworker (with roles) or a service."""

    subject: str
    kind: PrincipalKind
    roles: frozenset[str] = field(default_factory=frozenset)
    citizen_id: str | None = None
    level_of_confidence: str | None = None

    def has_role(self, role: str) -> bool:
        return role in self.roles


class Unauthenticated(Problem):
    def __init__(self, detail: str) -> None:
        super().__init__(
            401,
            "Unauthorised",
            detail,
            type_="unauthenticated",
            headers={"WWW-Authenticate": 'Bearer realm="dwp"'},
        )


class Forbidden(Problem):
    def __init__(self, detail: str) -> None:
        super().__init__(403, "Forbidden", detail, type_="forbidden")


class KeySource:
    """The issuer's public keys: from a JWKS URL (refetched when an unknown key id appears) or given."""

    def __init__(
        self,
        *,
        jwks_url: str | None = None,
        key_set: KeySet | None = None,
        http: httpx.AsyncClient | None = None,
        refetch_after_seconds: float = 30.0,
    ) -> None:
        if (jwks_url is None) == (key_set is None):
            raise ValueError("give exactly one of jwks_url and key_set")
        self._url = jwks_url
        self._keys = key_set
        self._fetched_at = 0.0
        self._http = http
        self._refetch_after = refetch_after_seconds
        self._lock = asyncio.Lock()

    async def key_set(self, kid: str | None) -> KeySet:
        if self._url is None:
            assert self._keys is not None
            return self._keys
        if self._keys is not None and any(k.kid == kid for k in self._keys.keys):
            return self._keys
        # One fetch at a time: the first burst of requests after a start must not each fetch the JWKS.
        async with self._lock:
            return await self._fetch_if_due(kid)

    async def _fetch_if_due(self, kid: str | None) -> KeySet:
        assert self._url is not None
        known = self._keys is not None and any(k.kid == kid for k in self._keys.keys)
        # Refetch on an unknown kid (rotation), but at most every 30 s so a forged kid can't flood the issuer.
        if self._keys is None or (not known and time.monotonic() - self._fetched_at > self._refetch_after):
            if self._http is not None:
                response = await self._http.get(self._url, timeout=3)
            else:
                async with shared_client(timeout=3) as client:
                    response = await client.get(self._url)
            response.raise_for_status()
            self._keys = KeySet.import_key_set(response.json())
            self._fetched_at = time.monotonic()
        return self._keys


class TokenVerifier:
    """Checks tokens; a token already checked is remembered until it expires.

    A signature check costs more than the rest of a profile read, and a client sends the same token
    many times in its short life; remembering it changes nothing a token can do, since a token cannot
    change and expiry is still enforced.
    """

    CACHE_SIZE = 10_000

    def __init__(self, keys: KeySource, *, issuer: str, audience: str = AUDIENCE) -> None:
        self._keys = keys
        self._checked: OrderedDict[str, tuple[float, Principal]] = OrderedDict()
        self._claims = jwt.JWTClaimsRegistry(
            leeway=CLOCK_SKEW_SECONDS,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": audience},
            exp={"essential": True},
            sub={"essential": True},
        )

    async def verify(self, token: str) -> Principal:
        remembered = self._checked.get(token)
        if remembered is not None and remembered[0] > time.time():
            self._checked.move_to_end(token)
            return remembered[1]
        principal, expires = await self._verify(token)
        self._checked[token] = (expires, principal)
        if len(self._checked) > self.CACHE_SIZE:
            self._checked.popitem(last=False)
        return principal

    async def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            header = _unverified_header(token)
            if header.get("alg") != ALGORITHM:
                raise Unauthenticated(f"tokens must be signed with {ALGORITHM}")
            keys = await self._keys.key_set(header.get("kid"))
            decoded = jwt.decode(token, keys, algorithms=[ALGORITHM])
            self._claims.validate(decoded.claims)
            if decoded.claims.get("iat", 0) > time.time() + CLOCK_SKEW_SECONDS:
                raise Unauthenticated("the token was issued in the future")
        except (JoseError, ValueError) as exc:
            raise Unauthenticated(f"the token is not valid: {exc.__class__.__name__}") from exc
        except httpx.HTTPError as exc:
            raise Problem(
                503,
                "Service unavailable",
                "The token issuer's keys cannot be fetched.",
                headers={"Retry-After": "5"},
            ) from exc
        return _principal(decoded.claims), float(decoded.claims["exp"])


def _unverified_header(token: str) -> dict[str, Any]:
    import base64

    try:
        head = token.split(".")[0]
        return dict(json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4))))
    except Exception as exc:
        raise ValueError("malformed token") from exc


def _principal(claims: dict[str, Any]) -> Principal:
    kind = claims.get("kind")
    if kind not in ("citizen", "caseworker", "service"):
        raise Unauthenticated("the token does not say who is calling")
    if kind == "citizen" and not claims.get("citizen_id"):
        raise Unauthenticated("a citizen token must carry a citizen id")
    return Principal(
        subject=str(claims["sub"]),
        kind=kind,
        # Roles count only on caseworker tokens: a citizen or service token that claims one gets none.
        roles=frozenset(claims.get("roles") or ()) if kind == "caseworker" else frozenset(),
        citizen_id=claims.get("citizen_id"),
        level_of_confidence=claims.get("loc"),
    )


# --- The local development issuer ---------------------------------------------------------------


def dev_key_path(settings: Settings) -> Path:
    return settings.keys_dir / DEV_KEY_FILE


def load_or_create_dev_key(settings: Settings) -> ECKey:
    path = dev_key_path(settings)
    if path.exists():
        return ECKey.import_key(json.loads(path.read_text()))
    key = ECKey.generate_key(
        "P-256", parameters={"kid": f"dev-{uuid.uuid4().hex[:8]}", "use": "sig"}, private=True
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(json.dumps(key.as_dict(private=True)))
    return key


def public_key_set(keys: Iterable[ECKey]) -> Any:
    return {"keys": [{**k.as_dict(private=False), "alg": ALGORITHM, "use": "sig"} for k in keys]}


def mint_token(
    key: ECKey,
    *,
    issuer: str,
    subject: str,
    kind: PrincipalKind,
    roles: Iterable[str] = (),
    citizen_id: str | None = None,
    level_of_confidence: str | None = None,
    audience: str = AUDIENCE,
    lifetime_seconds: int = 900,
    now: float | None = None,
) -> str:
    issued = int(now if now is not None else time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "kind": kind,
        "iat": issued,
        "exp": issued + lifetime_seconds,
        "jti": uuid.uuid4().hex,
    }
    if roles:
        claims["roles"] = sorted(roles)
    if citizen_id:
        claims["citizen_id"] = citizen_id
    if level_of_confidence:
        claims["loc"] = level_of_confidence
    return jwt.encode({"alg": ALGORITHM, "kid": key.kid, "typ": "JWT"}, claims, key)


def verifier_from_settings(settings: Settings) -> TokenVerifier:
    if settings.dwp_jwks_url:
        source = KeySource(jwks_url=settings.dwp_jwks_url)
    else:
        source = KeySource(key_set=KeySet.import_key_set(public_key_set([load_or_create_dev_key(settings)])))
    return TokenVerifier(source, issuer=settings.dwp_jwt_issuer)


# --- FastAPI dependencies -----------------------------------------------------------------------


async def current_principal(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("send a bearer token in the Authorization header")
    verifier: TokenVerifier = request.app.state.token_verifier
    return await verifier.verify(token.strip())


async def require_citizen(principal: Principal = Depends(current_principal)) -> Principal:
    if principal.kind != "citizen":
        raise Forbidden("this route is for citizens")
    return principal


def require_role(*roles: str) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency that lets through a caseworker holding any of `roles`."""

    async def dependency(principal: Principal = Depends(current_principal)) -> Principal:
        if principal.kind != "caseworker" or not principal.roles & set(roles):
            raise Forbidden(f"this route needs the {' or '.join(roles)} role")
        return principal

    return dependency
