"""The gateway in front of stand-in services: routing, the edge token check, rate limits, size limits,
request ids, trace propagation, streaming, and problem documents when a service is down or slow."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from joserfc.jwk import ECKey, KeySet

from dwp.gateway.app import build_app
from dwp.platform import catalog
from dwp.platform.auth import KeySource, TokenVerifier, mint_token, public_key_set
from dwp.platform.http import holds_no_cookies
from dwp.platform.settings import Settings
from tests.unit.gateway.test_paths import REFUSED

ISSUER = "http://identity.test"
GATEWAY = "http://gateway.test"


def _echo_app(name: str) -> FastAPI:
    """A service that answers with what it received, so the tests can see what the gateway forwarded."""
    app = FastAPI()

    @app.api_route("/{path:path}", methods=["GET", "POST", "PUT"])
    async def echo(path: str, request: Request) -> Response:
        if path == "v1/claims/slow":
            await asyncio.sleep(1)
        if path == "v1/claims/big":
            return StreamingResponse(iter([b"x" * 65536] * 4), media_type="application/octet-stream")
        if path == "v1/auth/cookies":
            response = JSONResponse({})
            response.set_cookie("a", "1")
            response.set_cookie("b", "2")
            return response
        body = await request.body()
        received = {"service": name, "path": "/" + path, "query": request.url.query}
        received["raw_path"] = request.scope["raw_path"].decode("latin-1")
        return JSONResponse(received | {"headers": dict(request.headers), "body_length": len(body)})

    return app


class Services(httpx.AsyncBaseTransport):
    def __init__(self, apps: dict[str, FastAPI], broken: set[str]) -> None:
        self.apps = {urlsplit(u).netloc: httpx.ASGITransport(app=a) for u, a in apps.items()}
        self.broken = {urlsplit(u).netloc for u in broken}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.netloc.decode()
        if host in self.broken:
            raise httpx.RemoteProtocolError("the service hung up mid-answer", request=request)
        if host not in self.apps:
            raise httpx.ConnectError("connection refused", request=request)
        return await self.apps[host].handle_async_request(request)


@pytest.fixture
def key() -> ECKey:
    return ECKey.generate_key("P-256", parameters={"kid": "identity-1"}, private=True)


@pytest.fixture
async def gateway(
    key: ECKey, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Callable[..., AsyncIterator[httpx.AsyncClient]]]:
    monkeypatch.setenv("DWP_GATEWAY_RATE_LIMIT", "5/minute")
    monkeypatch.setattr("dwp.gateway.app.TIMEOUT", httpx.Timeout(0.3))  # the slow service takes 1 s
    citizen, claims, identity = (catalog.process(n).local_url for n in ("citizen", "claims", "identity"))
    services = Services(
        {citizen: _echo_app("citizen"), claims: _echo_app("claims"), identity: _echo_app("identity")},
        broken={catalog.process("integrations").local_url},
    )
    settings = Settings(  # in-memory rate limits: counts in a shared Redis would carry over between tests
        dwp_data_dir=tmp_path,
        dwp_env="test",
        dwp_jwt_issuer=ISSUER,
        dwp_max_body_bytes=200_000,
        redis_url=None,
    )
    app = build_app(settings, transport=services)
    async with app.router.lifespan_context(app):
        app.state.token_verifier = TokenVerifier(
            KeySource(key_set=KeySet.import_key_set(public_key_set([key]))), issuer=ISSUER
        )
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=GATEWAY) as client:
            yield client


def _token(key: ECKey, **overrides: object) -> str:
    claims: dict[str, object] = {"issuer": ISSUER, "subject": "c-1", "kind": "citizen", "citizen_id": "c-1"}
    return mint_token(key, **(claims | overrides))  # type: ignore[arg-type]


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["x-request-id"]
    return dict(response.json())


async def test_routes_by_longest_prefix_and_forwards_path_and_query(gateway, key: ECKey) -> None:
    response = await gateway.get("/v1/citizens/c-1?fields=name", headers=_auth(_token(key)))
    assert response.status_code == 200
    body = response.json()
    assert (body["service"], body["path"], body["query"]) == ("citizen", "/v1/citizens/c-1", "fields=name")
    assert body["headers"]["authorization"].startswith("Bearer ")
    assert body["headers"]["x-forwarded-for"]
    assert "transfer-encoding" not in body["headers"]


async def test_unknown_prefix_is_a_404_problem(gateway, key: ECKey) -> None:
    _problem(await gateway.get("/v2/nothing", headers=_auth(_token(key))), 404)


async def test_public_routes_need_no_token(gateway) -> None:
    response = await gateway.get("/v1/auth/one-login/start")
    assert response.json()["service"] == "identity"
    assert (await gateway.get("/.well-known/jwks.json")).status_code == 200


@pytest.mark.parametrize(
    "make_token",
    [
        lambda key: None,
        lambda key: "not-a-jwt",
        lambda key: _token(key, now=time.time() - 3600),  # expired
        lambda key: _token(key, audience="another-audience"),
        lambda key: _token(key, issuer="dwp-local-dev"),
        lambda key: _token(
            ECKey.generate_key("P-256", parameters={"kid": "dev-1234"}, private=True)
        ),  # unknown
        lambda key: _token(ECKey.generate_key("P-256", parameters={"kid": key.kid}, private=True)),  # forged
    ],
    ids=["missing", "garbage", "expired", "other-audience", "other-issuer", "unknown-key", "wrong-key"],
)
async def test_edge_refuses_bad_tokens_with_401(gateway, key: ECKey, make_token) -> None:
    token = make_token(key)
    headers = _auth(token) if token else {}
    body = _problem(await gateway.get("/v1/citizens/c-1", headers=headers), 401)
    assert body["title"] == "Unauthorised"


async def test_rate_limit_gives_429_with_retry_after(gateway, key: ECKey) -> None:
    token = _token(key, subject="busy-citizen")
    statuses = [(await gateway.get("/v1/claims", headers=_auth(token))).status_code for _ in range(5)]
    assert statuses == [200] * 5
    limited = await gateway.get("/v1/claims", headers=_auth(token))
    _problem(limited, 429)
    assert int(limited.headers["retry-after"]) >= 1
    other = await gateway.get("/v1/claims", headers=_auth(_token(key, subject="another-citizen")))
    assert other.status_code == 200  # limits are per client


async def test_oversized_body_is_a_413_problem(gateway, key: ECKey) -> None:
    response = await gateway.post("/v1/claims", headers=_auth(_token(key)), content=b"x" * 300_000)
    _problem(response, 413)


async def test_large_bodies_stream_both_ways(gateway, key: ECKey) -> None:
    sent = await gateway.post("/v1/claims", headers=_auth(_token(key)), content=b"y" * 150_000)
    assert sent.json()["body_length"] == 150_000
    received = await gateway.get("/v1/claims/big", headers=_auth(_token(key)))
    assert len(received.content) == 4 * 65536


async def test_request_id_and_trace_context_reach_the_service(gateway, key: ECKey) -> None:
    traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    response = await gateway.get(
        "/v1/citizens/c-1",
        headers={**_auth(_token(key)), "X-Request-ID": "req-12345678", "traceparent": traceparent},
    )
    forwarded = response.json()["headers"]
    assert response.headers["x-request-id"] == "req-12345678"
    assert forwarded["x-request-id"] == "req-12345678"
    assert forwarded["traceparent"].split("-")[1] == "4bf92f3577b34da6a3ce929d0e0e4736"


async def test_the_gateway_keeps_no_cookie_for_the_next_caller(gateway) -> None:
    """A Set-Cookie passes through to its caller and is never sent on for anyone else."""
    first = await gateway.get("/v1/auth/cookies")
    assert first.headers.get_list("set-cookie")
    gateway.cookies.clear()  # the next caller is another browser, with no cookies of its own
    echoed = (await gateway.get("/v1/auth/echo")).json()
    assert "cookie" not in echoed["headers"]
    own = (await gateway.get("/v1/auth/echo", headers={"Cookie": "mine=1"})).json()
    assert own["headers"]["cookie"] == "mine=1"
    app = gateway._transport.app  # type: ignore[attr-defined]
    assert holds_no_cookies(app.state.http)


async def test_every_set_cookie_survives(gateway) -> None:
    response = await gateway.get("/v1/auth/cookies")
    assert sorted(response.headers.get_list("set-cookie")) == [
        "a=1; Path=/; SameSite=lax",
        "b=2; Path=/; SameSite=lax",
    ]


async def test_service_down_is_503(gateway, key: ECKey) -> None:
    response = await gateway.get("/v1/estimates")  # benefits has no app listening in this test
    _problem(response, 503)
    assert response.headers["retry-after"] == "5"


async def test_slow_service_is_504(gateway, key: ECKey) -> None:
    _problem(await gateway.get("/v1/claims/slow", headers=_auth(_token(key))), 504)


async def test_broken_service_is_502(gateway, key: ECKey) -> None:
    _problem(await gateway.get("/v1/data-access", headers=_auth(_token(key))), 502)


async def _raw_request(app: FastAPI, raw_path: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    """One request with exactly these path bytes, which no HTTP client would send unchanged."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": raw_path.decode("latin-1"), "raw_path": raw_path, "query_string": b"",
        "root_path": "", "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000), "server": ("gateway.test", 80),
    }  # fmt: skip
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")  # type: ignore[misc]
    return int(start["status"]), body  # type: ignore[call-overload]


ON_THE_WIRE = {k: v for k, v in REFUSED.items() if v.startswith(b"/")}  # HTTP/1.1 never sends the others


@pytest.mark.parametrize("raw", ON_THE_WIRE.values(), ids=ON_THE_WIRE.keys())
async def test_a_path_with_more_than_one_reading_is_a_400_problem(gateway, key: ECKey, raw: bytes) -> None:
    """Before: `/v1/rates/../assessments/X` passed as public, `/v1/auth/../../metrics` reached identity's
    metrics, and `/v1/rates/%00%27` was a 500. Now none of them reaches a service."""
    app = gateway._transport.app
    for headers in ({}, _auth(_token(key))):
        status, body = await _raw_request(app, raw, headers)
        assert status == 400, body
        problem = json.loads(body)
        # The platform middleware refuses controls and invalid UTF-8 first; the gateway refuses the rest.
        assert problem["type"].endswith(("/bad-path", "/bad-request")), problem
        assert "service" not in problem  # no service answered


@pytest.mark.parametrize(
    "raw", [b"/v1/claims/Caf%C3%A9", b"/v1/claims/caf%c3%a9", b"/v1/claims/a%20b", b"/v1/claims/%41"]
)
async def test_the_service_gets_exactly_the_path_bytes_that_were_checked(
    gateway, key: ECKey, raw: bytes
) -> None:
    status, body = await _raw_request(gateway._transport.app, raw, _auth(_token(key)))
    assert status == 200, body
    assert json.loads(body)["raw_path"] == raw.decode()


async def test_metrics_are_never_reached_through_the_gateway(gateway, key: ECKey) -> None:
    """No route prefix covers a service's /metrics, and no path can climb out of a prefix to reach it."""
    assert not any(
        "metrics" in prefix or prefix.startswith("/health")
        for process in catalog.PROCESSES
        for prefix in process.route_prefixes
    )
    for path in (b"/v1/auth/../../metrics", b"/v1/citizens/..%2f..%2fmetrics", b"/v1/auth/%2e%2e/metrics"):
        status, _ = await _raw_request(gateway._transport.app, path, _auth(_token(key)))
        assert status == 400
    # What a prefix does forward is the service's own route under that prefix, never its /metrics.
    forwarded = (await gateway.get("/v1/auth/metrics")).json()
    assert forwarded["path"] == "/v1/auth/metrics"


@pytest.mark.parametrize(
    "declared", ["\u00b2", "1\u00b9", "x", "-1"], ids=["superscript", "mixed", "letter", "sign"]
)
async def test_a_content_length_that_is_not_ascii_digits_is_a_400_problem(
    gateway, key: ECKey, declared: str
) -> None:
    """`"\u00b2".isdigit()` is true and int() refuses it: that Content-Length was a 500."""
    headers = [
        (b"content-length", declared.encode("latin-1")),
        (b"authorization", _auth(_token(key))["Authorization"].encode()),
    ]
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/v1/claims", "raw_path": b"/v1/claims", "query_string": b"",
        "root_path": "", "headers": headers, "client": ("127.0.0.1", 50000), "server": ("gateway.test", 80),
    }  # fmt: skip
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    await gateway._transport.app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 400
