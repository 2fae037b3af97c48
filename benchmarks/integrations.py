"""Earnings look-ups per second: through the integrations service against the HMRC simulator directly.

Both in the same run, in process over ASGI (no sockets, so the figures compare the work, not the
network): "direct" is what a caller would do itself (match, then employments and income, with a cached
token); "service" is `POST /v1/earnings`, which does the same plus checks, mapping to pence, the
caller's token check and one audit row in SQLite. Sequential and with 8 callers at once.

Usage: .venv/bin/python benchmarks/integrations.py [--requests 300]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path

import httpx
from joserfc.jwk import RSAKey

HMRC = "http://hmrc.bench"
NHS = "http://nhs.bench"
PERSON = {"firstName": "Sarah", "lastName": "Jones", "nino": "AB123456C", "dateOfBirth": "1985-04-12"}
WINDOW = {"fromDate": "2025-04-06", "toDate": "2025-11-30"}


async def measure(name: str, call: Callable[[], Awaitable[None]], n: int, concurrency: int) -> None:
    await call()  # warm: token, caches, first import paths
    times: list[float] = []
    queue = iter(range(n))

    async def worker() -> None:
        for _ in queue:
            t0 = time.perf_counter()
            await call()
            times.append(time.perf_counter() - t0)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    times.sort()
    print(
        f"{name:<28} x{concurrency}: {n / elapsed:8.1f} look-ups/s  "
        f"p50 {statistics.median(times) * 1000:6.2f} ms  p99 {times[int(len(times) * 0.99)] * 1000:6.2f} ms"
    )


async def main(n: int) -> None:
    data = Path(tempfile.mkdtemp(prefix="dwp-bench-integrations-"))
    key_file = data / "nhs.pem"
    key_file.write_bytes(RSAKey.generate_key(2048).as_pem(private=True))
    os.environ |= {
        "DWP_ENV": "local",
        "DWP_DATA_DIR": str(data),
        "DWP_LOG_LEVEL": "warning",
        "DWP_HMRC_URL": HMRC,
        "DWP_NHS_URL": NHS,
        "DWP_NHS_PRIVATE_KEY_FILE": str(key_file),
    }
    os.environ.pop("DATABASE_URL", None)

    from dwp.integrations.app import build_app
    from dwp.platform.auth import load_or_create_dev_key, mint_token
    from dwp.platform.migrations import upgrade
    from dwp.platform.settings import Settings
    from dwp.simulators.hmrc.app import create_app as create_hmrc
    from dwp.simulators.nhs.app import create_app as create_nhs

    settings = Settings(dwp_env="local", dwp_data_dir=data, database_url=None, redis_url=None)
    await asyncio.to_thread(upgrade, "integrations", settings)
    hmrc_app = create_hmrc(today=lambda: date(2025, 11, 30))
    providers = httpx.AsyncClient(
        mounts={
            HMRC: httpx.ASGITransport(app=hmrc_app),
            NHS: httpx.ASGITransport(app=create_nhs(base_url=NHS, clients={})),
        }
    )
    app = build_app(settings, http=providers)
    token = mint_token(
        load_or_create_dev_key(settings), issuer=settings.dwp_jwt_issuer, subject="claims", kind="service"
    )
    body = {
        "national_insurance_number": PERSON["nino"],
        "given_name": PERSON["firstName"],
        "family_name": PERSON["lastName"],
        "date_of_birth": PERSON["dateOfBirth"],
        "period_from": WINDOW["fromDate"],
        "period_to": WINDOW["toDate"],
        "claim_id": "bench",
        "purpose": "monthly-assessment",
    }
    async with (
        providers,
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service.bench") as service,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=hmrc_app), base_url=HMRC) as hmrc,
    ):
        grant = await hmrc.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "dwp-integrations-local",
                "client_secret": "local-hmrc-secret",
            },
        )
        bearer = grant.json()["access_token"]

        def headers() -> dict[str, str]:
            return {
                "Authorization": f"Bearer {bearer}",
                "Accept": "application/vnd.hmrc.2.0+json",
                "CorrelationId": str(uuid.uuid4()),
            }

        async def direct() -> None:
            matched = await hmrc.post("/individuals/matching/", json=PERSON, headers=headers())
            match_id = matched.json()["_links"]["individual"]["href"].rsplit("/", 1)[1]
            window = WINDOW | {"matchId": match_id}
            for path in ("/individuals/employments/paye", "/individuals/income/paye"):
                answer = await hmrc.get(path, params=window, headers=headers())
                assert answer.status_code == 200, answer.text

        async def through_service() -> None:
            auth = {"Authorization": f"Bearer {token}"}
            answer = await service.post("/v1/earnings", json=body, headers=auth)
            assert answer.status_code == 200, answer.text

        for concurrency in (1, 8):
            await measure("HMRC simulator directly", direct, n, concurrency)
            await measure("through the service", through_service, n, concurrency)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    asyncio.run(main(parser.parse_args().requests))
