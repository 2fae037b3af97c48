"""Several connection pools taken in turn, behind one httpx transport.

httpcore's pool looks at every connection it holds whenever a request starts and again when it ends
(`_assign_requests_to_connections`: a `poll()` of each idle socket to see whether the server closed it,
and a lock taken for each), so a request's cost grows with the pool. Integrations' bulk earnings look-up
(16 HMRC calls at once, two per person) spent about 40% of its CPU there (docs/performance.md, issue 14);
the gateway saw the same at 32 requests at once and keeps its own pools for it (`gateway.proxy.Upstreams`).
The fix upstream (encode/httpcore#928, polling at intervals) is not released, so the shared clients split
their connections over a few pools, each looking only at its own.
"""

from __future__ import annotations

import itertools

import httpx

POOLS = 4
DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)
"""httpx's own default limits, shared out among the pools."""


class PoolsInTurn(httpx.AsyncBaseTransport):
    """`pools` httpx transports, each with its share of `limits`, taken in turn request by request.

    Only for clients with no proxy: an `httpx.AsyncClient` given a transport does not read the proxy
    variables of the environment (the platform's calls go to its own services and to providers directly,
    locally and on AWS)."""

    def __init__(self, pools: int = POOLS, limits: httpx.Limits = DEFAULT_LIMITS) -> None:
        if pools < 1:
            raise ValueError("at least one pool")

        def shared_out(limit: int | None) -> int | None:
            return None if limit is None else max(1, limit // pools)

        share = httpx.Limits(
            max_connections=shared_out(limits.max_connections),
            max_keepalive_connections=shared_out(limits.max_keepalive_connections),
            keepalive_expiry=limits.keepalive_expiry,
        )
        self.pools = tuple(httpx.AsyncHTTPTransport(limits=share) for _ in range(pools))
        self._turn = itertools.cycle(self.pools)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        # One event loop a process: `next` on the cycle runs without a switch in between.
        return await next(self._turn).handle_async_request(request)

    async def aclose(self) -> None:
        for pool in self.pools:
            await pool.aclose()
