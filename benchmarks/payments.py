"""Payments instructed per second: a payment day of N UC awards, planned, sent to the payment system
simulator (over real HTTP, in batches) and recorded, beside the simulator taking the same instructions
straight from one client (the baseline: what the payments service adds).

Each award's citizen has bank details (sealed under KMS on the embedded AWS endpoint) and one assessment
period paid on the day. SQLite by default, PostgreSQL with DATABASE_URL. The figure for 1 million awards
is this run's rate carried over (printed as such), not a run of 1 million.

Usage: .venv/bin/python benchmarks/payments.py [--awards 2000] [--batch 500]
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import time
import uuid
from datetime import date
from pathlib import Path

import httpx

from dwp.payments import service
from dwp.payments.domain.schedule import Award
from dwp.payments.payment_system import LOCAL_KEY, HttpPaymentSystem
from dwp.platform.auth import Actor
from dwp.platform.http import ResilientClient
from dwp.platform.pii import BlindIndex, PiiCipher
from dwp.simulators.payments.app import create_app


def account() -> tuple[str, str]:
    """A random account of sort code 10-79-99 that passes its modulus 11 check."""
    while True:
        digits = [secrets.randbelow(10) for _ in range(7)]
        last = (11 - sum(d * w for d, w in zip(digits, (8, 7, 6, 5, 4, 3, 2), strict=True)) % 11) % 11
        if last < 10:
            return "107999", "".join(map(str, digits)) + str(last)


async def main(awards: int, batch: int) -> None:
    sys.path.insert(0, str(Path(__file__).parents[1]))
    from benchmarks.migrated import migrated
    from tests.servers import running

    with running(create_app()) as simulator:
        async with migrated("payments") as (settings, database):
            ctx = service.PaymentsContext.on_database(
                database, PiiCipher(settings), BlindIndex.from_settings(settings)
            )
            system = HttpPaymentSystem(ResilientClient("payment-system", simulator), LOCAL_KEY)
            try:
                started = time.perf_counter()
                for n in range(awards):
                    citizen = str(uuid.uuid4())
                    sort_code, number = account()
                    command = service.SetBankDetails(
                        citizen_id=citizen,
                        sort_code=sort_code,
                        account_number=number,
                        account_name=f"Person {n}",
                    )
                    await service.set_bank_details(ctx, command, actor=Actor(citizen, "citizen"))
                    award = Award(
                        id=str(uuid.uuid4()),
                        claim_id=str(uuid.uuid4()),
                        citizen_id=citizen,
                        benefit="universal_credit",
                        first_day=date(2026, 9, 1),
                        nation="england-and-wales",
                        period_amounts=(61_000,),
                    )
                    await service.put_award(ctx, award, actor=Actor("claims", "service"))
                setup = time.perf_counter() - started

                report = service.RunReport()
                started = time.perf_counter()
                await service.plan_instructions(ctx, through=date(2026, 10, 31), report=report)
                planned = time.perf_counter() - started
                started = time.perf_counter()
                await service.send_pending(ctx, system, report=report, batch=batch)
                sent = time.perf_counter() - started
                assert report.accepted == awards, report

                # Baseline: the same number of instructions straight to the simulator, in the same batches.
                shapes = [
                    {
                        "instruction_id": str(uuid.uuid4()),
                        "sort_code": "107999",
                        "account_number": "88837491",
                        "account_name": "BASELINE",
                        "reference": "BASELINE",
                        "pence": 61_000,
                        "pay_on": "2026-10-07",
                    }
                    for _ in range(awards)
                ]
                started = time.perf_counter()
                async with httpx.AsyncClient(base_url=simulator, timeout=60) as http:
                    for i in range(0, awards, batch):
                        answer = await http.post(
                            "/v1/submissions",
                            json={"instructions": shapes[i : i + batch]},
                            headers={"Authorization": f"Bearer {LOCAL_KEY}"},
                        )
                        answer.raise_for_status()
                baseline = time.perf_counter() - started
            finally:
                await system.aclose()
    where = "PostgreSQL" if settings.database_url else "SQLite"
    total = planned + sent
    print(f"payment day of {awards} UC awards, {where}, batches of {batch}, one process")
    print(f"  setting up (bank details sealed, awards stored): {setup:7.2f} s")
    print(f"  planning (pending instructions recorded):        {planned:7.2f} s  {awards / planned:8.0f} /s")
    print(f"  sending and recording the answers:               {sent:7.2f} s  {awards / sent:8.0f} /s")
    print(f"  instructed in all:                               {total:7.2f} s  {awards / total:8.0f} /s")
    print(
        f"  baseline, the simulator alone:                   {baseline:7.2f} s  {awards / baseline:8.0f} /s"
    )
    print(f"  ratio, payments to the baseline:                 {total / baseline:7.1f} x")
    print(f"  1 million awards at this rate (carried over):    {1_000_000 / (awards / total) / 60:7.1f} min")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--awards", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=500)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.awards, arguments.batch))
