"""Rate limits that cannot be sidestepped: X-Forwarded-For is believed only from trusted proxies,
a valid token is limited on its principal wherever it comes from, and refused requests count too."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from joserfc.jwk import ECKey, KeySet

from dwp.cli import forwarding_options
from dwp.gateway.app import build_app
from dwp.platform import catalog
from dwp.platform.auth import KeySource, TokenVerifier, mint_token, public_key_set
from dwp.platform.settings import Settings
from tests.unit.gateway.test_gateway import ISSUER, Services, _echo_app

KEY = ECKey.generate_key("P-256", parameters={"kid": "identity-1"}, private=True)
LOAD_BALANCER = "10.0.1.0/24"  # on AWS: the subnets of the load balancer in front of the service
Client = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


def _token(subject: str = "c-1", kind: str = "citizen", key: ECKey = KEY) -> dict[str, str]:
    extra = {"citizen_id": subject} if kind == "citizen" else {"roles": ["caseworker"]}
    token = mint_token(key, issuer=ISSUER, subject=subject, kind=kind, **extra)  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {token}"}


def _forged() -> dict[str, str]:
    return _token(key=ECKey.generate_key("P-256", parameters={"kid": KEY.kid}, private=True))


@pytest.fixture
async def gateway(tmp_path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FastAPI]:
    monkeypatch.setenv("DWP_GATEWAY_RATE_LIMIT", "5/minute")
    monkeypatch.setenv("DWP_GATEWAY_REFUSED_RATE_LIMIT", "3/minute")
    identity, claims = (catalog.process(n).local_url for n in ("identity", "claims"))
    services = Services({identity: _echo_app("identity"), claims: _echo_app("claims")}, broken=set())
    settings = Settings(dwp_data_dir=tmp_path, dwp_env="test", dwp_jwt_issuer=ISSUER, redis_url=None)
    app = build_app(settings, transport=services)
    async with app.router.lifespan_context(app):
        app.state.token_verifier = TokenVerifier(
            KeySource(key_set=KeySet.import_key_set(public_key_set([KEY]))), issuer=ISSUER
        )
        yield app


def behind_uvicorn(app: FastAPI, trusted_proxies: str = "") -> Client:
    """Clients that reach `app` through uvicorn's own proxy-header handling, configured as `dwp serve`
    configures it, connecting from the address they are given."""
    config = uvicorn.Config(app, **forwarding_options(Settings(dwp_trusted_proxies=trusted_proxies)))
    config.load()

    @asynccontextmanager
    async def client(address: str) -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=config.loaded_app, client=(address, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as http:
            yield http

    return client


def _xff() -> dict[str, str]:
    return {"X-Forwarded-For": f"203.0.113.{uuid.uuid4().int % 250 + 1}"}


async def test_a_forged_forwarded_for_from_loopback_does_not_escape_the_limit(gateway: FastAPI) -> None:
    """Before: uvicorn believed X-Forwarded-For from loopback, so a new one per request was a new client."""
    async with behind_uvicorn(gateway)("127.0.0.1") as client:
        statuses = [(await client.get("/v1/auth/echo", headers=_xff())).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]


async def test_forwarded_for_is_believed_from_a_trusted_proxy_only(gateway: FastAPI) -> None:
    connect = behind_uvicorn(gateway, trusted_proxies=LOAD_BALANCER)
    async with connect("10.0.1.7") as load_balancer:
        for _ in range(6):  # six people behind the load balancer: six clients
            assert (await load_balancer.get("/v1/auth/echo", headers=_xff())).status_code == 200
        seen = (await load_balancer.get("/v1/auth/echo", headers={"X-Forwarded-For": "198.51.100.4"})).json()
        assert seen["headers"]["x-forwarded-for"] == "198.51.100.4"  # the person's address, passed on
    async with connect("192.0.2.50") as outsider:  # not the load balancer: its header is not believed
        statuses = [(await outsider.get("/v1/auth/echo", headers=_xff())).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]


def test_trusted_proxies_must_be_networks() -> None:
    with pytest.raises(ValueError, match="does not appear to be an IPv4 or IPv6 network"):
        Settings(dwp_trusted_proxies="10.0.1.0/24, load-balancer")
    assert Settings(dwp_trusted_proxies="10.0.1.7/24, 10.0.2.0/24").trusted_proxies == [
        "10.0.1.0/24",
        "10.0.2.0/24",
    ]
    assert forwarding_options(Settings()) == {"proxy_headers": False, "forwarded_allow_ips": ""}


async def test_a_token_is_limited_on_its_principal_wherever_it_comes_from(gateway: FastAPI) -> None:
    connect = behind_uvicorn(gateway, trusted_proxies=LOAD_BALANCER)
    async with connect("10.0.1.7") as load_balancer:
        statuses = [
            (await load_balancer.get("/v1/claims", headers=_token("roaming") | _xff())).status_code
            for _ in range(6)
        ]
        assert statuses == [200] * 5 + [429]
        # The same subject on another kind of token is another principal.
        assert (
            await load_balancer.get("/v1/claims", headers=_token("roaming", "caseworker"))
        ).status_code == 200


async def test_bad_tokens_are_counted_and_past_the_limit_every_token_waits(gateway: FastAPI) -> None:
    """Before: a refused token was never counted, so guessing tokens was not limited at all."""
    connect = behind_uvicorn(gateway)
    async with connect("192.0.2.9") as guesser, connect("192.0.2.10") as neighbour:
        statuses = [(await guesser.get("/v1/claims", headers=_forged())).status_code for _ in range(4)]
        assert statuses == [401, 401, 401, 429]
        limited = await guesser.get("/v1/claims", headers=_token("c-9"))
        assert limited.status_code == 429, "a right guess past the limit looks like a wrong one"
        assert int(limited.headers["retry-after"]) >= 1
        assert limited.headers["content-type"].startswith("application/problem+json")
        assert (await neighbour.get("/v1/claims", headers=_token("c-10"))).status_code == 200


async def test_requests_without_a_token_count_against_the_address(gateway: FastAPI) -> None:
    async with behind_uvicorn(gateway)("192.0.2.11") as client:
        statuses = [(await client.get("/v1/claims")).status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
