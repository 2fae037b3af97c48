"""The gateway as it runs outside tests: no in-process transport, so its own connection pools (httpcore,
bytes passed through) talk to a real server on a local port. What the in-process tests check through an
httpx transport, checked here over the wire: the forwarded request, the answer's headers and body (a
big one streamed), connections kept and reused, and the problem documents when a service is not there."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn
from joserfc.jwk import ECKey, KeySet

from dwp.gateway.app import build_app
from dwp.platform import catalog
from dwp.platform.auth import KeySource, TokenVerifier, mint_token, public_key_set
from dwp.platform.settings import Settings
from tests.unit.gateway.test_gateway import ISSUER, _echo_app

GATEWAY = "http://gateway.test"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def citizen_server() -> AsyncIterator[str]:
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(_echo_app("citizen"), host="127.0.0.1", port=port, log_config=None, lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@pytest.fixture
def key() -> ECKey:
    return ECKey.generate_key("P-256", parameters={"kid": "identity-1"}, private=True)


@pytest.fixture
async def gateway(
    citizen_server: str, key: ECKey, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    # One echo server stands in for the citizen, claims and identity services.
    for name in ("citizen", "claims", "identity"):
        monkeypatch.setenv(catalog.process(name).url_setting, citizen_server)
    # Nothing listens here: the payments service is down.
    monkeypatch.setenv(catalog.process("payments").url_setting, f"http://127.0.0.1:{_free_port()}")
    settings = Settings(dwp_data_dir=tmp_path, dwp_env="test", dwp_jwt_issuer=ISSUER, redis_url=None)
    app = build_app(settings)
    async with app.router.lifespan_context(app):
        assert not hasattr(app.state, "http"), "outside tests the gateway has no httpx client"
        app.state.token_verifier = TokenVerifier(
            KeySource(key_set=KeySet.import_key_set(public_key_set([key]))), issuer=ISSUER
        )
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=GATEWAY) as client:
            yield client


def _auth(key: ECKey) -> dict[str, str]:
    token = mint_token(key, issuer=ISSUER, subject="c-1", kind="citizen", citizen_id="c-1")
    return {"Authorization": f"Bearer {token}"}


async def test_a_request_goes_on_as_sent_and_its_answer_comes_back(gateway, citizen_server, key) -> None:
    response = await gateway.get(
        "/v1/citizens/c-1%7Ex?fields=name",
        headers={**_auth(key), "X-Request-Id": "req-12345678", "X-Custom": "kept"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["service"], body["raw_path"], body["query"]) == (
        "citizen", "/v1/citizens/c-1%7Ex", "fields=name",
    )  # fmt: skip
    forwarded = body["headers"]
    assert forwarded["host"] == citizen_server.removeprefix("http://")
    assert forwarded["x-custom"] == "kept"
    assert forwarded["x-request-id"] == "req-12345678"
    assert forwarded["authorization"].startswith("Bearer ")
    assert forwarded["x-forwarded-proto"] == "http"
    assert forwarded["x-forwarded-host"] == "gateway.test"
    assert len(forwarded["traceparent"].split("-")) == 4
    assert "transfer-encoding" not in forwarded
    assert response.headers["x-request-id"] == "req-12345678"
    assert len(response.headers.get_list("date")) <= 1  # the service's own Date is not passed on


async def test_a_body_goes_on_whole_and_every_set_cookie_comes_back(gateway, key) -> None:
    sent = await gateway.post(
        "/v1/citizens/c-1", headers={**_auth(key), "Content-Type": "application/json"}, content=b"7" * 5000
    )
    assert sent.json()["body_length"] == 5000
    streamed = await gateway.post(
        "/v1/citizens/c-1", headers=_auth(key), content=_chunks([b"z" * 70_000, b"z" * 30_000])
    )
    assert streamed.json()["body_length"] == 100_000
    cookies = await gateway.get("/v1/auth/cookies")
    assert sorted(cookies.headers.get_list("set-cookie")) == [
        "a=1; Path=/; SameSite=lax",
        "b=2; Path=/; SameSite=lax",
    ]
    gateway.cookies.clear()
    echoed = (await gateway.get("/v1/auth/echo")).json()
    assert "cookie" not in echoed["headers"]


async def _chunks(parts: list[bytes]) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def test_a_big_answer_is_streamed_whole(gateway, key) -> None:
    response = await gateway.get("/v1/claims/big", headers=_auth(key))
    assert response.status_code == 200
    assert response.content == b"x" * 65536 * 4
    assert "content-length" not in response.headers  # streamed on, as the service sent it


async def test_connections_are_kept_and_reused(gateway, key) -> None:
    answers = await asyncio.gather(
        *(gateway.get(f"/v1/citizens/c-{n}", headers=_auth(key)) for n in range(40))
    )
    assert [a.status_code for a in answers] == [200] * 40
    again = [await gateway.get("/v1/citizens/c-1", headers=_auth(key)) for _ in range(5)]
    assert [a.status_code for a in again] == [200] * 5


async def test_a_service_that_is_not_there_is_a_503_problem(gateway, key) -> None:
    response = await gateway.get("/v1/payments/anything", headers=_auth(key))
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["retry-after"] == "5"
    assert response.json()["type"].endswith("upstream-unavailable")
