"""The BFF's ASGI app: the platform app factory, the security headers, the built SPA's assets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from dwp.frontend.api import router
from dwp.frontend.config import FrontendSettings
from dwp.frontend.security import content_security_policy, page_policy
from dwp.platform.app_factory import create_app
from dwp.platform.http import shared_client
from dwp.platform.settings import Settings, get_settings

SERVICE = "frontend"
TIMEOUT = httpx.Timeout(connect=1.0, read=10.0, write=10.0, pool=2.0)


class ImmutableAssets(StaticFiles):
    """Vite names every asset by its content hash, so a browser may keep it for a year."""

    def file_response(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def build_app(
    settings: Settings | None = None,
    *,
    frontend: FrontendSettings | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """The BFF; `transport` lets tests put an in-process gateway behind the BFF's own client."""
    settings = settings or get_settings()
    frontend = frontend or FrontendSettings(platform=settings)
    if transport is None and frontend.source_address:
        # Our calls leave from one known address, which the gateway trusts for X-Forwarded-For.
        transport = httpx.AsyncHTTPTransport(local_address=frontend.source_address)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # One client for every person's requests, so it keeps no cookies: each call carries exactly
        # the cookie of the request it serves (the gateway's fault, not to be repeated here).
        client = shared_client(timeout=TIMEOUT, transport=transport)
        app.state.http = client
        app.state.frontend = frontend

        async def gateway_live() -> None:
            (await client.get(f"{frontend.gateway_url}/health/live")).raise_for_status()

        app.state.readiness["gateway"] = gateway_live
        try:
            yield
        finally:
            await client.aclose()

    csp = content_security_policy(
        form_targets=frontend.sign_in_origins,
        upload_targets=(frontend.evidence_upload_origin,),
        upgrade=not settings.is_local,
    )
    app = create_app(
        service=SERVICE,
        security_policy=page_policy(csp=csp),
        routers=[],
        settings=settings,
        lifespan=lifespan,
        json_only=False,  # sign-out is a plain form post, so it works without JavaScript
        title="DWP citizen web app (BFF)",
        description="Serves the SPA, holds the session cookie, forwards API calls with the person's token.",
    )
    # The BFF is the SPA's, not an API for people to explore: it has no /docs page (nor its assets).
    app.router.routes = [
        r
        for r in app.router.routes
        if getattr(r, "path", "") not in ("/docs", "/docs/oauth2-redirect", "/docs/assets/{name}")
    ]
    app.mount(
        "/assets", ImmutableAssets(directory=frontend.dist_dir / "assets", check_dir=False), name="assets"
    )
    app.include_router(router)
    return app
