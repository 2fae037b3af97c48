"""The token matrix (security issue, attack suite): every kind of bad token at every service that checks
tokens and at the gateway. Each case is refused with a 401 problem (403 for a role on the wrong kind of
token); a valid token on the same route gets past the check, so the matrix can fail."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet

from dwp.platform.auth import AUDIENCE, KeySource, TokenVerifier, load_or_create_dev_key, public_key_set
from dwp.platform.settings import Settings
from tests.integration.conftest import citizen_service

pytestmark = pytest.mark.integration

ISSUER = "http://identity.test"
CITIZEN_ID = str(uuid.uuid4())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": ISSUER, "aud": AUDIENCE, "sub": CITIZEN_ID, "kind": "citizen", "citizen_id": CITIZEN_ID,
        "iat": now, "exp": now + 300, "jti": uuid.uuid4().hex,
    }  # fmt: skip
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _signed(key: ECKey, kid: str | None = None, **overrides: Any) -> str:
    header = {"alg": "ES256", "typ": "JWT", "kid": kid if kid is not None else key.kid}
    return jwt.encode(header, _claims(**overrides), key)


def _unsigned(**overrides: Any) -> str:
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{_b64(json.dumps(_claims(**overrides)).encode())}."


def _hs256_with_public_key(key: ECKey) -> str:
    """The classic key-confusion attack: HMAC keyed with the issuer's public key."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": key.kid}).encode())
    payload = _b64(json.dumps(_claims()).encode())
    secret = json.dumps(key.as_dict(private=False)).encode()
    signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


@dataclass(frozen=True)
class Keys:
    identity: ECKey
    rogue: ECKey
    dev: ECKey


def bad_tokens(keys: Keys) -> dict[str, str | None]:
    """Every token here must be refused with 401. None means no Authorization header at all."""
    now = int(time.time())
    rogue_with_real_kid = ECKey.generate_key("P-256", parameters={"kid": keys.identity.kid}, private=True)
    return {
        "no token": None,
        "garbage": "not-a-token",
        "three dots of garbage": "a.b.c",
        "alg none": _unsigned(),
        "HS256 keyed with the public key": _hs256_with_public_key(keys.identity),
        "expired": _signed(keys.identity, iat=now - 3600, exp=now - 600),
        "issued in the future": _signed(keys.identity, iat=now + 3600, exp=now + 4000),
        "wrong issuer": _signed(keys.identity, iss="http://evil.test"),
        "wrong audience": _signed(keys.identity, aud="someone-else"),
        "no expiry": _signed(keys.identity, exp=None),
        "no subject": _signed(keys.identity, sub=None),
        "no kind": _signed(keys.identity, kind=None),
        "unknown kind": _signed(keys.identity, kind="admin"),
        "citizen token without citizen id": _signed(keys.identity, citizen_id=None),
        "rogue key with the real kid": _signed(rogue_with_real_kid),
        "rogue key with its own kid": _signed(keys.rogue),
        "the local development key, when identity's keys are trusted": _signed(keys.dev),
        "signature of another token": _swap_signature(_signed(keys.identity), _signed(keys.rogue)),
    }  # fmt: skip


def _swap_signature(token: str, other: str) -> str:
    return token.rsplit(".", 1)[0] + "." + other.rsplit(".", 1)[1]


@dataclass(frozen=True)
class Target:
    """A route that needs a token, and what a valid token gets there (past the token check)."""

    name: str
    method: str
    path: str
    valid_status: int
    body: Any = None


TARGETS = (
    Target("citizen", "GET", f"/v1/citizens/{CITIZEN_ID}", 404),  # the check passed; no record yet
    Target("benefits", "GET", "/v1/assessments/00000000-0000-4000-8000-00000000dead", 404),
    Target("gateway", "GET", f"/v1/citizens/{CITIZEN_ID}", 404),
    Target("claims", "GET", "/v1/claims", 200),  # the check passed: the citizen's (empty) list
)


class _Network(httpx.AsyncBaseTransport):
    def __init__(self, apps: dict[str, FastAPI]) -> None:
        self.apps = {host: httpx.ASGITransport(app=app) for host, app in apps.items()}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        transport = self.apps.get(request.url.host)
        if transport is None:
            raise httpx.ConnectError("nothing listens here", request=request)
        return await transport.handle_async_request(request)


@pytest.fixture
def platform_settings(make_settings: Callable[..., Settings]) -> Settings:
    """One database is enough: the matrix tests the token check, which no database takes part in."""
    from dwp.platform.aws import bootstrap

    settings = make_settings()
    bootstrap(settings)
    return settings


@pytest.fixture
def keys(platform_settings: Settings) -> Keys:
    identity = ECKey.generate_key("P-256", parameters={"kid": "identity-1"}, private=True)
    rogue = ECKey.generate_key("P-256", parameters={"kid": "rogue-1"}, private=True)
    return Keys(identity=identity, rogue=rogue, dev=load_or_create_dev_key(platform_settings))


@pytest.fixture
async def call(platform_settings: Settings, keys: Keys) -> AsyncIterator[Callable[..., Any]]:
    """Calls a target's route on its service (or through the gateway to the citizen service)."""
    from dwp.benefits.app import build_app as build_benefits
    from dwp.claims.app import build_app as build_claims
    from dwp.gateway.app import build_app as build_gateway
    from dwp.platform import catalog
    from dwp.platform.migrations import upgrade

    settings = platform_settings
    await asyncio.to_thread(upgrade, "benefits", settings)
    await asyncio.to_thread(upgrade, "claims", settings)
    citizen = await citizen_service(settings)
    benefits = build_benefits(settings)
    claims = build_claims(settings)
    network = _Network({httpx.URL(catalog.process("citizen").local_url).host: citizen})
    gateway = build_gateway(settings, transport=network)
    apps = {"citizen": citizen, "benefits": benefits, "claims": claims, "gateway": gateway}
    trusted = KeySource(key_set=KeySet.import_key_set(public_key_set([keys.identity])))
    async with (
        citizen.router.lifespan_context(citizen),
        benefits.router.lifespan_context(benefits),
        claims.router.lifespan_context(claims),
        gateway.router.lifespan_context(gateway),
    ):
        for app in apps.values():
            # Every service trusts identity's keys, not the local development key.
            app.state.token_verifier = TokenVerifier(trusted, issuer=ISSUER)

        async def send(target: Target, token: str | None) -> httpx.Response:
            headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
            app = apps[target.name]
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://t.test"
            ) as c:
                return await c.request(target.method, target.path, headers=headers, json=target.body)

        yield send


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
async def test_every_bad_token_is_refused(call: Callable[..., Any], keys: Keys, target: Target) -> None:
    valid_kind = {"benefits": {"kind": "caseworker", "roles": ["caseworker"], "citizen_id": None}}
    valid = await call(target, _signed(keys.identity, **valid_kind.get(target.name, {})))
    assert valid.status_code == target.valid_status, valid.text
    cases = bad_tokens(keys)
    refused = {}
    for case, token in cases.items():
        response = await call(target, token)
        refused[case] = response.status_code
        assert response.headers["content-type"].startswith("application/problem+json"), (case, response.text)
    assert refused == dict.fromkeys(cases, 401)


async def test_roles_count_only_on_caseworker_tokens(call: Callable[..., Any], keys: Keys) -> None:
    """A citizen (or service) token that claims a caseworker role reads nothing a caseworker may."""
    search = Target("citizen", "POST", "/v1/citizens/search", 200, {"national_insurance_number": "JM654321A"})
    caseworker = _signed(
        keys.identity, kind="caseworker", sub="staff-1", citizen_id=None, roles=["caseworker"]
    )
    assert (await call(search, caseworker)).status_code == 200
    forged = _signed(keys.identity, roles=["caseworker", "team-leader"])
    for target in (search, TARGETS[1]):
        response = await call(target, forged)
        assert response.status_code == 403, (target.name, response.text)
    # A service token is no caseworker either, whatever roles it claims (benefits lets services in as
    # services, so only the citizen service's caseworker route shows it).
    service = _signed(keys.identity, kind="service", sub="claims", citizen_id=None, roles=["caseworker"])
    assert (await call(search, service)).status_code == 403
