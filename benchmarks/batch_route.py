"""The benefits batch route (`POST /v1/assessments/batch`) alone, in process: milliseconds a page of 500
generated awards (the monthly run's pages, as `benchmarks/monthly_run.py` generates them, with their HMRC
payments), on PostgreSQL (`DATABASE_URL`) or SQLite, optionally under cProfile to see where a page's time
goes (validation, the engine, explanations, JSON, the inserts). No HTTP server: the app is called over
httpx's ASGI transport, so what is measured is the route and its database, not uvicorn or the network.

Usage: DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/<db> \
       .venv/bin/python benchmarks/batch_route.py [--pages 20] [--profile out.prof]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("NUMBA_CACHE_DIR", str(Path(tempfile.gettempdir()) / "dwp-bench-numba-cache"))


def page_items(page: int, size: int) -> list[dict[str, Any]]:
    """A page of the monthly run's batch items (`monthly._batch_item`) for generated awards."""
    from benchmarks.monthly_run import DAY
    from tests.fakes.claims_internal import generated_award, paye_payment

    items = []
    for i in range(page * size, (page + 1) * size):
        award = generated_award(i, DAY, prefix=f"route{uuid.uuid4().hex[:6]}")
        paid = paye_payment(award.earnings_subjects[0].national_insurance_number, award.period_end)
        items.append(
            {
                "claim_id": award.claim_id,
                "circumstances": award.circumstances,
                "hmrc_earnings": [
                    {
                        "adult": 0,
                        "paid_on": paid.paid_on.isoformat(),
                        "gross": paid.gross,
                        "income_tax": paid.income_tax,
                        "national_insurance": paid.national_insurance,
                    }
                ],
            }
        )
    return items


def process_cpu(pid: int) -> float:
    """CPU seconds a process (on this machine) has used so far; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_backends(url: str | None) -> list[int]:
    """The PostgreSQL server processes serving this URL's database (when the server is on this
    machine): what the database does for the route is their CPU."""
    if not url:
        return []
    import subprocess

    name = url.rsplit("/", 1)[1].split("?")[0]
    answer = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-Atc",
         f"SELECT pid FROM pg_stat_activity WHERE datname = '{name}'"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    return [int(line) for line in answer.stdout.split() if line.isdigit()]


async def run(pages: int, size: int, profile: str | None) -> None:
    import httpx

    from dwp.benefits.app import build_app
    from dwp.platform import app_factory
    from dwp.platform.auth import load_or_create_dev_key, mint_token
    from dwp.platform.migrations import upgrade
    from dwp.platform.settings import Settings

    data = Path(tempfile.mkdtemp(prefix="dwp-bench-batch-"))
    settings = Settings(dwp_env="test", dwp_data_dir=data, database_url=os.environ.get("DATABASE_URL"))
    await asyncio.to_thread(upgrade, "benefits", settings)
    os.environ[app_factory.FREEZE_HEAP_ENV] = "1"  # as `dwp serve` runs it: the process's one app
    app = build_app(settings)
    token = mint_token(
        load_or_create_dev_key(settings), issuer=settings.dwp_jwt_issuer, subject="workers", kind="service"
    )
    bodies = [{"items": page_items(p, size)} for p in range(pages + 1)]
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://benefits.test") as http,
    ):

        async def post(body: dict[str, Any]) -> None:
            answer = await http.post(
                "/v1/assessments/batch",
                json=body,
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"bench:{uuid.uuid4()}"},
            )
            assert answer.status_code == 201, answer.text

        await post(bodies[0])  # warm: the engine compiled or loaded, connections open
        profiler = cProfile.Profile() if profile else None
        if profiler:
            profiler.enable()
        backends = postgres_backends(settings.database_url)
        database_cpu = sum(map(process_cpu, backends))
        start, cpu = time.perf_counter(), time.process_time()
        for body in bodies[1:]:
            await post(body)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        database_cpu = sum(map(process_cpu, backends)) - database_cpu
        if profiler:
            profiler.disable()
            profiler.dump_stats(profile)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
    print(
        f"batch route on {'PostgreSQL' if settings.database_url else 'SQLite'}: {pages} pages of {size} in "
        f"{seconds:.2f} s = {seconds / pages * 1e3:.0f} ms a page, {seconds / pages / size * 1e6:.0f} us an "
        f"award; this process's CPU {cpu / pages * 1e3:.0f} ms a page, "
        f"{cpu / pages / size * 1e6:.0f} us an award; PostgreSQL's backends' CPU "
        f"{database_cpu / pages * 1e3:.0f} ms a page ({len(backends)} backends)"
        f"{' (under cProfile)' if profile else ''} (load average {os.getloadavg()[0]:.1f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--size", type=int, default=500)
    parser.add_argument("--profile", help="write cProfile's stats here and print the top")
    args = parser.parse_args()
    import logging

    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    asyncio.run(run(args.pages, args.size, args.profile))


if __name__ == "__main__":
    main()
