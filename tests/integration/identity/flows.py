"""Steps of the browser journeys, shared by the identity integration tests."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

ONE_LOGIN_PATH_PREFIXES = ("/authorize",)


async def follow_to_provider(browser: httpx.AsyncClient, start: httpx.Response, user: str) -> httpx.Response:
    """From our redirect to the provider: show its page, choose `user`, return its redirect back to us."""
    assert start.status_code == 302, start.text
    page = await browser.get(start.headers["location"])
    assert page.status_code == 200, page.text
    action = str(page.url.copy_with(query=None)).rstrip("/")
    chosen = await browser.post(f"{action}/{page.headers['X-Simulator-Interaction']}", data={"user_id": user})
    assert chosen.status_code == 302, chosen.text
    return chosen


def callback_path(provider_redirect: httpx.Response) -> str:
    """The provider redirects to the gateway's address; the tests call the identity service directly."""
    parts = urlsplit(provider_redirect.headers["location"])
    return f"{parts.path}?{parts.query}"


async def sign_in(browser: httpx.AsyncClient, user: str = "sarah-p2", level: str = "P2") -> httpx.Response:
    start = await browser.get("/v1/auth/one-login/start", params={"level": level})
    back = await follow_to_provider(browser, start, user)
    return await browser.get(callback_path(back))


async def staff_sign_in(browser: httpx.AsyncClient, member: str = "chris.patel") -> httpx.Response:
    start = await browser.get("/v1/auth/staff/start")
    back = await follow_to_provider(browser, start, member)
    return await browser.get(callback_path(back))
