"""Sessions, sign-in attempts, levels of confidence and verified identities: plain Python, no I/O."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal

# --- errors ------------------------------------------------------------------------------------


class IdentityError(Exception):
    """Base of the identity service's errors; its error table (`identity/app.py`) maps each to a
    problem document."""


class SignInRejected(IdentityError):
    """A sign-in callback, ID token or identity credential failed a check; the attempt is void."""


class IdentityNotProven(IdentityError):
    """One Login could not prove the person's identity at the level asked for."""


class SessionInvalid(IdentityError):
    """No live session: unknown, expired (idle or absolute) or signed out."""


class LogoutTokenRejected(IdentityError):
    """A back-channel logout token failed validation (OIDC Back-Channel Logout 1.0, section 2.6)."""


class RegistrationRefused(IdentityError):
    """The citizen service would not create the record (for example, an invalid NINO)."""


class SignInStateMismatch(IdentityError):
    """The callback's state is not the one this browser's sign-in started with (login CSRF), or the
    sign-in has expired or was already completed."""


class ClientAuthenticationFailed(IdentityError):
    """A service asked for a token with an unknown client id or a wrong secret."""


# --- levels and vectors of trust ---------------------------------------------------------------

Confidence = Literal["P0", "P2"]
AUTH_VECTOR = "Cl.Cm"
IDENTITY_VECTOR = "Cl.Cm.P2"
CITIZEN_ROLES = ("citizen",)
STAFF_ROLES = frozenset({"caseworker", "team-leader"})


def vector_for(confidence: Confidence) -> str:
    """The `vtr` to ask One Login for: medium authentication, plus P2 identity when needed."""
    return IDENTITY_VECTOR if confidence == "P2" else AUTH_VECTOR


# --- a sign-in in progress ---------------------------------------------------------------------


@dataclass(frozen=True)
class PendingSignIn:
    """What the service remembers between sending the browser to the provider and the callback."""

    state: str
    nonce: str
    code_verifier: str
    provider: Literal["one-login", "staff"]
    confidence: Confidence
    created_at: int
    return_to: str = "/v1/auth/me"

    @staticmethod
    def start(
        *, provider: Literal["one-login", "staff"], confidence: Confidence, now: int, return_to: str
    ) -> PendingSignIn:
        return PendingSignIn(
            state=secrets.token_urlsafe(32),
            nonce=secrets.token_urlsafe(32),
            # RFC 7636 section 4.1: 43 to 128 characters; 64 random bytes give 86.
            code_verifier=secrets.token_urlsafe(64),
            provider=provider,
            confidence=confidence,
            created_at=now,
            return_to=return_to if _is_local_path(return_to) else "/v1/auth/me",
        )


def _is_local_path(path: str) -> bool:
    """Only same-site paths: an open redirect after sign-in would hand the session to a phishing page."""
    return path.startswith("/") and not path.startswith("//") and "\\" not in path


# --- verified identity -------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifiedIdentity:
    """The person One Login proved, read from the core identity credential and the address claim."""

    given_names: tuple[str, ...]
    family_name: str
    birth_date: date
    address: dict[str, str] | None


def identity_from_claims(
    credential_subject: dict[str, Any], addresses: list[dict[str, Any]] | None
) -> VerifiedIdentity:
    """The current name (no `validUntil`), the first date of birth (the one of highest confidence)
    and the current address, as One Login's "Prove your user's identity" page defines them."""
    names = credential_subject.get("name") or []
    current = next((n for n in names if not n.get("validUntil")), names[0] if names else None)
    if current is None or not credential_subject.get("birthDate"):
        raise SignInRejected("the identity credential has no name or date of birth")
    parts = current.get("nameParts") or []
    given = tuple(p["value"] for p in parts if p.get("type") == "GivenName")
    family = " ".join(p["value"] for p in parts if p.get("type") == "FamilyName")
    birth = date.fromisoformat(credential_subject["birthDate"][0]["value"])
    address = next((a for a in addresses or [] if not a.get("validUntil")), None)
    return VerifiedIdentity(given, family, birth, dict(address) if address else None)


# --- a member of staff -------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffMember:
    """A member of staff as the staff sign-in provider's checked ID token names them."""

    oid: str
    name: str
    roles: tuple[str, ...]
    """Only the app roles this service knows (`STAFF_ROLES`); never empty."""


def staff_member_from_claims(claims: dict[str, Any]) -> StaffMember:
    """The object id, name and known app roles from a staff ID token; one with no role may not sign in."""
    roles = tuple(sorted(set(claims.get("roles") or ()) & STAFF_ROLES))
    if not roles:
        raise SignInRejected("this member of staff has no caseworker or team leader role")
    return StaffMember(oid=str(claims["oid"]), name=str(claims.get("name", "")), roles=roles)


# --- sessions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionPolicy:
    """How long a session lives. One Login's own session lasts an hour of inactivity, so an idle
    timeout no longer than that keeps the two in step ("Managing your users' sessions")."""

    idle_seconds: int = 30 * 60
    absolute_seconds: int = 8 * 60 * 60


@dataclass(frozen=True)
class Session:
    session_id: str
    subject_kind: Literal["citizen", "staff"]
    subject_id: str
    """The citizen id, or the staff member's object id."""
    provider_sub: str
    provider_sid: str | None
    confidence: Confidence
    roles: tuple[str, ...]
    display_name: str
    created_at: int
    last_seen_at: int
    id_token: str = field(repr=False, default="")
    """Kept only to send as `id_token_hint` when the user signs out of One Login."""
    verified: dict[str, Any] | None = field(repr=False, default=None)
    """Name, date of birth and address reference proven by One Login, to prefill registration."""
    revoked: bool = False

    @staticmethod
    def open(
        *,
        subject_kind: Literal["citizen", "staff"],
        subject_id: str,
        provider_sub: str,
        provider_sid: str | None,
        confidence: Confidence,
        roles: tuple[str, ...],
        display_name: str,
        id_token: str,
        now: int,
        verified: dict[str, Any] | None = None,
    ) -> Session:
        return Session(
            session_id=secrets.token_urlsafe(32),
            subject_kind=subject_kind,
            subject_id=subject_id,
            provider_sub=provider_sub,
            provider_sid=provider_sid,
            confidence=confidence,
            roles=roles,
            display_name=display_name,
            created_at=now,
            last_seen_at=now,
            id_token=id_token,
            verified=verified,
        )

    def expires_at(self, policy: SessionPolicy) -> int:
        """The earlier of the idle deadline and the absolute deadline (also the DynamoDB TTL)."""
        return min(self.last_seen_at + policy.idle_seconds, self.created_at + policy.absolute_seconds)

    def check_live(self, *, now: int, policy: SessionPolicy) -> None:
        if self.revoked:
            raise SessionInvalid("the session has been signed out")
        if now >= self.created_at + policy.absolute_seconds:
            raise SessionInvalid("the session has reached its maximum lifetime")
        if now >= self.last_seen_at + policy.idle_seconds:
            raise SessionInvalid("the session has been idle too long")

    def touched(self, now: int) -> Session:
        return replace(self, last_seen_at=now)

    def revoke(self) -> Session:
        return replace(self, revoked=True)
