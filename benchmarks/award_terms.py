"""Awards' terms stored at payments a second: the monthly run's step that hands each stored period to
payments, one award a request (`PUT /v1/internal/payments/awards/{id}`, as the claims inbox does) beside a
page of 500 in one transaction (`POST /v1/internal/payments/awards`, as the monthly run does), each
measured twice: new terms (a version stored and audited), then the same terms again (a day run twice:
`unchanged`). The use cases are called in process (`service.put_award`, `service.put_awards`), so the
figures are the database's and the service's, not HTTP's.

SQLite by default, PostgreSQL with DATABASE_URL. The figure for 1 million awards is this run's rate
carried over, not a run of 1 million.

Usage: .venv/bin/python benchmarks/award_terms.py [--awards 2000] [--page 500]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from datetime import date
from pathlib import Path

from dwp.payments import service
from dwp.payments.domain.schedule import Award
from dwp.platform.auth import Actor
from dwp.platform.pii import BlindIndex, PiiCipher


def awards_of(count: int, periods: int) -> list[Award]:
    return [
        Award(
            id=str(uuid.uuid4()),
            claim_id=str(uuid.uuid4()),
            citizen_id=str(uuid.uuid4()),
            benefit="universal_credit",
            first_day=date(2026, 1, 5),
            nation="scotland",
            period_amounts=(61_000,) * periods,
            deduction_cap_pence=6_373,
            overpayment_recovery_limit_pence=10_622,
        )
        for _ in range(count)
    ]


async def main(count: int, page: int) -> None:
    sys.path.insert(0, str(Path(__file__).parents[1]))
    from benchmarks.migrated import migrated

    actor = Actor("workers", "service")
    async with migrated("payments") as (settings, database):
        ctx = service.PaymentsContext.on_database(
            database, PiiCipher(settings), BlindIndex.from_settings(settings)
        )
        figures: dict[str, float] = {}
        single = awards_of(count, 11)
        paged = awards_of(count, 11)
        for when in ("new terms", "the same terms"):
            started = time.perf_counter()
            for award in single:
                await service.put_award(ctx, award, actor=actor)
            figures[f"one a request, {when}"] = time.perf_counter() - started
            started = time.perf_counter()
            outcomes = []
            for i in range(0, count, page):
                outcomes += await service.put_awards(ctx, paged[i : i + page], actor=actor)
            figures[f"a page of {page}, {when}"] = time.perf_counter() - started
            expected = "stored" if when == "new terms" else "unchanged"
            assert {o for o, _v, _d in outcomes} == {expected}, outcomes[:3]
    where = "PostgreSQL" if settings.database_url else "SQLite"
    print(f"{count} UC awards of 11 periods each, {where}, one process")
    for name, seconds in figures.items():
        rate = count / seconds
        print(f"  {name:<32} {seconds:7.2f} s  {rate:8.0f} /s  1 million: {1_000_000 / rate / 60:6.1f} min")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--awards", type=int, default=2000)
    parser.add_argument("--page", type=int, default=500)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.awards, arguments.page))
