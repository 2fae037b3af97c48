"""Every service of the platform in one process, for the attack suite's generated matrices: each app
built by its own factory, its database migrated, its lifespan run, and every app trusting one issuer's
key (`ISSUER`, `Keys.identity`) instead of the local development key, so that the development key is
one of the bad tokens. Routes come from each app's OpenAPI document, so a new route is in the matrices
the day it is added."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import AsyncIterator, Collection
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet

from dwp.platform import catalog
from dwp.platform.auth import AUDIENCE, KeySource, TokenVerifier, load_or_create_dev_key, public_key_set
from dwp.platform.settings import Settings

ISSUER = "http://identity.test"
SERVICES = tuple(p.name for p in catalog.PROCESSES if p.kind == "service")
"""Every service of the catalogue (the gateway and the frontend have matrices of their own)."""
CALLERS = tuple(p.name for p in catalog.PROCESSES if p.kind in ("service", "worker", "frontend", "gateway"))
"""Every name a service token can carry."""
MIGRATED = ("benefits", "citizen", "claims", "identity", "integrations", "payments")
PARAMETER = re.compile(r"\{([^}]+)\}")


@dataclass(frozen=True)
class Keys:
    identity: ECKey
    rogue: ECKey
    dev: ECKey


def make_keys(settings: Settings) -> Keys:
    identity = ECKey.generate_key("P-256", parameters={"kid": "identity-1"}, private=True)
    rogue = ECKey.generate_key("P-256", parameters={"kid": "rogue-1"}, private=True)
    return Keys(identity=identity, rogue=rogue, dev=load_or_create_dev_key(settings))


def claims(**overrides: Any) -> dict[str, Any]:
    """A citizen token's claims (P2), with `overrides` (None removes a claim)."""
    now = int(time.time())
    citizen_id = str(uuid.uuid4())
    values: dict[str, Any] = {
        "iss": ISSUER, "aud": AUDIENCE, "sub": citizen_id, "kind": "citizen", "citizen_id": citizen_id,
        "loc": "P2", "iat": now, "exp": now + 300, "jti": uuid.uuid4().hex,
    }  # fmt: skip
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def signed(key: ECKey, kid: str | None = None, **overrides: Any) -> str:
    header = {"alg": "ES256", "typ": "JWT", "kid": kid if kid is not None else key.kid}
    return jwt.encode(header, claims(**overrides), key)


def principals(keys: Keys) -> dict[str, str]:
    """A valid token of every kind of caller, by label: `citizen` (P2), `citizen-P1` (identity not
    proven), `caseworker`, `team-leader`, `staff-without-role` (a caseworker token with no role) and
    `service:<name>` for every name a service token can carry."""
    key = keys.identity
    staff: dict[str, Any] = {"kind": "caseworker", "citizen_id": None, "loc": None}
    tokens = {
        "citizen": signed(key),
        "citizen-P1": signed(key, loc="P1"),
        "caseworker": signed(key, **staff, sub="staff-cw", roles=["caseworker"]),
        "team-leader": signed(key, **staff, sub="staff-tl", roles=["team-leader"]),
        "staff-without-role": signed(key, **staff, sub="staff-none", roles=[]),
    }
    service: dict[str, Any] = {"kind": "service", "citizen_id": None, "loc": None}
    return tokens | {f"service:{name}": signed(key, **service, sub=name) for name in CALLERS}


@dataclass(frozen=True)
class Route:
    service: str
    method: str
    path: str
    bearer: bool
    """Whether its OpenAPI operation names the bearer scheme (a route that needs a token)."""

    def url(self, value: str = "00000000-0000-4000-8000-000000000000") -> str:
        return PARAMETER.sub(value, self.path)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.service, self.method, self.path)


def routes(name: str, app: FastAPI) -> list[Route]:
    found = []
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            bearer = any("HTTPBearer" in requirement for requirement in operation.get("security", []))
            found.append(Route(name, method.upper(), path, bearer))
    return sorted(found, key=lambda r: r.key)


def build(name: str, settings: Settings) -> FastAPI:
    import importlib

    app: FastAPI = importlib.import_module(f"dwp.{name}.app").build_app(settings)
    return app


@asynccontextmanager
async def every_service(
    settings: Settings, keys: Keys, *, only: Collection[str] = SERVICES
) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """A client on each service (of `only`), every one running its lifespan and trusting
    `keys.identity` only."""
    from dwp.platform.migrations import upgrade

    for schema in set(MIGRATED) & set(only):
        await asyncio.to_thread(upgrade, schema, settings)
    trusted = KeySource(key_set=KeySet.import_key_set(public_key_set([keys.identity])))
    clients: dict[str, httpx.AsyncClient] = {}
    async with AsyncExitStack() as stack:
        for name in only:
            app = build(name, settings)
            await stack.enter_async_context(app.router.lifespan_context(app))
            app.state.token_verifier = TokenVerifier(trusted, issuer=ISSUER)
            clients[name] = await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{name}.test")
            )
        yield clients


def app_of(client: httpx.AsyncClient) -> FastAPI:
    app: FastAPI = client._transport.app  # type: ignore[attr-defined]
    return app
