"""A tiny relying party for driving the One Login simulator in tests, built on joserfc."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from joserfc import jwk, jwt

from dwp.simulators.oidc import s256_challenge

BASE = "http://one-login.test"
REDIRECT_URI = "https://rp.example/callback"
LOGOUT_URI = "https://rp.example/signed-out"
BACK_CHANNEL_URI = "https://rp.example/back-channel-logout"
CLIENT_ID = "test-rp"
IDENTITY_CLAIMS = {
    "userinfo": {
        "https://vocab.account.gov.uk/v1/coreIdentityJWT": None,
        "https://vocab.account.gov.uk/v1/address": None,
        "https://vocab.account.gov.uk/v1/returnCode": None,
    }
}


@dataclass
class RelyingParty:
    http: httpx.AsyncClient
    key: jwk.ECKey
    client_id: str = CLIENT_ID
    verifier: str = field(default_factory=lambda: uuid.uuid4().hex + uuid.uuid4().hex)

    def assertion(self, **overrides: Any) -> str:
        now = int(time.time())
        claims = {
            "aud": f"{BASE}/token",
            "iss": self.client_id,
            "sub": self.client_id,
            "exp": now + 300,
            "jti": str(uuid.uuid4()),
            "iat": now,
        } | overrides
        return jwt.encode({"alg": "ES256", "kid": self.key.kid}, claims, self.key)

    def authorize_params(
        self, *, vtr: str = '["Cl.Cm"]', claims: dict[str, Any] | None = None
    ) -> dict[str, str]:
        params = {
            "response_type": "code",
            "scope": "openid email phone",
            "client_id": self.client_id,
            "state": "STATE",
            "redirect_uri": REDIRECT_URI,
            "nonce": "aEwkamaos5B",
            "vtr": vtr,
            "ui_locales": "en",
            "code_challenge": s256_challenge(self.verifier),
            "code_challenge_method": "S256",
        }
        if claims is not None:
            params["claims"] = json.dumps(claims)
        return params

    async def sign_in(self, user_id: str, params: dict[str, str] | None = None) -> httpx.Response:
        """GET /authorize, then choose a test user on the simulator's page; returns the final redirect."""
        page = await self.http.get("/authorize", params=params or self.authorize_params())
        assert page.status_code == 200, page.text
        interaction = page.headers["X-Simulator-Interaction"]
        return await self.http.post(f"/authorize/{interaction}", data={"user_id": user_id})

    async def code_for(self, user_id: str, params: dict[str, str] | None = None) -> str:
        response = await self.sign_in(user_id, params)
        assert response.status_code == 302, response.text
        return redirect_query(response)["code"]

    async def token(self, code: str, **overrides: str) -> httpx.Response:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": self.assertion(),
            "code_verifier": self.verifier,
        } | overrides
        return await self.http.post("/token", data={k: v for k, v in form.items() if v is not None})

    async def jwks(self) -> jwk.KeySet:
        return jwk.KeySet.import_key_set((await self.http.get("/.well-known/jwks.json")).json())


def redirect_query(response: httpx.Response) -> dict[str, str]:
    location = response.headers["location"]
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def userinfo(http: httpx.AsyncClient, access_token: str) -> dict[str, Any]:
    response = await http.get("/userinfo", headers={"Authorization": f"Bearer {access_token}"})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
