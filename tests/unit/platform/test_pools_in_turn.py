"""The shared clients' connections over several pools (`platform.http.pools`), against a real server."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from dwp.platform.http import shared_client
from dwp.platform.http.pools import PoolsInTurn
from tests.servers import running


async def echo(scope: dict, receive: object, send: object) -> None:  # a bare ASGI app
    if scope["type"] == "lifespan":
        return
    assert callable(send)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": scope["path"].encode()})


def test_the_limits_are_shared_out_among_the_pools() -> None:
    transport = PoolsInTurn(pools=4, limits=httpx.Limits(max_connections=100, max_keepalive_connections=20))
    assert len(transport.pools) == 4
    for pool in transport.pools:
        assert pool._pool._max_connections == 25
        assert pool._pool._max_keepalive_connections == 5
    one = PoolsInTurn(pools=8, limits=httpx.Limits(max_connections=4, max_keepalive_connections=2))
    assert {p._pool._max_connections for p in one.pools} == {1}  # never none at all
    with pytest.raises(ValueError, match="at least one pool"):
        PoolsInTurn(pools=0)


def test_requests_take_the_pools_in_turn_and_keep_their_connections() -> None:
    async def run(base: str) -> None:
        transport = PoolsInTurn(pools=3)
        async with httpx.AsyncClient(transport=transport) as client:
            answers = await asyncio.gather(*(client.get(f"{base}/{n}") for n in range(30)))
            assert [a.text for a in answers] == [f"/{n}" for n in range(30)]
            # Each pool served its share and kept its connections open for the next requests.
            assert all(len(pool._pool.connections) >= 1 for pool in transport.pools)
            kept = [len(pool._pool.connections) for pool in transport.pools]
            again = await asyncio.gather(*(client.get(f"{base}/again/{n}") for n in range(9)))
            assert all(a.status_code == 200 for a in again)
            assert [len(pool._pool.connections) for pool in transport.pools] == kept
        assert all(len(pool._pool.connections) == 0 for pool in transport.pools)  # closed with the client

    with running(echo) as base:
        asyncio.run(run(base))


def test_a_shared_client_uses_the_pools_unless_given_a_transport() -> None:
    async def run() -> None:
        pooled = shared_client(timeout=3)
        assert isinstance(pooled._transport, PoolsInTurn)
        given = httpx.MockTransport(lambda request: httpx.Response(204))
        plain = shared_client(transport=given)
        assert plain._transport is given
        await pooled.aclose()
        await plain.aclose()

    asyncio.run(run())
