"""Provider tokens: fetched once, reused, refreshed before they expire, and dropped when refused."""

from __future__ import annotations

import json

import httpx

from dwp.integrations.tokens import ClientCredentialsTokens, hmrc_form
from dwp.platform.http import ResilientClient


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def token_endpoint(seen: list[dict[str, str]]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        form = dict(httpx.QueryParams(request.content.decode()))
        seen.append(form)
        body = {"access_token": f"token-{len(seen)}", "token_type": "bearer", "expires_in": 600}
        return httpx.Response(200, content=json.dumps(body), headers={"content-type": "application/json"})

    return httpx.MockTransport(handle)


async def test_a_token_is_reused_then_refreshed_a_minute_before_it_expires() -> None:
    seen: list[dict[str, str]] = []
    clock = Clock()
    async with httpx.AsyncClient(transport=token_endpoint(seen)) as http:
        auth = ResilientClient("hmrc-auth", "http://hmrc.test", http=http)
        tokens = ClientCredentialsTokens(
            auth, "/oauth/token", hmrc_form(lambda: ("id", "secret"), ("read:a", "read:b")), clock=clock
        )
        assert await tokens.token() == "token-1"
        clock.now += 539  # 61 s before expiry: still good
        assert await tokens.token() == "token-1"
        clock.now += 2  # 59 s before expiry: fetched again so no call starts with a dying token
        assert await tokens.token() == "token-2"
    assert seen[0] == {
        "grant_type": "client_credentials",
        "client_id": "id",
        "client_secret": "secret",
        "scope": "read:a read:b",
    }
    assert tokens.fetched == 2


async def test_an_invalidated_token_is_fetched_again_but_an_old_one_changes_nothing() -> None:
    seen: list[dict[str, str]] = []
    async with httpx.AsyncClient(transport=token_endpoint(seen)) as http:
        auth = ResilientClient("hmrc-auth", "http://hmrc.test", http=http)
        tokens = ClientCredentialsTokens(auth, "/oauth/token", hmrc_form(lambda: ("id", "secret"), ()))
        first = await tokens.token()
        tokens.invalidate("some-older-token")
        assert await tokens.token() == first
        tokens.invalidate(first)
        assert await tokens.token() == "token-2"
