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
from joserfc.jwk import ECKey, KeySet

from dwp.platform.auth import KeySource, TokenVerifier, public_key_set
from dwp.platform.settings import Settings
from tests.integration.access_policy import HEALTH, OPEN, POLICY, SESSION
from tests.integration.attack_platform import (
    ISSUER,
    SERVICES,
    Keys,
    app_of,
    build,
    claims,
    every_service,
    make_keys,
    principals,
    routes,
    signed,
)
from tests.integration.conftest import bearer, citizen_service

pytestmark = pytest.mark.integration

CITIZEN_ID = str(uuid.uuid4())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(**overrides: Any) -> dict[str, Any]:
    return claims(**{"sub": CITIZEN_ID, "citizen_id": CITIZEN_ID, **overrides})


def _signed(key: ECKey, kid: str | None = None, **overrides: Any) -> str:
    return signed(key, kid, **{"sub": CITIZEN_ID, "citizen_id": CITIZEN_ID, **overrides})


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
    return make_keys(platform_settings)


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


# --- the matrix at every route of every service, generated from each app's OpenAPI document ----------

BAD_AT_EVERY_ROUTE = (
    "no token", "garbage", "alg none", "HS256 keyed with the public key", "expired", "issued in the future",
    "wrong issuer", "wrong audience", "rogue key with the real kid",
    "the local development key, when identity's keys are trusted",
)  # fmt: skip
"""The bad tokens sent to every route (all of `bad_tokens` go to one route of each service above)."""


@pytest.fixture
async def platform(platform_settings: Settings, keys: Keys) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """Every service with a route in POLICY."""
    async with every_service(platform_settings, keys, only=sorted({k[0] for k in POLICY})) as clients:
        yield clients


@pytest.fixture
async def identity(platform_settings: Settings, keys: Keys) -> AsyncIterator[httpx.AsyncClient]:
    async with every_service(platform_settings, keys, only=("identity",)) as clients:
        yield clients["identity"]


def test_every_route_of_every_service_is_in_the_matrix(platform_settings: Settings) -> None:
    """The tables above are the platform's access policy: a new route fails here until it is in one,
    and a route that is gone must leave them; a route in POLICY needs a bearer token in OpenAPI."""
    found = {r.key: r for name in SERVICES for r in routes(name, build(name, platform_settings))}
    tables = set(POLICY) | set(OPEN) | set(SESSION)
    everything = {key for key in found if key[2] not in HEALTH}
    assert sorted(everything - tables) == [], "routes with no policy in the token matrix"
    assert sorted(tables - everything) == [], "policies of routes that are gone"
    assert [k for k in POLICY if not found[k].bearer] == [], "routes the matrix expects a token at"
    assert [k for k in (*OPEN, *SESSION) if found[k].bearer] == [], "open routes that ask for a token"
    assert set(SERVICES) == {key[0] for key in everything}


async def test_every_route_refuses_bad_tokens_and_the_wrong_kind_of_caller(
    platform: dict[str, httpx.AsyncClient], keys: Keys
) -> None:
    """Each route of POLICY: the bad tokens are each a 401 problem; each kind of caller it does not
    allow (a citizen, P1 where P2 is needed, staff without the role, a service not named) a 403
    problem; each it allows gets past the check (one app setup for all services: it is the cost)."""
    every_bad = bad_tokens(keys)
    bad = {case: token for case, token in every_bad.items() if case in BAD_AT_EVERY_ROUTE}
    assert len(bad) == len(BAD_AT_EVERY_ROUTE)
    callers_ = principals(keys)
    checked: dict[str, int] = {}
    for service in sorted({key[0] for key in POLICY}):
        client = platform[service]
        for route in routes(service, app_of(client)):
            if route.key not in POLICY:
                continue
            # Every bad token at the service's first route, the commonest ones at every other.
            for case, token in (bad if checked.get(service) else every_bad).items():
                headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
                response = await client.request(route.method, route.url(), headers=headers)
                assert response.status_code == 401, (route.key, case, response.text)
                assert response.headers["content-type"] == "application/problem+json"
                checked[service] = checked.get(service, 0) + 1
            for label, token in callers_.items():
                response = await client.request(route.method, route.url(), headers=bearer(token))
                if label in POLICY[route.key]:
                    # Past the token check: the made-up id is not found, the empty body is invalid...
                    assert response.status_code not in (401, 403, 500), (route.key, label, response.text)
                else:
                    assert response.status_code == 403, (route.key, label, response.text)
                    assert response.headers["content-type"] == "application/problem+json"
                checked[service] += 1
    assert set(checked) == {key[0] for key in POLICY}
    # The figure for the issue's closing note: how many cases the matrix sent.
    print(f"token matrix: {sum(checked.values())} cases at {len(POLICY)} routes", checked)


async def test_session_routes_refuse_no_session_a_forged_one_and_a_bearer_token(
    identity: httpx.AsyncClient, keys: Keys
) -> None:
    """Identity's session routes take the session cookie only: none, a made-up one, and a valid
    internal token in its place (the wrong kind of credential) are each a 401 problem."""
    client = identity
    attempts: dict[str, dict[str, str]] = {
        "no session": {},
        "a made-up session": {"Cookie": "dwp_session=" + uuid.uuid4().hex},
        "an empty session": {"Cookie": "dwp_session="},
        "a bearer token instead": bearer(principals(keys)["citizen"]),
    }
    for (_, method, path), request in SESSION.items():
        for case, headers in attempts.items():
            response = await client.request(
                method, path, **request | {"headers": {**request.get("headers", {}), **headers}}
            )
            assert response.status_code == 401, (path, case, response.text)
            assert response.headers["content-type"] == "application/problem+json", (path, case)
