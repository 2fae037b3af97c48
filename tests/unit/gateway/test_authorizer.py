"""The AWS REST API's Lambda authorizer makes the local gateway's check (issue 12: "The AWS API Gateway
checks only an API key"): the security suite's token matrix against its handler, the same public routes,
the same path reading, and the issuer's keys fetched over real HTTP from a JWKS endpoint on loopback."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from joserfc.jwk import ECKey

from dwp.gateway import authorizer as module
from dwp.gateway.authorizer import UNAUTHORIZED, Authorizer
from dwp.gateway.routes import PUBLIC_ROUTES
from dwp.platform.auth import KeySource, TokenVerifier, public_key_set
from dwp.platform.errors import DependencyUnavailable
from tests.integration.test_token_matrix import ISSUER, Keys, _signed, bad_tokens

API = "arn:aws:execute-api:eu-west-2:333333333333:a1b2c3d4e5/live"


class Jwks:
    """The identity service's JWKS route, as the internal load balancer serves it."""

    def __init__(self, body: dict) -> None:
        self.body = json.dumps(body).encode()
        self.requests = 0
        self.down = False
        jwks = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                jwks.requests += 1
                status = 503 if jwks.down else 200
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(jwks.body)))
                self.end_headers()
                self.wfile.write(jwks.body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/.well-known/jwks.json"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def keys(tmp_path) -> Keys:
    return Keys(
        identity=ECKey.generate_key("P-256", parameters={"kid": "identity-1"}, private=True),
        rogue=ECKey.generate_key("P-256", parameters={"kid": "rogue-1"}, private=True),
        dev=ECKey.generate_key("P-256", parameters={"kid": "dev-1"}, private=True),
    )


@pytest.fixture
def jwks(keys: Keys) -> Iterator[Jwks]:
    endpoint = Jwks(public_key_set([keys.identity]))
    yield endpoint
    endpoint.server.shutdown()


@pytest.fixture
def authorizer(jwks: Jwks) -> Authorizer:
    return Authorizer(TokenVerifier(KeySource(jwks_url=jwks.url), issuer=ISSUER))


def event(method: str, path: str, token: str | None = None, **headers: str) -> dict:
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return {
        "type": "REQUEST",
        "methodArn": f"{API}/{method}{path}",
        "resource": "/v1/citizens/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "requestContext": {"stage": "live", "requestId": str(uuid.uuid4())},
    }


def _effect(answer: dict) -> str:
    (statement,) = answer["policyDocument"]["Statement"]
    return statement["Effect"]


def test_the_token_matrix_is_refused_with_401_and_a_valid_token_passes(authorizer, keys) -> None:
    path = f"/v1/citizens/{uuid.uuid4()}"
    valid = authorizer.authorize(event("GET", path, _signed(keys.identity)))
    assert _effect(valid) == "Allow"
    assert valid["policyDocument"]["Statement"][0]["Resource"] == f"{API}/GET{path}"
    assert valid["context"]["kind"] == "citizen"
    refused = {}
    for case, token in bad_tokens(keys).items():
        try:
            authorizer.authorize(event("GET", path, token))
            refused[case] = "allowed"
        except PermissionError as exc:
            refused[case] = str(exc)
    assert refused == dict.fromkeys(bad_tokens(keys), UNAUTHORIZED)


def test_a_header_that_is_not_a_bearer_token_is_refused(authorizer, keys) -> None:
    token = _signed(keys.identity)
    for header in (f"Basic {token}", token, "Bearer ", "Bearer"):
        with pytest.raises(PermissionError, match=f"^{UNAUTHORIZED}$"):
            authorizer.authorize(event("GET", "/v1/claims", authorization=header))
    # Header names arrive in the case the client sent them.
    assert (
        _effect(authorizer.authorize(event("GET", "/v1/claims", AUTHORIZATION=f"bearer {token}"))) == "Allow"
    )


@pytest.mark.parametrize("route", PUBLIC_ROUTES, ids=lambda r: r.prefix)
def test_the_local_gateways_public_routes_need_no_token_and_only_with_their_methods(
    authorizer, route
) -> None:
    path = route.prefix.rstrip("/") + ("/x" if route.prefix.endswith("/") else "")
    for method in sorted(route.methods):
        answer = authorizer.authorize(event(method, path))
        assert _effect(answer) == "Allow", (method, path)
        assert answer["context"] == {"kind": "anonymous"}
    for method in sorted({"GET", "POST", "DELETE"} - route.methods):
        with pytest.raises(PermissionError):
            authorizer.authorize(event(method, path))


@pytest.mark.parametrize(
    "path",
    ["/v1/rates/../assessments/X", "/v1/rates/./x", "/v1/auth/..", "/v1/rates\\..\\assessments",
     "/v1/rates//x", "/v1/rates/\x00", "/v1/rates/\r\nX-Injected:1", "/v1/rates/\u0085"],
)  # fmt: skip
def test_a_path_with_more_than_one_reading_is_denied_even_on_a_public_route(authorizer, path) -> None:
    assert _effect(authorizer.authorize(event("GET", path))) == "Deny"


def test_a_welsh_path_is_read_as_the_local_gateway_reads_it(authorizer) -> None:
    assert _effect(authorizer.authorize(event("GET", "/v1/rates/ŵyr"))) == "Allow"


def test_a_token_is_checked_once_and_the_keys_fetched_once(authorizer, jwks, keys) -> None:
    token = _signed(keys.identity)
    for _ in range(5):
        authorizer.authorize(event("GET", "/v1/claims", token))
    assert jwks.requests == 1


def test_when_the_issuers_keys_cannot_be_fetched_it_is_not_a_401(authorizer, jwks, keys) -> None:
    """API Gateway answers an authorizer error as AUTHORIZER_FAILURE, a 503 problem (infra/)."""
    jwks.down = True
    with pytest.raises(DependencyUnavailable):
        authorizer.authorize(event("GET", "/v1/claims", _signed(keys.identity)))


@dataclass
class Context:
    function_name: str = "dwp-production-authorizer"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:eu-west-2:333333333333:function:dwp-production-authorizer"
    aws_request_id: str = "7e6b7d1c-0000-4000-8000-000000000001"


def test_the_lambda_handler_answers_with_the_policy(monkeypatch, authorizer, keys) -> None:
    monkeypatch.setattr(module, "_authorizer", authorizer)
    answer = module.handler(event("POST", "/v1/claims", _signed(keys.identity)), Context())
    assert _effect(answer) == "Allow"
    assert answer["principalId"] == answer["context"]["subject"]
    with pytest.raises(PermissionError):
        module.handler(event("POST", "/v1/claims"), Context())
