"""Use cases of the identity service: sign in (One Login for citizens, staff sign-in for caseworkers),
sessions, sign out (front- and back-channel), internal tokens and their keys."""

from __future__ import annotations

import hmac
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
from pydantic import ValidationError

from dwp.contracts.citizens import CitizenRecord, CitizenRegistration, RegistrationPending
from dwp.identity import repository
from dwp.identity.clients import ServiceClients
from dwp.identity.config import IdentitySettings
from dwp.identity.domain import (
    ClientAuthenticationFailed,
    Confidence,
    IdentityNotProven,
    LogoutTokenRejected,
    PendingSignIn,
    RegistrationRefused,
    Session,
    SessionInvalid,
    SessionPolicy,
    SignInRejected,
    SignInStateMismatch,
    identity_from_claims,
    staff_member_from_claims,
)
from dwp.identity.oidc import ProviderUnavailable
from dwp.identity.relying_party import ADDRESS_CLAIM, RelyingParty
from dwp.identity.repository import SessionStore
from dwp.identity.tokens import KEY_RING_RELOAD_SECONDS, KeyRing, SigningKey, rotation
from dwp.platform.database import Database
from dwp.platform.http import ResilientClient, UpstreamRejected
from dwp.platform.pii import PiiCipher

PENDING_SIGN_IN_SECONDS = 600
LOGOUT_JTI_MEMORY_SECONDS = 180
"""One Login: "Check your service has not received another logout token with the same jti in the
last 3 minutes"."""


@dataclass
class IdentityContext:
    settings: IdentitySettings
    database: Database
    cipher: PiiCipher
    store: SessionStore
    one_login: RelyingParty
    staff: RelyingParty
    http: httpx.AsyncClient
    policy: SessionPolicy = field(default_factory=SessionPolicy)
    clock: Callable[[], float] = time.time
    """Seconds since the epoch; injected so that tests move time instead of sleeping."""
    citizen: ResilientClient = field(init=False)
    """The citizen service, over `http`: retries, breaker and deadline from the platform."""
    clients: ServiceClients = field(init=False)
    """Who may ask for a service token (its secrets read from Secrets Manager on AWS)."""
    _ring: KeyRing | None = None
    _ring_loaded_at: float = 0.0

    def __post_init__(self) -> None:
        self.citizen = ResilientClient.for_service("citizen", self.settings.platform, http=self.http)
        self.clients = ServiceClients(self.settings)

    @property
    def issuer(self) -> str:
        return self.settings.platform.dwp_jwt_issuer

    def now(self) -> int:
        return int(self.clock())


# --- signing keys ------------------------------------------------------------------------------


async def ensure_signing_key(
    *, database: Database, cipher: PiiCipher, clock: Callable[[], float] = time.time
) -> None:
    """Create the first signing key if there is none (first start of a new environment)."""
    async with database.transaction() as tx:
        keys = await repository.load_signing_keys(tx, cipher)
        if not any(k.retired_at is None for k in keys):
            await repository.add_signing_key(tx, cipher, SigningKey.generate(int(clock())))


async def rotate_signing_keys(
    *, database: Database, cipher: PiiCipher, clock: Callable[[], float] = time.time
) -> SigningKey:
    """Publish a new key, which signs once every verifier can have seen it (`tokens.rotation`); the old
    one signs until then and stays published until its tokens have expired. Returns the new key."""
    now = int(clock())
    async with database.transaction() as tx:
        new, retired = rotation(await repository.load_signing_keys(tx, cipher), now)
        for key in retired:
            assert key.retired_at is not None
            await repository.retire_signing_key(tx, key.kid, key.retired_at)
        await repository.add_signing_key(tx, cipher, new)
    return new


async def mint_with_current_key(*, database: Database, cipher: PiiCipher, **claims: Any) -> str:
    """Mint a token outside a request (the `dwp token` command, demo data) with the current key."""
    async with database.read() as tx:
        return KeyRing(await repository.load_signing_keys(tx, cipher)).mint(**claims)


async def key_ring(ctx: IdentityContext, *, fresh: bool = False) -> KeyRing:
    """The keys, reloaded every few seconds so a rotation made by the command line is picked up."""
    if fresh or ctx._ring is None or time.monotonic() - ctx._ring_loaded_at > KEY_RING_RELOAD_SECONDS:
        async with ctx.database.read() as tx:
            ctx._ring = KeyRing(await repository.load_signing_keys(tx, ctx.cipher))
        ctx._ring_loaded_at = time.monotonic()
    return ctx._ring


async def published_keys(ctx: IdentityContext) -> dict[str, object]:
    return (await key_ring(ctx)).jwks(ctx.now())


# --- signing in --------------------------------------------------------------------------------


async def start_sign_in(
    ctx: IdentityContext,
    *,
    provider: Literal["one-login", "staff"],
    confidence: Confidence,
    return_to: str,
    ui_locales: Literal["en", "cy"] = "en",
) -> tuple[PendingSignIn, str]:
    """Remember state, nonce and PKCE verifier, and return the provider's authorisation URL (One
    Login's pages in the person's language, `ui_locales`)."""
    now = ctx.now()
    pending = PendingSignIn.start(provider=provider, confidence=confidence, now=now, return_to=return_to)
    await ctx.store.put_pending(pending, now + PENDING_SIGN_IN_SECONDS)
    with _provider_reachable(provider):
        if provider == "one-login":
            url = await ctx.one_login.authorization_url(pending, ui_locales=ui_locales)
        else:
            url = await ctx.staff.authorization_url(pending)
    return pending, url


@contextmanager
def _provider_reachable(provider: str) -> Iterator[None]:
    """A provider that cannot be reached is `ProviderUnavailable` (the error table's 503 with
    Retry-After), whether its documents could not be fetched or a call to it failed on the way: before
    this, One Login being unreachable was a 500 from the start of every sign-in."""
    try:
        yield
    except httpx.TransportError as exc:
        raise ProviderUnavailable(provider) from exc


async def _take_pending(
    ctx: IdentityContext, *, provider: str, state: str | None, cookie_state: str | None
) -> PendingSignIn:
    # The state must be the one this browser was given (cookie) and one we issued and not yet used.
    # compared as UTF-8 bytes: `compare_digest` refuses a str with non-ASCII characters (a TypeError, a 500)
    if not state or not cookie_state or not hmac.compare_digest(state.encode(), cookie_state.encode()):
        raise SignInStateMismatch("the state does not match the sign-in this browser started")
    pending = await ctx.store.take_pending(state)
    if pending is None or pending.provider != provider:
        raise SignInStateMismatch("the sign-in has expired or was already completed")
    return pending


async def complete_one_login(
    ctx: IdentityContext, *, state: str | None, cookie_state: str | None, code: str | None, error: str | None
) -> tuple[Session, PendingSignIn]:
    pending = await _take_pending(ctx, provider="one-login", state=state, cookie_state=cookie_state)
    if error:
        if error == "access_denied" and pending.confidence == "P2":
            raise IdentityNotProven("One Login could not prove your identity")
        raise SignInRejected(f"One Login returned {error}")
    if not code:
        raise SignInRejected("the callback has no authorisation code")
    with _provider_reachable("one-login"):
        tokens = await ctx.one_login.exchange_code(code, pending)
        info = await ctx.one_login.userinfo(tokens.access_token)
    sub = str(tokens.claims["sub"])
    if info.get("sub") != sub:
        raise SignInRejected("userinfo is about a different person than the ID token")
    verified: dict[str, Any] | None = None
    display_name = str(info.get("email", "GOV.UK One Login user"))
    if pending.confidence == "P2":
        with _provider_reachable("one-login"):
            subject = await ctx.one_login.verify_core_identity(info, sub=sub)
        identity = identity_from_claims(subject, info.get(ADDRESS_CLAIM))
        display_name = " ".join((*identity.given_names, identity.family_name))
        verified = {
            "given_name": " ".join(identity.given_names),
            "family_name": identity.family_name,
            "date_of_birth": identity.birth_date.isoformat(),
            "address_reference": (identity.address or {}).get("uprn"),
            # One Login verified these when the account was made ("email_verified" is always true).
            "email": info.get("email") if info.get("email_verified") else None,
            "phone": info.get("phone_number") if info.get("phone_number_verified") else None,
        }
    citizen_id = await _link_account(ctx, "one-login", sub)
    now = ctx.now()
    session = Session.open(
        subject_kind="citizen",
        subject_id=citizen_id,
        provider_sub=sub,
        provider_sid=tokens.claims.get("sid"),
        confidence=pending.confidence,
        roles=("citizen",),
        display_name=display_name,
        id_token=tokens.id_token,
        now=now,
        verified=verified,
    )
    await ctx.store.put_session(session, session.expires_at(ctx.policy))
    return session, pending


async def complete_staff(
    ctx: IdentityContext, *, state: str | None, cookie_state: str | None, code: str | None, error: str | None
) -> tuple[Session, PendingSignIn]:
    pending = await _take_pending(ctx, provider="staff", state=state, cookie_state=cookie_state)
    if error or not code:
        raise SignInRejected(f"staff sign-in returned {error or 'no code'}")
    with _provider_reachable("staff"):
        tokens = await ctx.staff.exchange_code(code, pending)
    staff = staff_member_from_claims(tokens.claims)
    session = Session.open(
        subject_kind="staff",
        subject_id=staff.oid,
        provider_sub=f"staff:{staff.oid}",
        provider_sid=None,
        confidence="P0",
        roles=staff.roles,
        display_name=staff.name,
        id_token="",
        now=ctx.now(),
    )
    await ctx.store.put_session(session, session.expires_at(ctx.policy))
    return session, pending


async def _link_account(ctx: IdentityContext, provider: str, provider_sub: str) -> str:
    """The citizen id linked to this One Login subject; a new one on first sign-in."""
    async with ctx.database.transaction() as tx:
        existing = await repository.find_account(tx, provider, provider_sub)
        if existing:
            return existing
        citizen_id = str(uuid.uuid4())
        await repository.add_account(tx, provider, provider_sub, citizen_id, ctx.now())
        return citizen_id


# --- sessions ----------------------------------------------------------------------------------


async def current_session(ctx: IdentityContext, *, session_id: str | None) -> Session:
    """A live session, its idle deadline moved on by this use."""
    if not session_id:
        raise SessionInvalid("no session cookie")
    now = ctx.now()
    session = await ctx.store.get_session(session_id, now)
    if session is None:
        raise SessionInvalid("unknown or expired session")
    session.check_live(now=now, policy=ctx.policy)
    touched = session.touched(now)
    await ctx.store.put_session(touched, touched.expires_at(ctx.policy))
    return touched


async def access_token(ctx: IdentityContext, *, session_id: str | None) -> tuple[str, int]:
    """A short-lived internal token for the person signed in to this session."""
    session = await current_session(ctx, session_id=session_id)
    ring = await key_ring(ctx)
    lifetime = ctx.settings.access_token_seconds
    if session.subject_kind == "citizen":
        token = ring.mint(
            issuer=ctx.issuer, subject=session.subject_id, kind="citizen", citizen_id=session.subject_id,
            level_of_confidence=session.confidence, lifetime_seconds=lifetime, now=ctx.clock(),
        )  # fmt: skip
    else:
        token = ring.mint(
            issuer=ctx.issuer, subject=session.subject_id, kind="caseworker", roles=session.roles,
            lifetime_seconds=lifetime, now=ctx.clock(),
        )  # fmt: skip
    return token, lifetime


async def sign_out(ctx: IdentityContext, *, session_id: str | None) -> str | None:
    """End the session here; the provider's logout URL to end it there too (None if no session)."""
    if not session_id:
        return None
    session = await ctx.store.get_session(session_id, ctx.now())
    await ctx.store.delete_session(session_id)
    if session is None:
        return None
    if session.subject_kind == "staff":
        return await ctx.staff.end_session_url()
    return await ctx.one_login.end_session_url(id_token_hint=session.id_token, state=uuid.uuid4().hex[:16])


async def back_channel_logout(ctx: IdentityContext, *, logout_token: str | None) -> int:
    """Close every session of the person One Login says has signed out; how many were closed."""
    if not logout_token:
        raise LogoutTokenRejected("no logout_token in the request")
    claims = await ctx.one_login.validate_logout_token(logout_token)
    if not await ctx.store.first_sighting(str(claims["jti"]), ctx.now() + LOGOUT_JTI_MEMORY_SECONDS):
        raise LogoutTokenRejected("this logout token was already used")
    closed = await ctx.store.close_sessions_of(str(claims["sub"]), ctx.now())
    if closed == 0:
        raise LogoutTokenRejected("the logout token is for no session held here")
    return closed


# --- service tokens ----------------------------------------------------------------------------


async def service_token(ctx: IdentityContext, *, client_id: str, client_secret: str) -> tuple[str, int]:
    """OAuth client credentials: a short-lived token naming the calling service."""
    if not await ctx.clients.accepts(client_id, client_secret):
        raise ClientAuthenticationFailed("unknown client or wrong secret")
    lifetime = ctx.settings.service_token_seconds
    ring = await key_ring(ctx)
    token = ring.mint(
        issuer=ctx.issuer, subject=client_id, kind="service", lifetime_seconds=lifetime, now=ctx.clock()
    )
    return token, lifetime


# --- registration with the citizen service -----------------------------------------------------


async def citizen_record(ctx: IdentityContext, session: Session) -> CitizenRecord | None:
    """The linked citizen's record from the citizen service (over HTTP), or None if not registered."""
    token, _ = await access_token(ctx, session_id=session.session_id)
    try:
        return await ctx.citizen.get_model(f"/v1/citizens/{session.subject_id}", CitizenRecord, bearer=token)
    except UpstreamRejected as exc:
        if exc.status == 404:
            return None
        raise


async def register_citizen(
    ctx: IdentityContext, *, session_id: str | None, nino: str
) -> CitizenRecord | RegistrationPending:
    """Create the citizen record from the identity One Login verified, plus the NINO that One Login
    does not hold. Only this service may (its own service token); the citizen's token goes with it in
    `On-Behalf-Of`, so the citizen service checks whose record it is and that it is proven to P2. An
    Idempotency-Key makes the call safe to retry while the citizen service is briefly down (and one
    that stays down is a 503). A NINO on another person's record is held for a caseworker (202)."""
    session = await current_session(ctx, session_id=session_id)
    if session.subject_kind != "citizen" or not session.verified:
        raise IdentityNotProven("registering needs an identity proven to P2 with One Login")
    token, _ = await access_token(ctx, session_id=session.session_id)
    verified = {k: v for k, v in session.verified.items() if v}
    try:
        body = CitizenRegistration.model_validate(verified | {"national_insurance_number": nino})
    except ValidationError as exc:
        raise RegistrationRefused("the verified identity lacks what registering needs") from exc
    own = (await key_ring(ctx)).mint(
        issuer=ctx.issuer, subject="identity", kind="service",
        lifetime_seconds=ctx.settings.service_token_seconds, now=ctx.clock(),
    )  # fmt: skip
    try:
        response = await ctx.citizen.request(
            "POST",
            "/v1/internal/citizens",
            json=body.model_dump(mode="json", exclude_none=True),
            headers={"Accept": "application/json", "On-Behalf-Of": token},
            bearer=own,
            idempotency_key=f"register-{session.subject_id}",
        )
    except UpstreamRejected as exc:
        detail = (exc.problem or {}).get("detail")
        raise RegistrationRefused(
            f"the citizen service refused the registration: {detail or exc.status}"
        ) from exc
    try:
        if response.status_code == 202:
            return RegistrationPending.model_validate_json(response.content)
        return CitizenRecord.model_validate_json(response.content)
    except ValidationError as exc:
        raise RegistrationRefused("the citizen service's answer was not understood") from exc
