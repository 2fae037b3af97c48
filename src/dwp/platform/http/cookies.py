"""The platform's outgoing HTTP clients.

Every `httpx.AsyncClient` that lives longer than one request is shared by every caller of the process,
and httpx keeps each `Set-Cookie` it sees in the client's jar and sends it with every later request
that carries no `Cookie` header of its own. In a process that forwards requests for many people (the
gateway, the BFF, a worker) that hands one person's session to the next caller. Clearing the jar per
request does not help: two requests in flight share it. So every shared client refuses to store any
cookie at all, and a forwarder sends the cookies of the request it is handling as that request's own
`Cookie` header.
"""

from __future__ import annotations

from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpx

from dwp.platform.http.pools import DEFAULT_LIMITS, PoolsInTurn


def no_cookies_jar() -> CookieJar:
    """A cookie jar whose policy refuses every cookie, so nothing is ever kept between requests."""
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


def shared_client(**kwargs: Any) -> httpx.AsyncClient:
    """An `httpx.AsyncClient` that may be shared between callers: it keeps no cookies.

    Takes httpx's own keyword arguments (timeout, limits, transport, base_url, ...); `cookies` is not
    one of them, since a shared client must never hold any.
    """
    if "cookies" in kwargs:
        raise TypeError("a shared client holds no cookies; send them as the request's own header")
    if "transport" not in kwargs or kwargs["transport"] is None:
        # Its connections over a few pools (`pools.PoolsInTurn`: one pool's cost grows with its size).
        kwargs["transport"] = PoolsInTurn(limits=kwargs.pop("limits", DEFAULT_LIMITS))
    return httpx.AsyncClient(cookies=no_cookies_jar(), **kwargs)


def shared_sync_client(**kwargs: Any) -> httpx.Client:
    """The blocking twin of `shared_client`, for command-line tools and scripts."""
    if "cookies" in kwargs:
        raise TypeError("a shared client holds no cookies; send them as the request's own header")
    return httpx.Client(cookies=no_cookies_jar(), **kwargs)


def holds_no_cookies(client: httpx.AsyncClient | httpx.Client) -> bool:
    """True when the client's jar is empty (the check the tests make after a run)."""
    return len(client.cookies.jar) == 0
