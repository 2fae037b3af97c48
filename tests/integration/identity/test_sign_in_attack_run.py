"""The sign-in attack run (security issue, attack suite): every fault the provider simulators can put in
what they sign, for One Login and for staff sign-in alike, and the browser-side attacks (a stolen code, a
wrong state; a replayed callback is in test_identity_sign_in). Each leaves the person signed out: a
problem document, no session cookie, and no session behind the cookie jar they hold."""

from __future__ import annotations

import httpx
import pytest

from dwp.simulators.oidc import ID_TOKEN_FAULTS
from dwp.simulators.one_login.tokens import FAULTS
from tests.integration.identity.flows import callback_path, follow_to_provider, sign_in, staff_sign_in
from tests.integration.identity.harness import ONE_LOGIN, STAFF, Platform

pytestmark = pytest.mark.integration

PROVIDERS = {"one-login": ONE_LOGIN, "staff": STAFF}


async def _signed_out(browser: httpx.AsyncClient, refused: httpx.Response) -> None:
    assert refused.status_code in (400, 401, 403), refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "dwp_session" not in browser.cookies
    assert (await browser.get("/v1/sessions/current")).status_code == 401
    assert (await browser.post("/v1/sessions/token")).status_code == 401


async def _fault(platform: Platform, provider: str, token: str, fault: str) -> None:
    switched = await platform.http.put(
        f"{PROVIDERS[provider]}/_simulator/faults", json={"token": token, "fault": fault}
    )
    assert switched.status_code == 200, switched.text


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
@pytest.mark.parametrize("fault", sorted(ID_TOKEN_FAULTS))
async def test_a_bad_id_token_leaves_the_person_signed_out(
    platform: Platform, provider: str, fault: str
) -> None:
    await _fault(platform, provider, "id_token", fault)
    async with platform.browser() as browser:
        refused = await (sign_in(browser) if provider == "one-login" else staff_sign_in(browser))
        assert refused.status_code == 401, refused.text
        await _signed_out(browser, refused)


@pytest.mark.parametrize("fault", sorted(FAULTS["core_identity"]))
async def test_a_bad_identity_credential_leaves_the_person_signed_out(platform: Platform, fault: str) -> None:
    """Includes `low_confidence`: a credential whose vector of trust is below the P2 asked for."""
    await _fault(platform, "one-login", "core_identity", fault)
    async with platform.browser() as browser:
        await _signed_out(browser, await sign_in(browser))


@pytest.mark.parametrize("journey", ["one-login", "staff"])
async def test_a_stolen_code_or_a_wrong_state_leaves_the_person_signed_out(
    platform: Platform, journey: str
) -> None:
    user = "sarah-p2" if journey == "one-login" else "chris.patel"
    async with platform.browser() as browser:
        start = await browser.get(f"/v1/auth/{journey}/start")
        back = await follow_to_provider(browser, start, user)
        path = callback_path(back)
        state = path.split("state=")[1].split("&")[0]
        # A wrong state: the callback's state is not the one this browser's sign-in started with.
        forged = path.replace(f"state={state}", "state=forged-state-value")
        await _signed_out(browser, await browser.get(forged))
    async with platform.browser() as attacker:
        # A stolen code: the victim's code, sent from a browser that started a sign-in of its own (the
        # PKCE verifier and the nonce tie a code to the sign-in that asked for it).
        start = await attacker.get(f"/v1/auth/{journey}/start")
        own = callback_path(await follow_to_provider(attacker, start, user))
        own_state = own.split("state=")[1].split("&")[0]
        replay = path.replace(f"state={state}", f"state={own_state}")
        await _signed_out(attacker, await attacker.get(replay))
