"""Internal tokens: ES256 JWTs checked against a JWKS (issuer, audience, expiry, algorithm, key id),
and FastAPI dependencies that give a route its caller.

Until the identity service issues tokens, `dwp up` creates a local development signing key under
`.dwp/keys/` and `dwp token` mints tokens with it; services trust whichever JWKS the settings name.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Annotated, Any

import httpx
from fastapi import Depends, Header, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from dwp.platform.errors import (
    CallerNotAllowed,
    ConfidenceTooLow,
    DependencyUnavailable,
    Forbidden,
    Unauthenticated,
)
from dwp.platform.http import shared_client
from dwp.platform.settings import Settings

# Minting and the local development key live apart, so `dwp token` runs without FastAPI or httpx.
from dwp.platform.signing import (  # noqa: F401 - re-exported: the services' and tests' import path
    ALGORITHM,
    AUDIENCE,
    DEV_KEY_FILE,
    MAX_TOKEN_SECONDS,
    PrincipalKind,
    dev_key_path,
    load_or_create_dev_key,
    mint_token,
    public_key_set,
)

__all__ = [
    "CASEWORKER",
    "TEAM_LEADER",
    "Actor",
    "Authenticated",
    "Caseworker",
    "CitizenPrincipal",
    "ConfidenceTooLow",
    "Forbidden",
    "Principal",
    "ServiceCaller",
    "StaffOrService",
    "TeamLeader",
    "Unauthenticated",
    "allow_callers",
    "check_confidence",
    "require_confidence",
    "verify_token",
]

CLOCK_SKEW_SECONDS = 30
CASEWORKER = "caseworker"
TEAM_LEADER = "team-leader"
STAFF_ROLES = frozenset({CASEWORKER, TEAM_LEADER})
LEVELS_OF_CONFIDENCE = ("P0", "P1", "P2", "P3", "P4")
"""GPG 45 levels of confidence, lowest first (One Login proves P2 for "medium")."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: a citizen (with their citizen id), a caseworker (with roles) or a service."""

    subject: str
    kind: PrincipalKind
    roles: frozenset[str] = field(default_factory=frozenset)
    citizen_id: str | None = None
    level_of_confidence: str | None = None

    def has_role(self, role: str) -> bool:
        # Roles mean something only on a caseworker token (they are empty on any other kind anyway).
        return self.kind == "caseworker" and role in self.roles

    @property
    def is_staff(self) -> bool:
        return self.kind == "caseworker" and bool(self.roles & STAFF_ROLES)


@dataclass(frozen=True)
class Actor:
    """Who is acting, as an audit log records them."""

    subject: str
    kind: str
    request_id: str | None = None

    @staticmethod
    def of(principal: Principal, request: Request | None = None) -> Actor:
        request_id = getattr(request.state, "request_id", None) if request is not None else None
        return Actor(subject=principal.subject, kind=principal.kind, request_id=request_id)


class KeySource:
    """The issuer's public keys: from a JWKS URL (refetched when an unknown key id appears) or given."""

    REFETCH_AFTER_SECONDS = 30.0
    """At most one refetch this often, so that forged key ids cannot flood the issuer. The identity
    service publishes a new key this long (and more) before signing with it."""

    def __init__(
        self,
        *,
        jwks_url: str | None = None,
        key_set: KeySet | None = None,
        http: httpx.AsyncClient | None = None,
        refetch_after_seconds: float = REFETCH_AFTER_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if (jwks_url is None) == (key_set is None):
            raise ValueError("give exactly one of jwks_url and key_set")
        self._url = jwks_url
        self._keys = key_set
        self._fetched_at = 0.0
        self._http = http
        self._refetch_after = refetch_after_seconds
        self._clock = clock
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
        if self._keys is None or (not known and self._clock() - self._fetched_at > self._refetch_after):
            if self._http is not None:
                response = await self._http.get(self._url, timeout=3)
            else:
                async with shared_client(timeout=3) as client:
                    response = await client.get(self._url)
            response.raise_for_status()
            self._keys = KeySet.import_key_set(response.json())
            self._fetched_at = self._clock()
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
            raise DependencyUnavailable(
                "The token issuer's keys cannot be fetched.", dependency="identity"
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
    # Roles count only on caseworker tokens: a citizen or service token that carries roles gets none.
    roles = claims.get("roles") if kind == "caseworker" else None
    if roles is not None and not (isinstance(roles, list) and all(isinstance(r, str) for r in roles)):
        raise Unauthenticated("the token's roles are not a list of names")
    return Principal(
        subject=str(claims["sub"]),
        kind=kind,
        roles=frozenset(roles or ()),
        citizen_id=claims.get("citizen_id"),
        level_of_confidence=claims.get("loc"),
    )


def verifier_from_settings(settings: Settings) -> TokenVerifier:
    if settings.dwp_jwks_url:
        source = KeySource(jwks_url=settings.dwp_jwks_url)
    else:
        source = KeySource(key_set=KeySet.import_key_set(public_key_set([load_or_create_dev_key(settings)])))
    return TokenVerifier(source, issuer=settings.dwp_jwt_issuer)


# --- FastAPI dependencies, as `Annotated` aliases --------------------------------------------------
#
# A route says who may call it in its signature, as the FastAPI full-stack template's `deps.py` does:
#
#     async def read(citizen_id: str, principal: CitizenPrincipal) -> ...
#     async def search(body: NinoSearch, principal: Caseworker) -> ...
#     async def register(body: ..., principal: Annotated[Principal, require_confidence("P2")]) -> ...
#     async def create(body: ..., caller: Annotated[Principal, allow_callers("identity")]) -> ...


# The bearer scheme only reads the header (and names the scheme in OpenAPI, so each operation that needs
# a token says so); a missing or malformed header is refused here, as a problem, not by the scheme.
_bearer = HTTPBearer(auto_error=False, description="An internal token (ES256 JWT) from the identity service.")


async def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None or not credentials.credentials.strip():
        raise Unauthenticated("send a bearer token in the Authorization header")
    verifier: TokenVerifier = request.app.state.token_verifier
    return await verifier.verify(credentials.credentials.strip())


Authenticated = Annotated[Principal, Depends(current_principal)]
"""Anyone with a valid token; the route decides by kind (for example a profile that its citizen or a
caseworker may read)."""


async def require_citizen(principal: Authenticated) -> Principal:
    if principal.kind != "citizen":
        raise Forbidden("this route is for citizens")
    return principal


CitizenPrincipal = Annotated[Principal, Depends(require_citizen)]
"""A citizen token (it always carries the citizen id)."""


def require_role(*roles: str) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency that lets through a caseworker token holding any of `roles`."""

    async def dependency(principal: Authenticated) -> Principal:
        if principal.kind != "caseworker" or not principal.roles & set(roles):
            raise Forbidden(f"this route needs the {' or '.join(roles)} role")
        return principal

    return dependency


Caseworker = Annotated[Principal, Depends(require_role(CASEWORKER, TEAM_LEADER))]
"""A member of staff: a caseworker token with the caseworker or team-leader role."""

TeamLeader = Annotated[Principal, Depends(require_role(TEAM_LEADER))]
"""A member of staff with the team-leader role (a subject access export: decision 0011)."""


async def require_service(principal: Authenticated) -> Principal:
    if principal.kind != "service":
        raise Forbidden("this route is for platform services")
    return principal


ServiceCaller = Annotated[Principal, Depends(require_service)]
"""Any platform service; its token's subject names it (`principal.subject == "claims"`)."""


def allow_callers(*callers: str) -> Any:
    """`Annotated[Principal, allow_callers("identity")]`: a service token from one of `callers` only."""
    allowed = tuple(callers)

    async def dependency(principal: ServiceCaller) -> Principal:
        if principal.subject not in allowed:
            raise CallerNotAllowed(
                f"this route serves {', '.join(allowed)}, not {principal.subject}",
                caller=principal.subject,
                allowed=allowed,
            )
        return principal

    # Named in OpenAPI as roles on the route's bearer requirement, as `require_confidence` is.
    return Security(dependency, scopes=[caller_scope(c) for c in allowed])


def caller_scope(caller: str) -> str:
    """How OpenAPI names a service that an internal route allows: a role on its bearer requirement."""
    return f"caller:{caller}"


async def require_staff_or_service(principal: Authenticated) -> Principal:
    if principal.kind == "service" or principal.is_staff:
        return principal
    raise Forbidden("this route is for caseworkers and platform services")


StaffOrService = Annotated[Principal, Depends(require_staff_or_service)]
"""A caseworker (with a staff role) or any platform service."""


def require_confidence(level: str) -> Any:
    """`Annotated[Principal, require_confidence("P2")]`: a citizen whose identity is proven to `level`.

    A token below it (P0: signed in but not proven; P1) is refused with a 403 problem that names the
    level needed and the level the token has."""
    if level not in LEVELS_OF_CONFIDENCE:
        raise ValueError(f"unknown level of confidence {level!r}")

    async def dependency(principal: CitizenPrincipal) -> Principal:
        return check_confidence(principal, level)

    # As an OpenAPI 3.1 security role on the bearer scheme, so the document says which routes need it
    # (and a test generated from it can check each one refuses lower levels).
    return Security(dependency, scopes=[confidence_scope(level)])


def confidence_scope(level: str) -> str:
    """How OpenAPI names a route's required level: a role on its bearer security requirement."""
    return f"level-of-confidence:{level}"


def check_confidence(principal: Principal, level: str) -> Principal:
    """The citizen `principal`, if its identity is proven to `level`; else `ConfidenceTooLow` (403),
    saying what is missing. Also for a token a service forwards on a citizen's behalf."""
    actual = principal.level_of_confidence
    if (
        principal.kind != "citizen"
        or actual not in LEVELS_OF_CONFIDENCE
        or LEVELS_OF_CONFIDENCE.index(actual) < LEVELS_OF_CONFIDENCE.index(level)
    ):
        raise ConfidenceTooLow(
            f"this needs an identity proven to {level} with GOV.UK One Login; "
            f"your sign-in has {actual or 'no proven identity'}. Prove your identity online "
            "with One Login, or at a Jobcentre, and try again.",
            required=level,
            actual=actual,
        )
    return principal


async def staff_on_behalf(request: Request, token: str, *roles: str) -> Principal:
    """The member of staff a service acts for: `token` (their own, forwarded by the service in the
    `On-Behalf-Of` header) must be a valid caseworker token holding one of `roles`. The service that
    owns the records checks who asked itself, rather than trusting the caller that forwards it."""
    person = await verify_token(request, token)
    if person.kind != "caseworker" or not person.roles & set(roles):
        raise Forbidden(f"this needs a member of staff with the {' or '.join(roles)} role")
    return person


@dataclass(frozen=True)
class SubjectAccessAsk:
    """Who asked for a part of a subject access export: the claims service (`via`), which assembles the
    archive, for a team leader (`staff`, from their own token in `On-Behalf-Of`, checked here)."""

    via: str
    staff: Principal


async def _subject_access_ask(
    request: Request,
    caller: Annotated[Principal, allow_callers("claims")],
    on_behalf_of: Annotated[
        str,
        Header(alias="On-Behalf-Of", max_length=8192, description="The team leader's own token: who asked"),
    ],
) -> SubjectAccessAsk:
    staff = await staff_on_behalf(request, on_behalf_of, TEAM_LEADER)
    return SubjectAccessAsk(via=caller.subject, staff=staff)


SubjectAccessAsker = Annotated[SubjectAccessAsk, Depends(_subject_access_ask)]
"""A service's subject access export route: the claims service, for a team leader (decision 0011)."""


async def verify_token(request: Request, token: str) -> Principal:
    """Check a token that came other than as the bearer (a citizen's, forwarded by a service)."""
    verifier: TokenVerifier = request.app.state.token_verifier
    return await verifier.verify(token.strip())
