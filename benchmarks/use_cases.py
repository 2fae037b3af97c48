"""What a registration costs below HTTP, and what its Idempotency-Key adds: prints every figure in one run.

- `register_citizen` on the in-memory unit of work (what the use-case tests run on);
- the same on the service's database (SQLite by default, PostgreSQL with DATABASE_URL), without a key;
- the same with an Idempotency-Key (claim in its own transaction, answer recorded in the use case's);
- a replay of a key already answered.

The PII cipher and blind index run against the embedded AWS endpoint, as in `dwp up`.

Usage: .venv/bin/python benchmarks/use_cases.py [--count 300]
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path

from dwp.citizen import service
from dwp.citizen.domain import Citizen, RegisterCitizen
from dwp.platform.auth import Actor
from dwp.platform.idempotency import Claim, Remember, StoredResponse, idempotent
from dwp.platform.pii import BlindIndex, PiiCipher
from dwp.platform.uow import InMemoryStore, InMemoryUnitOfWorkFactory

# Letters HMRC uses in either place of a prefix, leaving out those of the unallocated prefixes.
_PREFIX_LETTERS = "ABCEHJKLMPRSTWXY"
PROOF = "online: GOV.UK One Login P2, sent by identity"


def nino() -> str:
    prefix = secrets.choice(_PREFIX_LETTERS) + secrets.choice(_PREFIX_LETTERS)
    return f"{prefix}{secrets.randbelow(10**6):06d}C"


def command() -> RegisterCitizen:
    citizen_id = str(uuid.uuid4())
    return RegisterCitizen(
        citizen_id=citizen_id,
        given_name="Ada",
        family_name="Lovelace",
        date_of_birth=date(1990, 1, 1),
        national_insurance_number=nino(),
        email="ada@example.com",
        contact_channels=("email",),
    )


def answer(citizen: Citizen) -> StoredResponse:
    return StoredResponse(201, {"id": citizen.id}, {"Location": f"/v1/citizens/{citizen.id}"})


async def timed(count: int, one: Callable[[], Awaitable[object]]) -> list[float]:
    times = []
    for _ in range(count):
        start = time.perf_counter()
        await one()
        times.append((time.perf_counter() - start) * 1000)
    return times


def line(name: str, times: list[float], baseline: float | None = None) -> str:
    p50 = statistics.median(times)
    p99 = sorted(times)[int(len(times) * 0.99) - 1]
    ratio = f"{p50 / baseline:6.2f}x" if baseline else "      -"
    return f"{name:<44} p50 {p50:7.3f} ms   p99 {p99:7.3f} ms   {ratio}"


async def main(count: int) -> None:
    sys.path.insert(0, str(Path(__file__).parents[1]))  # the in-memory fake is the tests' own
    from benchmarks.migrated import migrated
    from tests.fakes.citizen import CitizenData, InMemoryCitizenRepository

    actor = Actor("bench", "citizen")
    memory = service.CitizenContext(
        uow=InMemoryUnitOfWorkFactory(
            InMemoryStore(CitizenData()), InMemoryCitizenRepository, source="citizen"
        )
    )

    # Each in-memory unit of work copies the store, so keep it small: a fresh store per registration.
    async def in_memory() -> None:
        memory.uow.store.data = CitizenData()  # type: ignore[attr-defined]
        await service.register_citizen(memory, command(), actor=actor, proof=PROOF)

    async with migrated("citizen") as (settings, database):
        ctx = service.CitizenContext.on_database(
            database, PiiCipher(settings), BlindIndex.from_settings(settings)
        )
        keys = ctx.idempotency
        assert keys is not None

        async def without_key() -> None:
            await service.register_citizen(ctx, command(), actor=actor, proof=PROOF)

        async def with_key() -> None:
            assert keys is not None
            cmd = command()

            async def run(claim: Claim | None) -> StoredResponse:
                remember = Remember(claim, answer) if claim else None
                registered = await service.register_citizen(
                    ctx, cmd, actor=actor, proof=PROOF, remember=remember
                )
                return answer(registered)

            await idempotent(
                keys, principal="bench", key=cmd.citizen_id, request_hash=cmd.citizen_id, run=run
            )

        replay_key = str(uuid.uuid4())

        async def replay() -> None:
            assert keys is not None
            await idempotent(
                keys, principal="bench", key=replay_key, request_hash="same", run=lambda _: never()
            )

        async def never() -> StoredResponse:
            raise AssertionError("a replay never runs the use case")

        await without_key()  # warm the data key cache and the pool
        first = await keys.claim(principal="bench", key=replay_key, request_hash="same")
        assert isinstance(first, Claim)
        async with database.transaction() as connection:
            await keys.complete(connection, first, StoredResponse(201, {"id": "x"}))
        await in_memory()
        results = {
            "in-memory unit of work": await timed(count, in_memory),
            f"{'PostgreSQL' if database.is_postgres else 'SQLite'}, no key": await timed(count, without_key),
            "  with an Idempotency-Key": await timed(count, with_key),
            "  a replay of an answered key": await timed(count, replay),
        }
    baseline = statistics.median(next(iter(results.values())))
    print(f"register_citizen, {count} calls each, one process, one at a time (ratio: to the in-memory p50)")
    for name, times in results.items():
        print(line(name, times, baseline))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=300)
    asyncio.run(main(parser.parse_args().count))
