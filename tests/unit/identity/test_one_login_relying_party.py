"""The relying party's checks, run against the One Login simulator with each fault switched on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc import jwk

from dwp.identity.domain import IdentityNotProven, LogoutTokenRejected, PendingSignIn, SignInRejected
from dwp.identity.relying_party import RelyingParty, one_login_config
from dwp.simulators.one_login.app import create_app
from dwp.simulators.one_login.registry import Client

SIM = "http://one-login.test"
REDIRECT = "https://dwp.example/v1/auth/one-login/callback"


@pytest.fixture
async def env() -> AsyncIterator[tuple[RelyingParty, httpx.AsyncClient]]:
    key = jwk.ECKey.generate_key("P-256", parameters={"kid": "dwp-client-1"}, private=True)
    client = Client(
        client_id="dwp",
        sector_identifier="dwp.example",
        redirect_uris=(REDIRECT,),
        post_logout_redirect_uris=("https://dwp.example/signed-out",),
        jwks={"keys": [key.as_dict(private=False)]},
        return_codes_enabled=True,
    )
    outbound = httpx.AsyncClient(transport=httpx.MockTransport(lambda request: httpx.Response(200)))
    sim = create_app(base_url=SIM, clients={"dwp": client}, http=outbound)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim), base_url=SIM) as http:
        config = one_login_config(
            issuer_url=SIM,
            client_id="dwp",
            redirect_uri=REDIRECT,
            post_logout_redirect_uri="https://dwp.example/signed-out",
            identity_issuer=f"{SIM}/identity/",
            did_url=f"{SIM}/identity/did.json",
            client_key=key,
        )
        yield RelyingParty(config, http, refresh_floor=0), http


async def _code(http: httpx.AsyncClient, url: str, user: str) -> str:
    page = await http.get(url)
    assert page.status_code == 200, page.text
    done = await http.post(f"/authorize/{page.headers['X-Simulator-Interaction']}", data={"user_id": user})
    return parse_qs(urlsplit(done.headers["location"]).query)["code"][0]


async def _sign_in(
    env: tuple[RelyingParty, httpx.AsyncClient], user: str = "sarah-p2", confidence: str = "P2"
):
    rp, http = env
    pending = PendingSignIn.start(provider="one-login", confidence=confidence, now=0, return_to="/")  # type: ignore[arg-type]
    code = await _code(http, await rp.authorization_url(pending), user)
    return pending, await rp.exchange_code(code, pending)


async def _fault(http: httpx.AsyncClient, token: str, fault: str) -> None:
    response = await http.put("/_simulator/faults", json={"token": token, "fault": fault})
    assert response.status_code == 200


async def test_authorization_url_carries_state_nonce_pkce_and_vtr(env) -> None:
    rp, _ = env
    pending = PendingSignIn.start(provider="one-login", confidence="P2", now=0, return_to="/")
    query = parse_qs(urlsplit(await rp.authorization_url(pending)).query)
    assert query["state"] == [pending.state]
    assert query["nonce"] == [pending.nonce]
    assert query["code_challenge_method"] == ["S256"]
    assert query["vtr"] == ['["Cl.Cm.P2"]']
    assert "https://vocab.account.gov.uk/v1/coreIdentityJWT" in query["claims"][0]


async def test_full_identity_sign_in_is_verified(env) -> None:
    rp, _ = env
    _, tokens = await _sign_in(env)
    info = await rp.userinfo(tokens.access_token)
    subject = await rp.verify_core_identity(info, sub=tokens.claims["sub"])
    assert subject["birthDate"] == [{"value": "1985-04-12"}]


@pytest.mark.parametrize(
    "fault", ["wrong_aud", "wrong_iss", "bad_signature", "unknown_key", "expired", "issued_in_future",
              "alg_none", "wrong_nonce", "no_nonce"],
)  # fmt: skip
async def test_id_token_faults_are_rejected(env, fault: str) -> None:
    await _fault(env[1], "id_token", fault)
    with pytest.raises(SignInRejected):
        await _sign_in(env)


async def test_nonce_from_another_sign_in_is_rejected(env) -> None:
    rp, http = env
    first = PendingSignIn.start(provider="one-login", confidence="P0", now=0, return_to="/")
    replayed = PendingSignIn.start(provider="one-login", confidence="P0", now=0, return_to="/")
    code = await _code(http, await rp.authorization_url(first), "sarah-p2")
    with pytest.raises(SignInRejected):
        await rp.exchange_code(code, replayed)


@pytest.mark.parametrize("fault", ["bad_signature", "unknown_key", "low_confidence", "wrong_sub", "alg_none",
                                   "wrong_aud", "expired"])  # fmt: skip
async def test_identity_credential_faults_are_rejected(env, fault: str) -> None:
    rp, http = env
    await _fault(http, "core_identity", fault)
    _, tokens = await _sign_in(env)
    info = await rp.userinfo(tokens.access_token)
    with pytest.raises(SignInRejected):
        await rp.verify_core_identity(info, sub=tokens.claims["sub"])


async def test_failed_identity_check_is_not_proven(env) -> None:
    rp, _ = env
    _, tokens = await _sign_in(env, user="tom-failed")
    info = await rp.userinfo(tokens.access_token)
    with pytest.raises(IdentityNotProven, match="B"):
        await rp.verify_core_identity(info, sub=tokens.claims["sub"])


async def test_rotated_provider_key_is_picked_up_from_the_jwks(env) -> None:
    _, http = env
    await _sign_in(env)  # warms the JWKS cache
    await http.post("/_simulator/rotate-keys", params={"retire_previous": True})
    _, tokens = await _sign_in(env)
    assert tokens.claims["vot"] == "Cl.Cm"


async def test_logout_token_checks(env) -> None:
    rp, http = env
    _, tokens = await _sign_in(env)
    sent: list[httpx.Request] = []
    sim_app = http._transport.app  # type: ignore[attr-defined]
    sim_app.state.http = httpx.AsyncClient(
        transport=httpx.MockTransport(lambda r: sent.append(r) or httpx.Response(200))
    )
    sim_app.state.sim.clients["dwp"].back_channel_logout_uri = "https://dwp.example/bcl"
    await http.post("/_simulator/back-channel-logout", json={"client_id": "dwp", "sub": tokens.claims["sub"]})
    good = httpx.QueryParams(sent[-1].content.decode())["logout_token"]
    claims = await rp.validate_logout_token(good)
    assert claims["sub"] == tokens.claims["sub"]

    await _fault(http, "logout_token", "bad_signature")
    await http.post("/_simulator/back-channel-logout", json={"client_id": "dwp", "sub": tokens.claims["sub"]})
    with pytest.raises(LogoutTokenRejected):
        await rp.validate_logout_token(httpx.QueryParams(sent[-1].content.decode())["logout_token"])
    with pytest.raises(LogoutTokenRejected):
        await rp.validate_logout_token(tokens.id_token)  # an ID token is not a logout token
