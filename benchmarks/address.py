"""Postcode lookups through the address service: cold (through to OS Places), warm (from the cache),
on Redis and in-process; and the time to fail with the breaker open against the provider's timeout.

Everything runs in this one process: the address service's app (middleware, token check, use case,
cache, `ResilientClient`) is called over httpx's ASGI transport, and its OS Places calls go over the
same transport to the simulator's app, so the figures are the service's own cost without a network.
Requests go one at a time (lookups per second = 1 / mean time). Redis is the one `REDIS_URL` names
(skipped when unset); its keys for this run are deleted first, so cold is cold.

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python benchmarks/address.py
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from dwp.address.app import build_app  # noqa: E402
from dwp.address.config import AddressSettings  # noqa: E402
from dwp.address.places import POLICY, UPSTREAM  # noqa: E402
from dwp.platform.auth import load_or_create_dev_key, mint_token  # noqa: E402
from dwp.platform.http import CircuitBreakers, ResilientClient, shared_client  # noqa: E402
from dwp.platform.settings import Settings  # noqa: E402
from dwp.simulators.os_places.app import LOCAL_API_KEY  # noqa: E402
from dwp.simulators.os_places.app import create_app as os_places_app  # noqa: E402
from dwp.simulators.os_places.data import generate  # noqa: E402

LOOKUPS = int(os.environ.get("BENCH_LOOKUPS", "400"))


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def report(name: str, samples: list[float]) -> None:
    mean = statistics.fmean(samples)
    print(
        f"{name:<34} {1 / mean:>8.0f}/s  p50 {percentile(samples, 50) * 1000:7.2f} ms"
        f"  p99 {percentile(samples, 99) * 1000:7.2f} ms  (n={len(samples)})"
    )


async def timed(http: httpx.AsyncClient, postcode: str) -> float:
    start = time.perf_counter()
    response = await http.get("/v1/addresses", params={"postcode": postcode})
    elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise RuntimeError(f"{postcode}: {response.status_code} {response.text[:200]}")
    return elapsed


def settings_for(data_dir: Path, redis_url: str | None) -> Settings:
    return Settings(dwp_env="test", dwp_data_dir=data_dir, redis_url=redis_url, database_url=None)


async def cold_and_warm(
    label: str, redis_url: str | None, postcodes: list[str], simulator: Any, *, quiet: bool = False
) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="dwp-bench-address-"))
    settings = settings_for(data_dir, redis_url)
    if redis_url:
        from redis.asyncio import Redis

        async with Redis.from_url(redis_url) as r:
            await r.delete(*[f"dwp:address:postcode:{pc}" for pc in postcodes])
    config = AddressSettings(platform=settings, os_places_api_key=LOCAL_API_KEY)
    app = build_app(settings, address_settings=config, transport=httpx.ASGITransport(app=simulator))
    token = mint_token(
        load_or_create_dev_key(settings), issuer=settings.dwp_jwt_issuer, subject="c", kind="citizen",
        citizen_id="c", level_of_confidence="P0",
    )  # fmt: skip
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://address.bench",
            headers={"Authorization": f"Bearer {token}"},
        ) as http,
    ):
        await timed(http, postcodes[0])  # warm the process (imports, first connection)
        cold = [await timed(http, pc) for pc in postcodes[1:]]
        warm = [await timed(http, pc) for pc in postcodes[1:]]
    if quiet:
        return
    report(f"cold, {label}", cold)
    report(f"warm, {label}", warm)
    print(f"  warm/cold throughput: {statistics.fmean(cold) / statistics.fmean(warm):.1f}x")


async def breaker(simulator: Any) -> None:
    """The service's own policy (3 s an attempt, a read timeout not retried) against a provider that
    holds every request, then the same lookups once the breaker has opened."""
    settings = settings_for(Path(tempfile.mkdtemp(prefix="dwp-bench-address-")), None)
    config = AddressSettings(platform=settings, os_places_api_key=LOCAL_API_KEY, address_cache_seconds=0)
    transport = httpx.ASGITransport(app=simulator)
    client = ResilientClient(
        UPSTREAM, "http://os-places.bench", http=shared_client(transport=transport), policy=POLICY,
        breakers=CircuitBreakers(threshold=5, ttl=60.0),
    )  # fmt: skip
    app = build_app(settings, address_settings=config, places_client=client)
    token = mint_token(
        load_or_create_dev_key(settings), issuer=settings.dwp_jwt_issuer, subject="s", kind="service"
    )
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://os-places.bench") as control,
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://address.bench",
            headers={"Authorization": f"Bearer {token}"},
        ) as http,
    ):
        await control.put("/_simulator/control", json={"fault": "timeout", "hold_seconds": 600})
        slow: list[float] = []
        while await client.breakers.state(UPSTREAM) != "opened":
            start = time.perf_counter()
            response = await http.get("/v1/addresses", params={"postcode": "SW1A 1AA"})
            slow.append(time.perf_counter() - start)
            assert response.status_code == 503, response.text
        fast: list[float] = []
        for _ in range(LOOKUPS):
            start = time.perf_counter()
            response = await http.get("/v1/addresses", params={"postcode": "SW1A 1AA"})
            fast.append(time.perf_counter() - start)
            assert response.status_code == 503
        await control.delete("/_simulator/control")
    print(f"{'provider timing out (breaker closed)':<34} p50 {percentile(slow, 50):7.2f} s   (n={len(slow)})")
    report("breaker open, fails fast", fast)
    print(f"  time to fail, timeout/open: {statistics.median(slow) / statistics.median(fast):.0f}x")


async def main() -> None:
    base = generate()
    simulator = os_places_app(api_keys=(LOCAL_API_KEY,), base=base)
    postcodes = list(base.by_postcode)[: LOOKUPS + 1]
    print(f"{len(base.addresses)} addresses, {len(base.by_postcode)} postcodes; {LOOKUPS} lookups each\n")
    # A first pass, not reported, on other postcodes: whichever backend ran first paid the process's
    # warm-up (lazy imports, the simulator's first answers) and looked slower than it is.
    await cold_and_warm("warm-up", None, list(base.by_postcode)[-100:], simulator, quiet=True)
    await cold_and_warm("in-process cache", None, postcodes, simulator)
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        await cold_and_warm("Redis", redis_url, postcodes, simulator)
    else:
        print("Redis: skipped (REDIS_URL unset)")
    await breaker(simulator)


if __name__ == "__main__":
    asyncio.run(main())
