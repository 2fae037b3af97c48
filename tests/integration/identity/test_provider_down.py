"""A sign-in provider that cannot be reached is a 503 problem with Retry-After, never a 500."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.integration.identity.flows import callback_path, follow_to_provider
from tests.integration.identity.harness import GATEWAY, IDENTITY, ONE_LOGIN, STAFF, Platform

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    ("provider", "start"),
    [(ONE_LOGIN, "/v1/auth/one-login/start"), (STAFF, "/v1/auth/staff/start")],
    ids=["one-login", "staff"],
)
async def test_sign_in_start_with_the_provider_down_is_a_503_problem(
    platform: Platform, provider: str, start: str
) -> None:
    platform.network.apps.pop(urlsplit(provider).netloc)  # nothing listens there now: connection refused
    for base in (IDENTITY, GATEWAY):
        async with platform.browser(base) as browser:
            response = await browser.get(start, headers={"Accept": "application/json"})
        assert response.status_code == 503, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert int(response.headers["retry-after"]) > 0
        body = response.json()
        assert body["type"].endswith("provider-unavailable")
        assert "location" not in response.headers


@pytest.mark.parametrize(
    ("provider", "start", "user"),
    [(ONE_LOGIN, "/v1/auth/one-login/start", "sarah-p2"), (STAFF, "/v1/auth/staff/start", "chris.patel")],
    ids=["one-login", "staff"],
)
async def test_a_callback_with_the_provider_gone_is_a_503_problem(
    platform: Platform, provider: str, start: str, user: str
) -> None:
    """The provider answers the sign-in page, then is gone when we exchange the code for tokens."""
    async with platform.browser() as browser:
        back = await follow_to_provider(browser, await browser.get(start), user)
        platform.network.apps.pop(urlsplit(provider).netloc)
        response = await browser.get(callback_path(back), headers={"Accept": "application/json"})
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert int(response.headers["retry-after"]) > 0
    assert "dwp_session" not in response.headers.get("set-cookie", "")
