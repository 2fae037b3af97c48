"""The one relying-party class, configured for staff sign-in, against the staff sign-in simulator: the same
discovery, key and ID-token checks as One Login's, with client_secret_post, RS256 and `oid` from its
configuration."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from dwp.identity.domain import PendingSignIn, SignInRejected, staff_member_from_claims
from dwp.identity.relying_party import RelyingParty, RelyingPartyConfig, staff_sign_in_config
from dwp.simulators.staff_sign_in.app import StaffClient, create_app

BASE = "http://staff-sign-in.test"
REDIRECT = "https://rp.example/staff/callback"
SIGNED_OUT = "https://rp.example/signed-out"
SECRET = "s3cret-for-tests"


@pytest.fixture
async def env() -> AsyncIterator[tuple[RelyingParty, httpx.AsyncClient]]:
    client = StaffClient("caseworker-app", SECRET, (REDIRECT,), (SIGNED_OUT,))
    app = create_app(base_url=BASE, clients={"caseworker-app": client})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
        config = staff_sign_in_config(
            authority=f"{BASE}/{app.state.tenant}",
            client_id="caseworker-app",
            client_secret=SECRET,
            redirect_uri=REDIRECT,
            post_logout_redirect_uri=SIGNED_OUT,
        )
        yield RelyingParty(config, http, refresh_floor=0), http


async def _sign_in(rp: RelyingParty, http: httpx.AsyncClient, member: str = "chris.patel"):
    pending = PendingSignIn.start(provider="staff", confidence="P0", now=0, return_to="/")
    page = await http.get(await rp.authorization_url(pending))
    assert page.status_code == 200, page.text
    tenant = rp.config.discovery_url.removeprefix(f"{BASE}/").split("/")[0]
    done = await http.post(
        f"/{tenant}/oauth2/v2.0/authorize/{page.headers['X-Simulator-Interaction']}", data={"user_id": member}
    )
    code = parse_qs(urlsplit(done.headers["location"]).query)["code"][0]
    return await rp.exchange_code(code, pending)


async def test_staff_sign_in_gives_the_members_known_roles(env) -> None:
    tokens = await _sign_in(*env)
    member = staff_member_from_claims(tokens.claims)
    assert member.roles == ("caseworker", "team-leader")
    assert member.oid == tokens.claims["oid"]


async def test_staff_authorization_url_asks_no_one_login_vocabulary(env) -> None:
    rp, _ = env
    pending = PendingSignIn.start(provider="staff", confidence="P2", now=0, return_to="/")
    query = parse_qs(urlsplit(await rp.authorization_url(pending)).query)
    assert query["scope"] == ["openid profile"]
    assert query["code_challenge_method"] == ["S256"]
    assert not {"vtr", "claims", "ui_locales"} & set(query)


async def test_a_member_without_a_role_is_refused(env) -> None:
    tokens = await _sign_in(*env, member="ellis.reed")
    with pytest.raises(SignInRejected, match="no caseworker or team leader role"):
        staff_member_from_claims(tokens.claims)


@pytest.mark.parametrize(
    "fault", ["wrong_aud", "wrong_iss", "bad_signature", "unknown_key", "expired", "issued_in_future",
              "alg_none", "wrong_nonce", "no_nonce"],
)  # fmt: skip
async def test_staff_id_token_faults_are_rejected(env, fault: str) -> None:
    rp, http = env
    switched = await http.put("/_simulator/faults", json={"token": "id_token", "fault": fault})
    assert switched.status_code == 200
    with pytest.raises(SignInRejected):
        await _sign_in(rp, http)


async def test_the_algorithm_is_the_configured_one(env) -> None:
    rp, http = env
    es256_only = RelyingParty(dataclasses.replace(rp.config, signature_alg="ES256"), http, refresh_floor=0)
    with pytest.raises(SignInRejected, match="not ES256"):
        await _sign_in(es256_only, http)


async def test_a_wrong_secret_is_refused(env) -> None:
    rp, http = env
    wrong = RelyingParty(dataclasses.replace(rp.config, client_secret="wrong"), http, refresh_floor=0)
    with pytest.raises(SignInRejected, match="invalid_client"):
        await _sign_in(wrong, http)


async def test_sign_out_returns_to_our_signed_out_page(env) -> None:
    rp, http = env
    out = await http.get(await rp.end_session_url())
    assert out.status_code in (302, 307)
    assert out.headers["location"].startswith(SIGNED_OUT)


def test_a_provider_takes_exactly_one_client_authentication() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        RelyingPartyConfig(
            label="x", discovery_url=BASE, client_id="c", redirect_uri=REDIRECT,
            post_logout_redirect_uri=SIGNED_OUT, scope="openid", signature_alg="RS256",
        )  # fmt: skip
