"""Fixtures: moto for AWS, migrated SQLite databases, and the in-process platform (see harness)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from moto import mock_aws

from dwp.identity.config import IdentitySettings
from dwp.platform import aws
from dwp.platform.auth import KeySource, TokenVerifier
from dwp.platform.http import shared_client
from dwp.platform.migrations import upgrade
from dwp.platform.settings import Settings
from dwp.simulators.one_login.app import create_app as create_one_login
from dwp.simulators.one_login.registry import load_clients
from dwp.simulators.staff_sign_in.app import create_app as create_staff_sign_in
from tests.integration.identity.harness import CITIZEN, GATEWAY, IDENTITY, ONE_LOGIN, STAFF, Network, Platform


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


@pytest.fixture
async def platform(settings: Settings) -> AsyncIterator[Platform]:
    from dwp.citizen.app import build_app as build_citizen
    from dwp.gateway.app import build_app as build_gateway
    from dwp.identity.app import build_app as build_identity

    network = Network()
    http = shared_client(transport=network)
    clients = load_clients()
    key = IdentitySettings(platform=settings).one_login_key
    clients["dwp-benefits-local"].jwks = {"keys": [key.as_dict(private=False)]}
    one_login = create_one_login(base_url=ONE_LOGIN, clients=clients, http=http)
    identity = build_identity(settings, http=http)
    citizen = build_citizen(settings)
    gateway = build_gateway(settings, transport=network)
    for url, app in ((ONE_LOGIN, one_login), (STAFF, create_staff_sign_in(base_url=STAFF)),
                     (IDENTITY, identity), (CITIZEN, citizen), (GATEWAY, gateway)):  # fmt: skip
        network.add(url, app)
    async with (
        identity.router.lifespan_context(identity),
        citizen.router.lifespan_context(citizen),
        gateway.router.lifespan_context(gateway),
    ):
        # Every service trusts the identity service's JWKS, fetched over the network (as DWP_JWKS_URL says
        # under `dwp up`), refetched at once on an unknown key id so a rotation shows immediately.
        for app in (citizen, gateway):
            keys = KeySource(jwks_url=f"{IDENTITY}/.well-known/jwks.json", http=http, refetch_after_seconds=0)
            app.state.token_verifier = TokenVerifier(keys, issuer=IDENTITY)
        yield Platform(settings, network, identity, one_login, http, gateway)
    await http.aclose()
