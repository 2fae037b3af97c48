"""The in-process platform behind the BFF: One Login and staff sign-in simulators, identity, citizen,
benefits, claims, gateway and the BFF itself, each an ASGI app on the harness's network. The BFF answers
at its own host name, so a cookie set there is never sent to the gateway's or identity's address by
accident (on 127.0.0.1 every port shares one cookie jar)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from moto import mock_aws

from dwp.frontend.config import FrontendSettings
from dwp.identity.config import IdentitySettings
from dwp.platform import aws, catalog
from dwp.platform.auth import KeySource, TokenVerifier
from dwp.platform.http import shared_client
from dwp.platform.migrations import upgrade
from dwp.platform.settings import Settings
from dwp.simulators.one_login.app import create_app as create_one_login
from dwp.simulators.one_login.registry import load_clients
from dwp.simulators.staff_sign_in.app import create_app as create_staff_sign_in
from tests.integration.identity.harness import CITIZEN, GATEWAY, IDENTITY, ONE_LOGIN, STAFF, Network

FRONTEND = "http://www.dwp.test"
BENEFITS = catalog.process("benefits").local_url
CLAIMS = catalog.process("claims").local_url
INDEX = '<!doctype html><html lang="en"><head></head><body><div id="root"></div></body></html>'


@dataclass
class Web:
    network: Network
    bff: FastAPI

    def browser(self) -> httpx.AsyncClient:
        """A browser at the BFF's address: keeps its own cookies, follows no redirect by itself."""
        return httpx.AsyncClient(transport=self.network, base_url=FRONTEND)


@pytest.fixture
def with_claims() -> bool:
    """Whether the claims service runs behind the gateway too (the caseworker tests parametrize this to
    True; the others leave out its migrations and start-up)."""
    return False


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_claims: bool) -> Iterator[Settings]:
    for name in ("AWS_ENDPOINT_URL", "DATABASE_URL", "REDIS_URL", "DWP_JWKS_URL", "DWP_IDENTITY_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    # Every caller here reaches the gateway from the BFF's one address, so the per-address limit
    # would be shared by all of them (as the e2e tests do for dwp up's callers).
    monkeypatch.setenv("DWP_GATEWAY_RATE_LIMIT", "1000/second")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-2")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        settings = Settings(dwp_data_dir=tmp_path, dwp_env="test", dwp_jwt_issuer=IDENTITY)
        aws.bootstrap(settings)
        for service in ("identity", "citizen", "benefits", *(("claims",) if with_claims else ())):
            upgrade(service, settings)
        yield settings


@pytest.fixture
async def web(settings: Settings, tmp_path: Path, with_claims: bool) -> AsyncIterator[Web]:
    from dwp.benefits.app import build_app as build_benefits
    from dwp.citizen.app import build_app as build_citizen
    from dwp.claims.app import build_app as build_claims
    from dwp.frontend.app import build_app as build_frontend
    from dwp.gateway.app import build_app as build_gateway
    from dwp.identity.app import build_app as build_identity

    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(INDEX)
    (dist / "assets" / "index-abc123.js").write_text("console.log('app')")

    network = Network()
    http = shared_client(transport=network)
    clients = load_clients()
    key = IdentitySettings(platform=settings).one_login_key
    clients["dwp-benefits-local"].jwks = {"keys": [key.as_dict(private=False)]}
    identity = build_identity(settings, http=http)
    citizen = build_citizen(settings)
    benefits = build_benefits(settings)
    claims = build_claims(settings) if with_claims else None
    gateway = build_gateway(settings, transport=network)
    bff = build_frontend(
        settings,
        frontend=FrontendSettings(platform=settings, dist_dir=dist, public_url=FRONTEND),
        transport=network,
    )
    apps = [
        (ONE_LOGIN, create_one_login(base_url=ONE_LOGIN, clients=clients, http=http)),
        (STAFF, create_staff_sign_in(base_url=STAFF)),
        (IDENTITY, identity),
        (CITIZEN, citizen),
        (BENEFITS, benefits),
        (GATEWAY, gateway),
        (FRONTEND, bff),
    ]
    if claims is not None:
        apps.append((CLAIMS, claims))
    for url, app in apps:
        network.add(url, app)
    async with (
        identity.router.lifespan_context(identity),
        citizen.router.lifespan_context(citizen),
        benefits.router.lifespan_context(benefits),
        claims.router.lifespan_context(claims) if claims else nullcontext(),
        gateway.router.lifespan_context(gateway),
        bff.router.lifespan_context(bff),
    ):
        for app in (citizen, gateway, *((claims,) if claims else ())):
            keys = KeySource(jwks_url=f"{IDENTITY}/.well-known/jwks.json", http=http, refetch_after_seconds=0)
            app.state.token_verifier = TokenVerifier(keys, issuer=IDENTITY)
        yield Web(network, bff)
    await http.aclose()
