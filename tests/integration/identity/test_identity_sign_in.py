"""Signing in end to end: One Login (simulated) -> identity service -> session -> internal token ->
citizen service, and each attack from the issue refused with the right status and a problem document."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import httpx
import pytest
from joserfc import jwt

from dwp.identity.domain import SessionPolicy
from dwp.identity.repository import session_ref
from tests.integration.identity.flows import callback_path, follow_to_provider, sign_in, staff_sign_in
from tests.integration.identity.harness import CITIZEN, IDENTITY, ONE_LOGIN, Platform

pytestmark = pytest.mark.integration


def _problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, object] = response.json()
    assert body["status"] == status
    return body


async def test_p2_sign_in_creates_a_session_and_shows_the_signed_in_page(platform: Platform) -> None:
    async with platform.browser() as warm_up:  # first use fetches discovery, JWKS and DID documents
        await sign_in(warm_up)
    async with platform.browser() as browser:
        # The authorize -> session time is a benchmark's figure (benchmarks/gateway.py), not an assert here:
        # a wall-clock budget failed on a loaded machine for the wrong reason.
        done = await sign_in(browser)
        assert done.status_code == 303
        assert done.headers["location"] == "/v1/auth/me"
        assert "dwp_session" in browser.cookies
        page = await browser.get("/v1/auth/me")
        assert page.status_code == 200
        assert "Sarah Anne Jones" in page.text
        assert "P2" in page.text
        assert "Sign out" in page.text
        assert "Finish registering" in page.text


async def test_session_gives_an_internal_token_the_citizen_service_accepts(platform: Platform) -> None:
    async with platform.browser() as browser:
        await sign_in(browser)
        token = (await browser.post("/v1/sessions/token")).json()["access_token"]
        current = (await browser.get("/v1/sessions/current")).json()
    claims = jwt.decode(token, await platform.keys()).claims
    assert claims["kind"] == "citizen"
    assert claims["loc"] == "P2"
    assert claims["citizen_id"] == current["subject_id"]
    response = await platform.http.get(
        f"{CITIZEN}/v1/citizens/{current['subject_id']}", headers={"Authorization": f"Bearer {token}"}
    )
    _problem(response, 404)  # linked, not yet registered


async def test_registration_creates_the_citizen_record_prefilled_from_one_login(platform: Platform) -> None:
    async with platform.browser() as browser:
        await sign_in(browser, "mohammed-p2")
        registered = await browser.post("/v1/auth/register", data={"national_insurance_number": "JG103759A"})
        assert registered.status_code == 303
        token = (await browser.post("/v1/sessions/token")).json()["access_token"]
        citizen_id = (await browser.get("/v1/sessions/current")).json()["subject_id"]
        page = await browser.get("/v1/auth/me")
    assert "registered" in page.text
    record = (
        await platform.http.get(
            f"{CITIZEN}/v1/citizens/{citizen_id}", headers={"Authorization": f"Bearer {token}"}
        )
    ).json()
    assert (record["given_name"], record["family_name"]) == ("Mohammed", "Khan")
    assert record["date_of_birth"] == "1979-11-03"
    assert record["address_reference"] == "72000000002"


async def test_second_sign_in_links_to_the_same_citizen(platform: Platform) -> None:
    ids = []
    for _ in range(2):
        async with platform.browser() as browser:
            await sign_in(browser, "gwen-p2")
            ids.append((await browser.get("/v1/sessions/current")).json()["subject_id"])
    assert ids[0] == ids[1]


async def test_forged_state_is_refused(platform: Platform) -> None:
    async with platform.browser() as browser:
        start = await browser.get("/v1/auth/one-login/start")
        back = await follow_to_provider(browser, start, "sarah-p2")
        forged = callback_path(back).replace("state=", "state=forged")
        _problem(await browser.get(forged), 400)


async def test_a_state_in_another_script_is_refused_not_a_500(platform: Platform) -> None:
    """Found by schemathesis: `hmac.compare_digest` raises on a str with non-ASCII characters."""
    async with platform.browser() as browser:
        start = await browser.get("/v1/auth/one-login/start")
        back = await follow_to_provider(browser, start, "sarah-p2")
        forged = callback_path(back).replace("state=", "state=%C3%8E%E9%86%9B")
        _problem(await browser.get(forged), 400)


async def test_callback_without_the_browser_cookie_is_refused(platform: Platform) -> None:
    async with platform.browser() as browser:
        start = await browser.get("/v1/auth/one-login/start")
        back = await follow_to_provider(browser, start, "sarah-p2")
    async with platform.browser() as other_browser:  # login CSRF: the victim's browser never started it
        _problem(await other_browser.get(callback_path(back)), 400)


async def test_replayed_callback_is_refused(platform: Platform) -> None:
    async with platform.browser() as browser:
        start = await browser.get("/v1/auth/one-login/start")
        back = await follow_to_provider(browser, start, "sarah-p2")
        path = callback_path(back)
        first = await browser.get(path)
        assert first.status_code == 303
        browser.cookies.set("dwp_signin", path.split("state=")[1].split("&")[0], path="/v1/auth")
        _problem(await browser.get(path), 400)


@pytest.mark.parametrize(
    "fault",
    ["alg_none", "unknown_key", "bad_signature", "wrong_aud", "wrong_iss", "expired", "issued_in_future",
     "wrong_nonce"],
)  # fmt: skip
async def test_bad_id_tokens_are_refused(platform: Platform, fault: str) -> None:
    await platform.http.put(
        "http://127.0.0.1:9001/_simulator/faults", json={"token": "id_token", "fault": fault}
    )
    async with platform.browser() as browser:
        body = _problem(await sign_in(browser), 401)
        assert "dwp_session" not in browser.cookies
    assert str(body["type"]).endswith("sign-in-rejected")


@pytest.mark.parametrize("fault", ["bad_signature", "low_confidence"])
async def test_bad_identity_credentials_are_refused(platform: Platform, fault: str) -> None:
    await platform.http.put(
        "http://127.0.0.1:9001/_simulator/faults", json={"token": "core_identity", "fault": fault}
    )
    async with platform.browser() as browser:
        _problem(await sign_in(browser), 401)


async def test_refusals_are_logged_without_personal_data(
    platform: Platform, capsys: pytest.CaptureFixture[str]
) -> None:
    await platform.http.put(
        "http://127.0.0.1:9001/_simulator/faults", json={"token": "id_token", "fault": "expired"}
    )
    async with platform.browser() as browser:
        _problem(await sign_in(browser, "mohammed-p2"), 401)
    logged = capsys.readouterr().out
    assert "identity_refused" in logged
    for personal in (
        "m.khan@example.com",
        "Mohammed",
        "Khan",
        "1979-11-03",
        "+447911123402",
        "urn:fdc:gov.uk",
    ):
        assert personal not in logged


async def test_failed_identity_check_is_forbidden(platform: Platform) -> None:
    async with platform.browser() as browser:
        body = _problem(await sign_in(browser, "tom-failed"), 403)
    assert str(body["type"]).endswith("identity-not-proven")


async def test_session_cookie_after_sign_out_is_refused(platform: Platform) -> None:
    async with platform.browser() as browser:
        await sign_in(browser)
        session_cookie = browser.cookies["dwp_session"]
        out = await browser.post("/v1/auth/sign-out")
        assert out.status_code == 303
        assert out.headers["location"].startswith("http://127.0.0.1:9001/logout?id_token_hint=")
    async with platform.browser() as attacker:
        attacker.cookies.set("dwp_session", session_cookie)
        _problem(await attacker.post("/v1/sessions/token"), 401)
        assert (await attacker.get("/v1/auth/me")).status_code == 401


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


@pytest.mark.parametrize(
    "accept",
    [None, "*/*", "application/json", "application/problem+json", "text/html;q=0.5, application/json"],
)
async def test_not_signed_in_at_auth_me_is_a_problem_for_anything_but_a_browser(
    platform: Platform, accept: str | None
) -> None:
    async with platform.browser() as client:
        headers = {"Accept": accept} if accept else {}
        if accept is None:
            client.headers.pop("accept", None)
        body = _problem(await client.get("/v1/auth/me", headers=headers), 401)
    assert str(body["type"]).endswith("not-signed-in")


@pytest.mark.parametrize("accept", [BROWSER_ACCEPT, "text/html", "application/json;q=0.5, text/html"])
async def test_not_signed_in_at_auth_me_is_a_gov_uk_page_for_a_browser(
    platform: Platform, accept: str
) -> None:
    async with platform.browser() as browser:
        page = await browser.get("/v1/auth/me", headers={"Accept": accept})
    assert page.status_code == 401
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["www-authenticate"].startswith("Bearer")
    assert 'class="govuk-template"' in page.text
    assert '<h1 class="govuk-heading-l">You are not signed in</h1>' in page.text
    assert 'href="/v1/auth/one-login/start"' in page.text


async def test_back_channel_logout_closes_the_session(platform: Platform) -> None:
    async with platform.browser() as browser:
        await sign_in(browser)
        sim = platform.one_login.state.sim
        sub = next(iter(sim.sessions._entries.values())).value.sub
        result = await platform.http.post(
            "http://127.0.0.1:9001/_simulator/back-channel-logout",
            json={"client_id": "dwp-benefits-local", "sub": sub},
        )
        assert result.json()["relying_party_status"] == 200
        _problem(await browser.post("/v1/sessions/token"), 401)


async def test_back_channel_logout_with_bad_signature_or_unknown_session_is_refused(
    platform: Platform,
) -> None:
    sent: list[int] = []
    async with platform.browser() as browser:
        await sign_in(browser)
        sub = next(iter(platform.one_login.state.sim.sessions._entries.values())).value.sub
        await platform.http.put(
            "http://127.0.0.1:9001/_simulator/faults",
            json={"token": "logout_token", "fault": "bad_signature"},
        )
        bad = await platform.http.post(
            "http://127.0.0.1:9001/_simulator/back-channel-logout",
            json={"client_id": "dwp-benefits-local", "sub": sub},
        )
        sent.append(bad.json()["relying_party_status"])
        assert (await browser.post("/v1/sessions/token")).status_code == 200  # still signed in
        await platform.http.delete("http://127.0.0.1:9001/_simulator/faults")
        unknown = await platform.http.post(
            "http://127.0.0.1:9001/_simulator/back-channel-logout",
            json={"client_id": "dwp-benefits-local", "sub": "urn:fdc:gov.uk:2022:nobody"},
        )
        sent.append(unknown.json()["relying_party_status"])
    assert sent == [400, 400]
    direct = await platform.http.post(
        f"{IDENTITY}/v1/auth/one-login/back-channel-logout", data={"logout_token": "not-a-jwt"}
    )
    _problem(direct, 400)


async def test_staff_sign_in_gives_a_caseworker_token_with_roles(platform: Platform) -> None:
    async with platform.browser() as browser:
        done = await staff_sign_in(browser, "chris.patel")
        assert done.status_code == 303
        token = (await browser.post("/v1/sessions/token")).json()["access_token"]
    claims = jwt.decode(token, await platform.keys()).claims
    assert claims["kind"] == "caseworker"
    assert claims["roles"] == ["caseworker", "team-leader"]


async def test_staff_without_a_role_cannot_sign_in(platform: Platform) -> None:
    async with platform.browser() as browser:
        _problem(await staff_sign_in(browser, "ellis.reed"), 401)


async def test_idle_session_is_refused_and_its_ttl_is_set(platform: Platform) -> None:
    ctx = platform.identity.state.identity
    ctx.policy = SessionPolicy(idle_seconds=1, absolute_seconds=3600)
    async with platform.browser() as browser:
        await sign_in(browser)
        session_id = browser.cookies["dwp_session"]
        item = await ctx.store._call("get_item", Key={"pk": {"S": f"session#{session_ref(session_id)}"}})
        assert int(item["Item"]["expires_at"]["N"]) <= time.time() + 1  # the DynamoDB TTL attribute
        ctx.clock = lambda: time.time() + 2  # the session has been idle for longer than a second
        _problem(await browser.post("/v1/sessions/token"), 401)


async def test_the_sessions_table_holds_no_session_id_and_no_personal_data_in_clear(
    platform: Platform,
) -> None:
    """Security issue: sessions kept the verified name, date of birth, email, phone and the One Login ID
    token in clear in DynamoDB, keyed by the session id itself. Read every raw item after a sign-in."""
    ctx = platform.identity.state.identity
    async with platform.browser() as browser:
        await sign_in(browser)
        session_id = browser.cookies["dwp_session"]
        assert (await browser.post("/v1/sessions/token")).status_code == 200
    session = await ctx.store.get_session(session_id, int(time.time()))
    assert session is not None
    assert session.id_token  # still there to open, for the id_token_hint at sign-out
    items = (await ctx.store._call("scan"))["Items"]
    raw = repr(items)
    user = platform.one_login.state.sim.users["sarah-p2"]
    assert any(item["pk"]["S"] == f"session#{session_ref(session_id)}" for item in items)
    for secret in (
        session_id,
        user.family_name,
        *user.given_names,
        user.birth_date,
        user.email,
        user.phone_number,
        "eyJ",
    ):  # fmt: skip  (eyJ: the start of any JWT, the ID token's too)
        assert secret not in raw, f"{secret!r} is readable in the sessions table"


async def test_one_login_unreachable_is_a_503_problem_with_retry_after(platform: Platform) -> None:
    # Nothing listens where One Login should be: the transport error becomes a 503, never a 500.
    platform.network.apps.pop(urlsplit(ONE_LOGIN).netloc)
    async with platform.browser() as browser:
        response = await browser.get("/v1/auth/one-login/start")
    body = _problem(response, 503)
    assert str(body["type"]).endswith("provider-unavailable")
    assert int(response.headers["retry-after"]) > 0
