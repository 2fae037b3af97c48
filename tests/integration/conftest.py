from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from dwp.platform.auth import load_or_create_dev_key, mint_token
from dwp.platform.migrations import upgrade
from dwp.platform.settings import Settings

pytestmark = pytest.mark.integration


@asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run an app's lifespan (its relay and other background tasks included) and talk to it in process."""
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service.test") as client,
    ):
        yield client


async def citizen_service(settings: Settings) -> FastAPI:
    from dwp.citizen.app import build_app

    await asyncio.to_thread(upgrade, "citizen", settings)
    return build_app(settings)


def citizen_token(settings: Settings, citizen_id: str | None = None, **claims: Any) -> str:
    """A citizen token; its identity is proven (P2) unless `level_of_confidence` says otherwise."""
    citizen_id = citizen_id or str(uuid.uuid4())
    key = load_or_create_dev_key(settings)
    return mint_token(
        key,
        issuer=settings.dwp_jwt_issuer,
        subject=citizen_id,
        kind="citizen",
        citizen_id=citizen_id,
        **{"level_of_confidence": "P2", **claims},
    )


def service_token(settings: Settings, caller: str) -> str:
    """A service token naming `caller` (its subject), as identity issues them."""
    key = load_or_create_dev_key(settings)
    return mint_token(key, issuer=settings.dwp_jwt_issuer, subject=caller, kind="service")


def on_behalf_of(client: httpx.AsyncClient, citizen: str, **extra: str) -> dict[str, str]:
    """Headers of the identity service registering the citizen whose token is `citizen`, on a client
    of an in-process citizen app (the app's settings name the key to sign with)."""
    settings: Settings = client._transport.app.state.settings  # type: ignore[attr-defined]
    return {**bearer(service_token(settings, "identity")), "On-Behalf-Of": citizen, **extra}


@pytest.fixture
async def citizen_app(bootstrapped: Settings) -> AsyncIterator[FastAPI]:
    app = await citizen_service(bootstrapped)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(citizen_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=citizen_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://citizen.test") as http:
        yield http


@pytest.fixture
def tokens(bootstrapped: Settings) -> Callable[..., str]:
    key = load_or_create_dev_key(bootstrapped)

    def mint(
        kind: str = "citizen", *, citizen_id: str | None = None, roles: list[str] | None = None, **kw: Any
    ) -> str:
        if kind == "citizen":
            # A citizen's identity is proven (P2) unless the test says otherwise.
            citizen_id = citizen_id or str(uuid.uuid4())
            kw.setdefault("level_of_confidence", "P2")
        return mint_token(
            key,
            issuer=bootstrapped.dwp_jwt_issuer,
            subject=kw.pop("subject", None) or citizen_id or f"{kind}-1",
            kind=kind,  # type: ignore[arg-type]
            citizen_id=citizen_id,
            roles=roles or [],
            **kw,
        )

    return mint


def bearer(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}
