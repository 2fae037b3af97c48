"""The identity service's ASGI app: the platform app factory plus sign-in, sessions and tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from dwp.identity import domain, service
from dwp.identity.api import router
from dwp.identity.config import IdentitySettings
from dwp.identity.domain import SessionPolicy
from dwp.identity.oidc import ProviderUnavailable
from dwp.identity.relying_party import RelyingParty, one_login_config, staff_sign_in_config
from dwp.identity.repository import SessionStore
from dwp.identity.service import IdentityContext
from dwp.platform.app_factory import create_app
from dwp.platform.database import Database
from dwp.platform.http import shared_client
from dwp.platform.pii import PiiCipher
from dwp.platform.problems import WWW_AUTHENTICATE, ErrorMapping, ErrorTable
from dwp.platform.settings import Settings, get_settings

SERVICE = "identity"


def _refusal(status: int, type_: str, title: str) -> ErrorMapping:
    # Every refused sign-in, token or session is logged (what and why, never who); a 401 says how to
    # authenticate.
    headers = WWW_AUTHENTICATE if status == 401 else {}
    return ErrorMapping(status, type_, title, headers=headers, log_as="identity_refused")


ERRORS: ErrorTable = {
    domain.SignInStateMismatch: _refusal(400, "sign-in-state", "Sign-in state does not match"),
    domain.SignInRejected: _refusal(401, "sign-in-rejected", "Sign-in could not be completed"),
    domain.IdentityNotProven: _refusal(403, "identity-not-proven", "Your identity could not be confirmed"),
    domain.SessionInvalid: _refusal(401, "not-signed-in", "Not signed in"),
    domain.LogoutTokenRejected: _refusal(400, "logout-token-rejected", "Logout token rejected"),
    domain.ClientAuthenticationFailed: _refusal(
        401, "client-authentication-failed", "Client authentication failed"
    ),
    domain.RegistrationRefused: _refusal(422, "registration-refused", "Registration could not be completed"),
    domain.IdentityError: _refusal(400, "identity-error", "Identity error"),
    # One Login or staff sign-in cannot be reached and nothing usable is cached (a 503 with Retry-After).
    ProviderUnavailable: ErrorMapping(
        503,
        "provider-unavailable",
        "Service unavailable",
        detail=lambda _: "The sign-in service cannot be reached just now. Try again in a few minutes.",
    ),
}
"""The identity service's one error table: the only place its domain errors meet HTTP."""


def build_context(
    identity: IdentitySettings, *, database: Database, http: httpx.AsyncClient, refresh_floor: float = 5.0
) -> IdentityContext:
    settings = identity.platform
    one_login = RelyingParty(
        one_login_config(
            issuer_url=identity.one_login_url,
            client_id=identity.one_login_client_id,
            redirect_uri=f"{identity.browser_base}/v1/auth/one-login/callback",
            post_logout_redirect_uri=f"{identity.browser_base}/v1/auth/signed-out",
            identity_issuer=identity.one_login_identity_issuer or f"{identity.one_login_url}/identity/",
            did_url=identity.one_login_did_url or f"{identity.one_login_url}/identity/did.json",
            client_key=identity.one_login_key,
        ),
        http,
        refresh_floor=refresh_floor,
    )
    staff = RelyingParty(
        staff_sign_in_config(
            authority=identity.staff_sign_in_authority,
            client_id=identity.staff_client_id,
            client_secret=identity.staff_client_secret,
            redirect_uri=f"{identity.browser_base}/v1/auth/staff/callback",
            post_logout_redirect_uri=f"{identity.browser_base}/v1/auth/signed-out",
        ),
        http,
        refresh_floor=refresh_floor,
    )
    cipher = PiiCipher(settings)
    return IdentityContext(
        settings=identity,
        database=database,
        cipher=cipher,
        store=SessionStore(settings, cipher),
        one_login=one_login,
        staff=staff,
        http=http,
        policy=SessionPolicy(identity.session_idle_seconds, identity.session_absolute_seconds),
    )


def build_app(settings: Settings | None = None, *, http: httpx.AsyncClient | None = None) -> FastAPI:
    settings = settings or get_settings()
    identity = IdentitySettings(platform=settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = Database(settings, SERVICE)
        client = http or shared_client(timeout=10.0)
        ctx = build_context(identity, database=database, http=client)
        await service.ensure_signing_key(database=database, cipher=ctx.cipher)
        await ctx.clients.load()  # the clients' secrets, on AWS; one that cannot be read is tried later
        app.state.identity = ctx
        app.state.readiness["database"] = database.ping
        app.state.readiness["sessions"] = ctx.store.ping
        try:
            yield
        finally:
            if http is None:
                await client.aclose()
            await database.dispose()

    return create_app(
        service=SERVICE,
        routers=[router],
        settings=settings,
        errors=ERRORS,
        lifespan=lifespan,
        json_only=False,  # OAuth callbacks and back-channel logout are form posts
        description="GOV.UK One Login and staff sign-in, sessions, and the internal token issuer.",
    )
