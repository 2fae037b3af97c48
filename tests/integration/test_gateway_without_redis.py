"""The gateway with its Redis gone (issue 11): every request used to be a 500 and readiness stayed 200.

Now the limiter counts in the process with the same limits (never open: the limit on guessing tokens
holds), says so in its log and its metric, readiness reports the store as degraded (still 200: it
serves, so the load balancer keeps every gateway task), and once Redis is back the shared counts resume
without a restart. The Redis here is the test's own (`PrivateRedis`), killed with SIGKILL and started
again on the same port; the shared server is never touched.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from joserfc.jwk import KeySet
from prometheus_client import REGISTRY

from dwp.gateway import ratelimit
from dwp.gateway.app import build_app
from dwp.platform import catalog
from dwp.platform.auth import KeySource, TokenVerifier, public_key_set
from dwp.platform.settings import Settings
from tests.servers import PrivateRedis
from tests.unit.gateway.test_gateway import ISSUER, Services, _echo_app
from tests.unit.gateway.test_rate_limits import KEY, _forged, _token

pytestmark = pytest.mark.integration


@pytest.fixture
def redis() -> AsyncIterator[PrivateRedis]:
    with PrivateRedis() as server:
        yield server  # type: ignore[misc]


@pytest.fixture
async def gateway(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, redis: PrivateRedis
) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.setenv("DWP_GATEWAY_RATE_LIMIT", "5/minute")
    monkeypatch.setenv("DWP_GATEWAY_REFUSED_RATE_LIMIT", "3/minute")
    monkeypatch.setattr(ratelimit, "SHARED_RETRY_SECONDS", 0.2)
    identity, citizen = (catalog.process(n).local_url for n in ("identity", "citizen"))
    services = Services({identity: _echo_app("identity"), citizen: _echo_app("citizen")}, broken=set())
    settings = Settings(dwp_data_dir=tmp_path, dwp_env="test", dwp_jwt_issuer=ISSUER, redis_url=redis.url)
    app: FastAPI = build_app(settings, transport=services)
    async with app.router.lifespan_context(app):
        app.state.token_verifier = TokenVerifier(
            KeySource(key_set=KeySet.import_key_set(public_key_set([KEY]))), issuer=ISSUER
        )
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gw.test"
        ) as http:
            yield http


def _shared_store() -> float | None:
    return REGISTRY.get_sample_value("dwp_gateway_rate_limit_shared_store")


async def _until(condition: Callable[[], Awaitable[bool]]) -> None:
    async with asyncio.timeout(20):  # generous: a condition, not a fixed sleep
        while not await condition():  # noqa: ASYNC110 - polls an outside process (Redis)
            await asyncio.sleep(0.05)


async def test_redis_killed_limits_in_process_never_open_and_recovers(
    gateway: httpx.AsyncClient, redis: PrivateRedis
) -> None:
    me = _token("c-up")
    assert [(await gateway.get("/v1/citizens/me", headers=me)).status_code for _ in range(2)] == [200, 200]
    ready = await gateway.get("/health/ready")
    assert ready.status_code == 200, ready.text
    assert _shared_store() == 1

    redis.kill()
    # Another person, counted from nothing in the process: five, then the limit. No 500, never open.
    other = _token("c-down")
    statuses = [(await gateway.get("/v1/citizens/me", headers=other)).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    assert _shared_store() == 0
    # Readiness tells the truth: degraded, yet serving, so the load balancer keeps every gateway task.
    ready = await gateway.get("/health/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json()["status"] == "degraded"
    assert ready.json()["checks"]["rate_limit_store"].startswith("degraded: ")
    # Guessing tokens stays as slow: the fourth forged token from this address is refused unchecked.
    forged = [(await gateway.get("/v1/citizens/me", headers=_forged())).status_code for _ in range(4)]
    assert forged == [401, 401, 401, 429]

    redis.start()  # the same port, empty

    async def recovered() -> bool:
        await gateway.get("/v1/citizens/me", headers=_token("c-back"))
        return _shared_store() == 1 and (await gateway.get("/health/ready")).json()["status"] == "ok"

    await _until(recovered)
    # Counted in Redis again: a fresh person gets the full limit there.
    fresh = _token("c-fresh")
    statuses = [(await gateway.get("/v1/citizens/me", headers=fresh)).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]


async def test_redis_that_never_answers_costs_a_bounded_wait(
    gateway: httpx.AsyncClient, redis: PrivateRedis
) -> None:
    """A stopped (not dead) Redis: each request waits at most the store's timeout, then counts locally."""
    import os
    import signal

    assert redis._process is not None
    os.kill(redis._process.pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        response = await gateway.get("/v1/citizens/me", headers=_token("c-stopped"))
        waited = time.monotonic() - started
        assert response.status_code == 200, response.text
        assert _shared_store() == 0
        assert waited < 10 * ratelimit.SHARED_TIMEOUT_SECONDS + 5  # bounded, not a hang (generous: CI load)
    finally:
        os.kill(redis._process.pid, signal.SIGCONT)
