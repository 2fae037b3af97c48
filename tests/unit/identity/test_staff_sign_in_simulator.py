"""The staff sign-in simulator behaves like an Entra ID tenant's v2.0 endpoints.

Claims checked against the Microsoft identity platform's "ID token claims reference"
(learn.microsoft.com/entra/identity-platform/id-token-claims-reference): v2.0 tokens carry
`aud`, `iss` ending in /v2.0, `iat`, `nbf`, `exp`, `name`, `nonce`, `oid`, `preferred_username`,
`roles`, `sub`, `tid` and `ver` "2.0".
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc import jwk, jwt

from dwp.simulators.oidc import s256_challenge
from dwp.simulators.staff_sign_in.app import StaffClient, create_app

BASE = "http://staff-sign-in.test"
REDIRECT = "https://rp.example/staff/callback"
SECRET = "s3cret-for-tests"
VERIFIER = "v" * 64


@pytest.fixture
async def staff() -> AsyncIterator[httpx.AsyncClient]:
    client = StaffClient("caseworker-app", SECRET, (REDIRECT,), ("https://rp.example/signed-out",))
    app = create_app(base_url=BASE, clients={"caseworker-app": client})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
        http.headers["x-tenant"] = app.state.tenant
        yield http


async def _discovery(http: httpx.AsyncClient) -> dict[str, str]:
    response = await http.get(f"/{http.headers['x-tenant']}/v2.0/.well-known/openid-configuration")
    return dict(response.json())


async def _code(http: httpx.AsyncClient, member: str, nonce: str = "n-0S6") -> str:
    doc = await _discovery(http)
    page = await http.get(
        doc["authorization_endpoint"],
        params={"client_id": "caseworker-app", "response_type": "code", "redirect_uri": REDIRECT,
                "scope": "openid profile", "state": "st", "nonce": nonce,
                "code_challenge": s256_challenge(VERIFIER), "code_challenge_method": "S256"},
    )  # fmt: skip
    assert page.status_code == 200
    interaction = page.headers["X-Simulator-Interaction"]
    done = await http.post(
        f"/{http.headers['x-tenant']}/oauth2/v2.0/authorize/{interaction}", data={"user_id": member}
    )
    assert done.status_code == 302
    query = parse_qs(urlsplit(done.headers["location"]).query)
    assert query["state"] == ["st"]
    return query["code"][0]


async def _token(http: httpx.AsyncClient, code: str, **extra: str) -> httpx.Response:
    doc = await _discovery(http)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": "caseworker-app",
        "client_secret": SECRET,
        "code_verifier": VERIFIER,
    } | extra
    return await http.post(doc["token_endpoint"], data=form)


async def test_discovery_has_entra_v2_shape(staff: httpx.AsyncClient) -> None:
    doc = await _discovery(staff)
    tenant = staff.headers["x-tenant"]
    assert doc["issuer"] == f"{BASE}/{tenant}/v2.0"
    assert doc["authorization_endpoint"] == f"{BASE}/{tenant}/oauth2/v2.0/authorize"
    assert doc["jwks_uri"] == f"{BASE}/{tenant}/discovery/v2.0/keys"
    assert "roles" in doc["claims_supported"]


async def test_team_leader_id_token_carries_roles(staff: httpx.AsyncClient) -> None:
    response = await _token(staff, await _code(staff, "chris.patel"))
    assert response.status_code == 200
    doc = await _discovery(staff)
    keys = jwk.KeySet.import_key_set((await staff.get(doc["jwks_uri"])).json())
    token = jwt.decode(response.json()["id_token"], keys, algorithms=["RS256"])
    claims = token.claims
    assert token.header["alg"] == "RS256"
    assert claims["roles"] == ["caseworker", "team-leader"]
    assert claims["iss"] == doc["issuer"]
    assert claims["aud"] == "caseworker-app"
    assert claims["ver"] == "2.0"
    assert claims["nonce"] == "n-0S6"
    assert {"oid", "tid", "preferred_username", "name", "sub", "iat", "nbf", "exp"} <= set(claims)


async def test_staff_without_app_role_get_empty_roles(staff: httpx.AsyncClient) -> None:
    response = await _token(staff, await _code(staff, "ellis.reed"))
    claims = jwt.decode(response.json()["id_token"], await _keys(staff)).claims
    assert claims["roles"] == []


async def _keys(http: httpx.AsyncClient) -> jwk.KeySet:
    doc = await _discovery(http)
    return jwk.KeySet.import_key_set((await http.get(doc["jwks_uri"])).json())


async def test_client_secret_basic_is_accepted(staff: httpx.AsyncClient) -> None:
    code = await _code(staff, "alex.morgan")
    basic = base64.b64encode(f"caseworker-app:{SECRET}".encode()).decode()
    doc = await _discovery(staff)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": VERIFIER,
    }
    response = await staff.post(doc["token_endpoint"], data=form, headers={"Authorization": f"Basic {basic}"})
    assert response.status_code == 200


async def test_wrong_secret_is_invalid_client(staff: httpx.AsyncClient) -> None:
    response = await _token(staff, await _code(staff, "alex.morgan"), client_secret="wrong")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_wrong_pkce_verifier_is_invalid_grant(staff: httpx.AsyncClient) -> None:
    response = await _token(staff, await _code(staff, "alex.morgan"), code_verifier="w" * 64)
    assert response.json()["error"] == "invalid_grant"


async def test_unregistered_redirect_uri_is_refused(staff: httpx.AsyncClient) -> None:
    doc = await _discovery(staff)
    response = await staff.get(
        doc["authorization_endpoint"],
        params={"client_id": "caseworker-app", "response_type": "code", "redirect_uri": "https://evil.example/",
                "scope": "openid"},
    )  # fmt: skip
    assert response.status_code == 400
