"""A sign-in provider that cannot be reached is a 503 problem with Retry-After, never a 500."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

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
        assert body["type"].endswith("sign-in-unavailable")
        assert "location" not in response.headers
