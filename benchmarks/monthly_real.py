"""The real services for `benchmarks/monthly_run.py --claims real`: claims, integrations (against the HMRC
simulator), payments and identity (the services' tokens), each its own `dwp serve` process on the
benchmark's PostgreSQL database, migrated by its own migrations, with N awarded UC claims seeded in claims'
own tables through claims' own repository (`ClaimsRepository.add` and `set_uc_award`, what a decision to
award writes). Only the citizen service's identity route is a stand-in (`citizen_app`): claims asks it
for each award's NINO, name and date of birth, and it answers with one of the HMRC simulator's people
who are paid through PAYE, so that integrations' look-ups are matched and find earnings.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException

SERVICES = ("identity", "claims", "integrations", "payments")
"""The real services the run talks to (with the HMRC simulator), besides benefits."""
MIGRATED = ("identity", "claims", "integrations", "payments")


def paid_people() -> list[Any]:
    """The HMRC simulator's people with a PAYE employment (the others are not matched or have none)."""
    from dwp.simulators.hmrc.people import PEOPLE

    return [p for p in PEOPLE if p.employments]


def citizen_app() -> FastAPI:
    """The citizen service's `GET /v1/internal/citizens/{id}/identity`, for a seeded claim's citizen id
    (`bench-citizen-<n>`): the n-th paid person of the HMRC simulator, in turn."""
    people = paid_people()
    app = FastAPI()

    @app.get("/v1/internal/citizens/{citizen_id}/identity")
    def identity(citizen_id: str) -> dict[str, Any]:
        number = citizen_id.rsplit("-", 1)[-1]
        if not citizen_id.startswith("bench-citizen-") or not number.isdigit():
            raise HTTPException(404, "no such citizen")
        person = people[int(number) % len(people)]
        return {
            "id": citizen_id,
            "given_name": person.first_name,
            "family_name": person.last_name,
            "date_of_birth": person.date_of_birth.isoformat(),
            "national_insurance_number": person.nino,
        }

    return app


def first_day_for(period_end: date) -> date:
    """An award's first day whose assessment period ends on `period_end` (UC Regs 2013 reg 21: it
    begins the day after, six months back)."""
    from dwp.claims.domain.dates import period_ends_on

    month, year = period_end.month - 6, period_end.year
    if month < 1:
        month, year = month + 12, year - 1
    for day in range(1, 29):
        first = date(year, month, day)
        if period_ends_on(first, period_end):
            return first
    raise ValueError(f"no first day of the month gives a period ending on {period_end}")


def seed_claims(settings: Any, awards: int, period_end: date, *, batch: int = 1000) -> float:
    """`awards` awarded UC claims whose current period ends on `period_end`, in claims' own tables by
    claims' own repository; seconds taken."""
    import time

    from tests.unit.claims.conftest import decide, submitted

    from dwp.claims.domain.model import Outcome
    from dwp.claims.repository import ClaimsRepository, uc_award_row, uc_awards
    from dwp.claims.repository import claims as claims_table
    from dwp.platform.database import Database
    from dwp.platform.pii import PiiCipher

    template = decide(submitted(), Outcome.AWARD).claim
    first = first_day_for(period_end)
    now = datetime.now(UTC)

    async def run() -> None:
        database = Database(settings, "claims")
        cipher = PiiCipher(settings)
        try:
            for start in range(0, awards, batch):
                claims_rows, award_rows = [], []
                async with database.transaction() as connection:
                    repo = ClaimsRepository(connection, cipher)
                    for i in range(start, min(awards, start + batch)):
                        claim = replace(
                            template,
                            id=str(uuid.uuid4()),
                            claim_date=first,
                            claimant=replace(template.claimant, citizen_id=f"bench-citizen-{i}"),
                        )
                        # The rows `ClaimsRepository.add` and `set_uc_award` write, a batch in one
                        # executemany each (one INSERT a claim took 28 s a thousand at load 16).
                        claims_rows.append(
                            {
                                "id": claim.id,
                                "created_at": claim.created_at,
                                **await repo._columns(claim, now),
                            }
                        )
                        award_rows.append(uc_award_row(claim.id, first, now))
                    await connection.execute(claims_table.insert(), claims_rows)
                    await connection.execute(uc_awards.insert(), award_rows)
        finally:
            await database.dispose()

    started = time.perf_counter()
    asyncio.run(run())
    return time.perf_counter() - started


def start_services(
    env: dict[str, str], ports: dict[str, int], log: Any, data: Path
) -> dict[str, subprocess.Popen[bytes]]:
    """The HMRC simulator and `SERVICES`, each `dwp serve` in its own process."""
    started = {}
    for name in ("hmrc", *SERVICES):
        # Integrations' HMRC calls may take 30 s (its most; 5 s by default): at this machine's load a
        # simulator call took past 5 s, which opened its breaker (HMRC's own service is not this laptop).
        extra = {"DWP_PROVIDER_TIMEOUT_SECONDS": "30"} if name == "integrations" else {}
        started[name] = subprocess.Popen(
            [sys.executable, "-m", "dwp.cli", "serve", name, "--port", str(ports[name])],
            env={**env, **extra}, stdout=log, stderr=log,
        )  # fmt: skip
    return started
