"""The identity service in-process, with the One Login and staff sign-in simulators, the citizen service,
and the AWS services (DynamoDB, KMS, Secrets Manager) on moto. HTTP between them is real ASGI HTTP
through httpx transports, routed by each process's local address from the catalogue."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from joserfc.jwk import KeySet
from moto import mock_aws

from dwp.identity.config import IdentitySettings
from dwp.platform import aws, catalog
from dwp.platform.auth import KeySource, TokenVerifier
from dwp.platform.migrations import upgrade
from dwp.platform.settings import Settings
from dwp.simulators.one_login.app import create_app as create_one_login
from dwp.simulators.one_login.registry import load_clients
from dwp.simulators.staff_sign_in.app import create_app as create_staff_sign_in

IDENTITY = catalog.process("identity").local_url
CITIZEN = catalog.process("citizen").local_url
ONE_LOGIN = catalog.process("one-login").local_url
STAFF = catalog.process("staff-sign-in").local_url


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    for name in ("AWS_ENDPOINT_URL", "DATABASE_URL", "REDIS_URL", "DWP_JWKS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-2")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        settings = Settings(dwp_data_dir=tmp_path, dwp_env="test", dwp_jwt_issuer=IDENTITY)
        aws.bootstrap(settings)
        upgrade("identity", settings)
        upgrade("citizen", settings)
        yield settings


class Network(httpx.AsyncBaseTransport):
    """Routes each request to the in-process app listening at its host and port."""

    def __init__(self) -> None:
        self.apps: dict[str, httpx.ASGITransport] = {}

    def add(self, url: str, app: FastAPI) -> None:
        self.apps[urlsplit(url).netloc] = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        transport = self.apps.get(request.url.netloc.decode())
        if transport is None:
            raise httpx.ConnectError(f"nothing listens at {request.url.netloc.decode()}", request=request)
        return await transport.handle_async_request(request)


@dataclass
class Platform:
    settings: Settings
    network: Network
    identity: FastAPI
    one_login: FastAPI
    http: httpx.AsyncClient

    async def keys(self) -> KeySet:
        return KeySet.import_key_set((await self.http.get(f"{IDENTITY}/.well-known/jwks.json")).json())

    def browser(self) -> httpx.AsyncClient:
        """A browser: keeps cookies, does not follow redirects (tests follow them step by step)."""
        return httpx.AsyncClient(transport=self.network, base_url=IDENTITY)


@pytest.fixture
async def platform(settings: Settings) -> AsyncIterator[Platform]:
    from dwp.citizen.app import build_app as build_citizen
    from dwp.identity.app import build_app as build_identity

    network = Network()
    http = httpx.AsyncClient(transport=network)
    clients = load_clients()
    key = IdentitySettings(platform=settings).one_login_key
    clients["dwp-benefits-local"].jwks = {"keys": [key.as_dict(private=False)]}
    one_login = create_one_login(base_url=ONE_LOGIN, clients=clients, http=http)
    identity = build_identity(settings, http=http)
    citizen = build_citizen(settings)
    for url, app in ((ONE_LOGIN, one_login), (STAFF, create_staff_sign_in(base_url=STAFF)),
                     (IDENTITY, identity), (CITIZEN, citizen)):  # fmt: skip
        network.add(url, app)
    async with identity.router.lifespan_context(identity), citizen.router.lifespan_context(citizen):
        # The citizen service trusts the identity service's JWKS (fetched here through the network).
        jwks = (await http.get(f"{IDENTITY}/.well-known/jwks.json")).json()
        citizen.state.token_verifier = TokenVerifier(
            KeySource(key_set=KeySet.import_key_set(jwks)), issuer=IDENTITY
        )
        yield Platform(settings, network, identity, one_login, http)
    await http.aclose()
