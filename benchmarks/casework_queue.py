"""The caseworker queue on SQLite and PostgreSQL: a page of 50 work items under a few filters, with 20,000
items in the table, beside a work item read by its primary key in the same run as the baseline.

Each figure is the median (and 95th percentile) of repeated calls of the repository's own query
(`ClaimsRepository.queue_page`, the SQL the route runs), one at a time, on a migrated database of this
run's own. PostgreSQL is the one `DATABASE_URL` names (skipped when unset), in a database of its own.

    DATABASE_URL=postgresql+asyncpg://user@host:5432/dwp .venv/bin/python benchmarks/casework_queue.py
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from dwp.claims.domain.answers import ClaimType  # noqa: E402
from dwp.claims.domain.model import DueDate, Status  # noqa: E402
from dwp.claims.domain.work import QueueFilter, WorkItem, WorkKind  # noqa: E402
from dwp.claims.repository import ClaimsRepository  # noqa: E402
from dwp.platform.database import Database  # noqa: E402
from dwp.platform.migrations import upgrade  # noqa: E402
from dwp.platform.pii import PiiCipher  # noqa: E402
from dwp.platform.settings import Settings  # noqa: E402

ITEMS = int(os.environ.get("BENCH_ITEMS", "20000"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "100"))
TODAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)

FILTERS: dict[str, QueueFilter] = {
    "all open": QueueFilter(),
    "UC, unassigned": QueueFilter(benefits=frozenset({ClaimType.UNIVERSAL_CREDIT}), assigned=False),
    "overdue": QueueFilter(overdue=True),
    "older than 14 days, escalated": QueueFilter(older_than_days=14, escalated=True),
    "mine": QueueFilter(assigned_to="staff-7"),
}


def _items(n: int) -> list[WorkItem]:
    kinds = list(WorkKind)
    benefits = list(ClaimType)
    items = []
    for i in range(n):
        created = NOW - timedelta(hours=i % 2000)
        due = DueDate(TODAY + timedelta(days=(i % 60) - 20), "evidence_one_month", "source", TODAY)
        items.append(
            WorkItem(
                id=str(uuid.UUID(int=i + 1)),
                kind=kinds[i % len(kinds)],
                claim_id=str(uuid.UUID(int=10**9 + i // 3)),
                benefit=benefits[i % 3],
                claim_status=Status.SUBMITTED,
                created_at=created,
                due=due if i % 4 else None,
                assigned_to=f"staff-{i % 40}" if i % 5 == 0 else None,
                escalated=i % 17 == 0,
                done_at=NOW if i % 9 == 0 else None,
            )
        )
    return items


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.95) - 1] * 1000


async def _measure(settings: Settings, label: str) -> None:
    await asyncio.to_thread(upgrade, "claims", settings)
    database = Database(settings, "claims")
    cipher = PiiCipher(settings)
    items = _items(ITEMS)
    async with database.transaction() as connection:
        repo = ClaimsRepository(connection, cipher)
        for item in items:
            await repo.add_work_item(item)

    async def timed(call: Any) -> tuple[float, float]:
        samples = []
        for _ in range(REPEATS):
            async with database.read() as connection:
                repo = ClaimsRepository(connection, cipher)
                started = time.perf_counter()
                await call(repo)
                samples.append(time.perf_counter() - started)
        return _percentiles(samples)

    base, base95 = await timed(lambda repo: repo.get_work_item(items[ITEMS // 2].id))
    print(f"\n{label}: {ITEMS} work items, {REPEATS} calls each")
    print(f"  {'baseline: one item by id':<34} p50 {base:7.3f} ms  p95 {base95:7.3f} ms")
    for name, query in FILTERS.items():
        p50, p95 = await timed(lambda repo, q=query: repo.queue_page(q, today=TODAY, limit=51, after=None))
        ratio = p50 / base
        print(f"  {'page of 50: ' + name:<34} p50 {p50:7.3f} ms  p95 {p95:7.3f} ms  ({ratio:5.1f}x baseline)")
    await database.dispose()


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        await _measure(Settings(dwp_env="test", dwp_data_dir=Path(tmp)), "SQLite")
    base = os.environ.get("DATABASE_URL")
    if not base:
        print("\nPostgreSQL: skipped (DATABASE_URL is not set)")
        return
    import asyncpg
    from sqlalchemy.engine import make_url

    url = make_url(base)
    name = f"{url.database}_casework_bench_{uuid.uuid4().hex[:6]}"
    admin = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, database=url.database
    )
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with tempfile.TemporaryDirectory() as tmp:
            own = url.set(database=name).render_as_string(hide_password=False)
            await _measure(Settings(dwp_env="test", dwp_data_dir=Path(tmp), database_url=own), "PostgreSQL")
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
