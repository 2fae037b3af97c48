"""The identity service's ASGI app: the platform app factory plus sign-in, sessions and tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from dwp.identity import service
from dwp.identity.api import router
from dwp.identity.config import IdentitySettings
from dwp.identity.domain import IdentityError, SessionPolicy
from dwp.identity.one_login import OneLoginClient, OneLoginConfig
from dwp.identity.repository import SessionStore
from dwp.identity.service import IdentityContext
from dwp.identity.staff import StaffConfig, StaffSignInClient
from dwp.platform.app_factory import create_app
from dwp.platform.database import Database
from dwp.platform.http import shared_client
from dwp.platform.pii import PiiCipher
from dwp.platform.problems import Problem, problem_response
from dwp.platform.settings import Settings, get_settings

SERVICE = "identity"
log = structlog.get_logger(SERVICE)

PROBLEM_TYPES = {
    "SignInStateMismatch": "sign-in-state",
    "SignInRejected": "sign-in-rejected",
    "IdentityNotProven": "identity-not-proven",
    "SessionInvalid": "not-signed-in",
    "LogoutTokenRejected": "logout-token-rejected",
    "ClientAuthenticationFailed": "client-authentication-failed",
    "RegistrationRefused": "registration-refused",
}


def build_context(
    identity: IdentitySettings, *, database: Database, http: httpx.AsyncClient, refresh_floor: float = 5.0
) -> IdentityContext:
    settings = identity.platform
    one_login = OneLoginClient(
        OneLoginConfig(
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
    staff = StaffSignInClient(
        StaffConfig(
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
        app.state.identity = ctx
        app.state.readiness["database"] = database.ping
        app.state.readiness["sessions"] = ctx.store.ping
        try:
            yield
        finally:
            if http is None:
                await client.aclose()
            await database.dispose()

    app = create_app(
        service=SERVICE,
        routers=[router],
        settings=settings,
        lifespan=lifespan,
        json_only=False,  # OAuth callbacks and back-channel logout are form posts
        description="GOV.UK One Login and staff sign-in, sessions, and the internal token issuer.",
    )
    app.add_exception_handler(IdentityError, _identity_problem)
    return app


async def _identity_problem(request: Request, exc: Exception) -> JSONResponse:
    """Every refused sign-in, token or session is logged (what and why, never who) and answered with
    a problem document."""
    assert isinstance(exc, IdentityError)
    kind = type(exc).__name__
    log.warning("identity_refused", reason=kind, detail=str(exc), route=request.url.path)
    problem = Problem(
        exc.status, exc.title, str(exc) or None, type_=PROBLEM_TYPES.get(kind, "identity-error")
    )
    if exc.status == 401:
        problem.headers["WWW-Authenticate"] = 'Bearer realm="dwp"'
    return problem_response(problem, request)


app = build_app()
