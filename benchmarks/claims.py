"""Claims submitted a second end to end, beside the gateway's own-profile read, against `dwp up`.

For each database (SQLite files, then a private PostgreSQL database made and dropped here) this starts
the whole platform as `dwp up --no-seed` starts it (every service its own process, the embedded AWS
endpoint, the workers process, the simulators), then, outside the measured time, registers `--claims`
citizens (each with an email address) and brings a UC claim of each to the point of submitting (every
section saved, every question confirmed). Measured, `--concurrency` at a time, through the gateway:

1. baseline: `GET /v1/citizens/{id}` (a citizen's own profile) `--claims` times: reads a second, p50/p99;
2. `POST /v1/claims/{id}/submission` (`If-Match`, `Idempotency-Key`) for every claim: p50/p99 of the
   submit and submits a second; and end to end, from the first submit until the Notify simulator has
   received the `claims.submitted` email of every claim (outbox -> relay -> SNS -> SQS -> the workers'
   notifications handler -> the claims and citizen services for the facts -> Notify): claims a second.

The client-side Notify limit (2,700 a minute across the workers, 45 a second) would cap the end-to-end
rate by design; it is lifted here (`DWP_NOTIFY_PER_MINUTE`, and the simulator's 3,000 a minute) so the
figure says what the path costs; `--notify-limit` keeps the production limits.

Usage: /work/main/.venv/bin/python benchmarks/claims.py [--claims 60] [--concurrency 4]
       [--databases sqlite,postgresql] [--notify-limit] [--wait 300]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from dwp.platform import catalog  # noqa: E402

LIFTED_PER_MINUTE = "600000"


@dataclass
class Up:
    data: Path
    offset: int
    log: Path
    database_url: str | None

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{catalog.process(name).port + self.offset}"

    def mint(self, **claims: Any) -> str:
        from dwp.platform.settings import Settings
        from dwp.seed import mint
        from dwp.trust import trusted_settings

        settings = Settings(dwp_data_dir=self.data, database_url=self.database_url)
        return mint(trusted_settings(settings), **claims)


@dataclass
class Citizen:
    citizen_id: str
    token: str
    claim_id: str = ""
    etag: str = ""


@contextmanager
def platform(database_url: str | None, *, notify_limit: bool) -> Iterator[Up]:
    """`dwp up --no-seed` on a data folder and ports of its own, until it prints that it is ready."""
    from tests.e2e.test_dwp_up import free_offset  # ports for a `dwp up` beside others on this machine

    data = Path(tempfile.mkdtemp(prefix="dwp-bench-claims-"))
    offset = free_offset(23000 + os.getpid() % 3000)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DWP_", "AWS_", "DATABASE_URL"))}
    env |= {
        "DWP_DATA_DIR": str(data / ".dwp"),
        "DWP_PORT_OFFSET": str(offset),
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": str(ROOT / "src"),
        # Every caller here is 127.0.0.1: the per-address limit would measure itself.
        "DWP_GATEWAY_RATE_LIMIT": "100000/second",
        "DWP_GATEWAY_REFUSED_RATE_LIMIT": "100000/second",
    }
    if not notify_limit:
        env |= {
            "DWP_NOTIFY_PER_MINUTE": LIFTED_PER_MINUTE,
            "DWP_NOTIFY_SIMULATOR_PER_MINUTE": LIFTED_PER_MINUTE,
        }
    if database_url:
        env["DATABASE_URL"] = database_url
    log = data / "up.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "dwp.cli", "up", "--no-seed"],
            env=env, stdout=out, stderr=subprocess.STDOUT, cwd=data,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 600
            while "Press Ctrl-C" not in log.read_text():
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"dwp up did not become ready:\n{log.read_text()[-3000:]}")
                time.sleep(0.5)
            yield Up(data / ".dwp", offset, log, database_url)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
            shutil.rmtree(data, ignore_errors=True)


async def bounded(
    concurrency: int, job: Callable[[Citizen], Awaitable[float]], citizens: list[Citizen]
) -> tuple[float, list[float]]:
    """`job` for each citizen, `concurrency` at a time: the wall time and each job's own seconds."""
    gate = asyncio.Semaphore(concurrency)

    async def one(citizen: Citizen) -> float:
        async with gate:
            return await job(citizen)

    start = time.perf_counter()
    times = await asyncio.gather(*(one(c) for c in citizens))
    return time.perf_counter() - start, list(times)


def ok(response: httpx.Response, *expected: int) -> httpx.Response:
    if response.status_code not in (expected or (200,)):
        raise RuntimeError(f"{response.request.method} {response.request.url.path}: {response.status_code} "
                           f"{response.text[:300]}")  # fmt: skip
    return response


def tokens(up: Up, count: int) -> tuple[str, list[Citizen]]:
    """The identity service's token and `count` citizens with theirs, signed as `dwp token` signs."""
    identity = up.mint(subject="identity", kind="service", lifetime_seconds=900)
    citizens = []
    for _ in range(count):
        citizen_id = str(uuid.uuid4())
        token = up.mint(subject=f"bench-{citizen_id[:8]}", kind="citizen", citizen_id=citizen_id,
                        level_of_confidence="P2", lifetime_seconds=900)  # fmt: skip
        citizens.append(Citizen(citizen_id, token))
    return identity, citizens


async def prepare(up: Up, identity: str, citizens: list[Citizen], concurrency: int) -> None:
    """Registered citizens, each with a UC claim ready to submit (not measured)."""
    from pydantic import TypeAdapter
    from tests.conftest import random_nino
    from tests.unit.claims.conftest import uc_answers

    from dwp.claims.domain.answers import SECTIONS, ClaimType

    shapes: dict[str, Any] = dict(SECTIONS[ClaimType.UNIVERSAL_CREDIT])
    sections = {n: TypeAdapter(shapes[n]).dump_python(s, mode="json") for n, s in uc_answers().items()}
    async with (
        httpx.AsyncClient(base_url=up.url("citizen"), timeout=60) as direct,
        httpx.AsyncClient(base_url=up.url("gateway"), timeout=60) as gateway,
    ):

        async def ready(c: Citizen) -> float:
            body = {"given_name": "Bench", "family_name": "Claimant", "date_of_birth": "1990-05-17",
                    "national_insurance_number": random_nino(),
                    "email": f"bench.{c.citizen_id[:8]}@example.com"}  # fmt: skip
            headers = {"Authorization": f"Bearer {identity}", "On-Behalf-Of": c.token,
                       "Idempotency-Key": c.citizen_id}  # fmt: skip
            ok(await direct.post("/v1/internal/citizens", json=body, headers=headers), 200, 201)
            auth = {"Authorization": f"Bearer {c.token}"}
            new = {**auth, "Idempotency-Key": str(uuid.uuid4())}
            started = ok(
                await gateway.post("/v1/claims", json={"claim_type": "universal_credit"}, headers=new), 201
            )
            c.claim_id, c.etag = started.json()["id"], started.headers["etag"]
            for name, section in sections.items():
                saved = ok(await gateway.put(f"/v1/claims/{c.claim_id}/sections/{name}", json=section,
                                             headers={**auth, "If-Match": c.etag}))  # fmt: skip
                c.etag = saved.headers["etag"]
                for question in saved.json()["questions"]:
                    confirmed = ok(await gateway.post(
                        f"/v1/claims/{c.claim_id}/confirmations", json={"question": question["key"]},
                        headers={**auth, "If-Match": c.etag}))  # fmt: skip
                    c.etag = confirmed.headers["etag"]
            return 0.0

        await bounded(concurrency, ready, citizens)


async def profile_reads(up: Up, citizens: list[Citizen], concurrency: int) -> tuple[float, list[float]]:
    async with httpx.AsyncClient(base_url=up.url("gateway"), timeout=60) as gateway:

        async def read(c: Citizen) -> float:
            start = time.perf_counter()
            ok(
                await gateway.get(
                    f"/v1/citizens/{c.citizen_id}", headers={"Authorization": f"Bearer {c.token}"}
                )
            )
            return time.perf_counter() - start

        await bounded(concurrency, read, citizens[: max(1, len(citizens) // 4)])  # warm-up, not counted
        return await bounded(concurrency, read, citizens)


async def emails(notify: httpx.AsyncClient) -> Counter[str]:
    """The emails Notify has received, by event type (`claims.submitted`, `citizen.registered`, ...)."""
    sent = ok(await notify.get("/_simulator/notifications", params={"type": "email"})).json()
    return Counter(str(n["template_key"]).split("/", 1)[0] for n in sent["notifications"])


async def drained(up: Up, event_type: str, count: int, wait: float) -> None:
    """Until Notify has `count` emails of `event_type` (the welcome emails of the citizens registered
    while preparing), so that none is still in the workers' queue when the measuring starts."""
    async with httpx.AsyncClient(base_url=up.url("notify"), timeout=60) as notify:
        deadline = time.monotonic() + wait
        while (await emails(notify))[event_type] < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the {event_type} emails did not all reach Notify in {wait:.0f} s")
            await asyncio.sleep(0.5)


async def submissions(
    up: Up, citizens: list[Citizen], concurrency: int, wait: float
) -> tuple[float, list[float], float | None, Counter[str]]:
    """Submit every claim: wall time, each submit's seconds, seconds until Notify had every
    `claims.submitted` email (None if not within `wait`), and the emails it got meanwhile by type."""
    async with (
        httpx.AsyncClient(base_url=up.url("gateway"), timeout=60) as gateway,
        httpx.AsyncClient(base_url=up.url("notify"), timeout=60) as notify,
    ):
        before = await emails(notify)

        async def submit(c: Citizen) -> float:
            start = time.perf_counter()
            ok(await gateway.post(
                f"/v1/claims/{c.claim_id}/submission", json={"declaration": "2026-12"},
                headers={"Authorization": f"Bearer {c.token}", "If-Match": c.etag,
                         "Idempotency-Key": str(uuid.uuid4())}))  # fmt: skip
            return time.perf_counter() - start

        start = time.perf_counter()
        wall, times = await bounded(concurrency, submit, citizens)
        seen: Counter[str] = Counter()
        while time.perf_counter() - start < wall + wait:
            seen = await emails(notify) - before
            if seen["claims.submitted"] >= len(citizens):
                return wall, times, time.perf_counter() - start, seen
            await asyncio.sleep(0.25)
        return wall, times, None, seen


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--notify-limit", action="store_true", help="keep Notify's production limits")
    parser.add_argument("--wait", type=float, default=300, help="seconds to wait for the last email")
    args = parser.parse_args()
    postgres = os.environ.get("DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    database = f"dwp_bench_claims_{os.getpid()}"
    psql = ["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-c"]
    print(f"claims end to end: {args.claims} UC claims per database, {args.concurrency} at a time, through "
          f"the gateway of `dwp up`, on {os.cpu_count()} cores (load average {os.getloadavg()[0]:.1f}); "
          f"Notify limits {'production' if args.notify_limit else 'lifted'}", flush=True)  # fmt: skip
    rows = []
    for label in args.databases.split(","):
        url = None
        if label == "postgresql":
            subprocess.run([*psql, f"CREATE DATABASE {database}"], check=True)
            url = postgres.rsplit("/", 1)[0] + f"/{database}"
        try:
            with platform(url, notify_limit=args.notify_limit) as up:
                identity, citizens = tokens(up, args.claims)
                asyncio.run(prepare(up, identity, citizens, args.concurrency))
                asyncio.run(drained(up, "citizen.registered", len(citizens), args.wait))
                read_wall, reads = asyncio.run(profile_reads(up, citizens, args.concurrency))
                wall, submits, e2e, seen = asyncio.run(submissions(up, citizens, args.concurrency, args.wait))
        finally:
            if url:
                subprocess.run([*psql, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"], check=False)
        n = len(citizens)
        read_rate, submit_rate = n / read_wall, n / wall
        e2e_rate = n / e2e if e2e else None
        print(f"  {label}:")
        print(f"    baseline own-profile read: {read_rate:7.1f}/s  p50 {pct(reads, 50):6.1f} ms  "
              f"p99 {pct(reads, 99):6.1f} ms")  # fmt: skip
        print(f"    submit:                    {submit_rate:7.1f}/s  p50 {pct(submits, 50):6.1f} ms  "
              f"p99 {pct(submits, 99):6.1f} ms  (p50 {pct(submits, 50) / pct(reads, 50):.1f}x the read's, "
              f"rate {submit_rate / read_rate:.2f}x)")  # fmt: skip
        if e2e_rate:
            print(f"    end to end (every claims.submitted email at Notify): {n} in {e2e:.1f} s = "
                  f"{e2e_rate:.1f} claims/s ({e2e_rate / read_rate:.2f}x the read rate)")  # fmt: skip
        else:
            print(f"    end to end: only {seen['claims.submitted']} of {n} emails reached Notify within "
                  f"{args.wait:.0f} s")  # fmt: skip
        print(f"    Notify meanwhile received {sum(seen.values())} emails: "
              + ", ".join(f"{k} {v}" for k, v in sorted(seen.items())))  # fmt: skip
        rows.append((label, read_rate, submit_rate, e2e_rate))
    if len(rows) == 2 and rows[0][3] and rows[1][3]:
        submit, e2e_ratio = rows[1][2] / rows[0][2], rows[1][3] / rows[0][3]
        print(f"  PostgreSQL / SQLite: submit {submit:.2f}x, end to end {e2e_ratio:.2f}x")


if __name__ == "__main__":
    main()
