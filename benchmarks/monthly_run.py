"""The monthly run over `--awards` generated UC awards: awards a second, where the time goes, and 1
million by extrapolation from the measured per-award rate, against the rules engine in process on the same
households (one by one, and the batch engine on all of them at once) as the baseline.

Processes, as `dwp up` has them: the benefits service (its own uvicorn process, SQLite or PostgreSQL), the
embedded AWS endpoint (its own process), a stand-in of the
claims service's internal routes and of the integrations service's earnings routes that follows
`dwp.contracts.claims` and `dwp.contracts.integrations` (one process, `--serve-fakes`; the real routes land
with the claims service; the run asks integrations once per page, `POST /v1/earnings/bulk`), and the run
itself in this
process (`dwp.workers.monthly.run_here`, as `dwp run monthly` does). Notifications are queued on
`dwp-notifications` and counted, not sent (benchmarks/notifications.py measures sending).

Printed: awards a second with the benefits service on SQLite and on PostgreSQL, 1 and 2 shards at once,
the run's time per stage (claims pages, earnings look-ups, the benefits API, the statement store,
queueing) as a share of the summed stage time,
and the same households through `calculate_uc` in process one by one, and through the batch engine
(`calculate_batch`, the compiled kernel over columns, the households turned into columns included) in
process (the engine's own cost: what calculating is, without HTTP), as the share of the run's wall
time spent calculating; then 1 million awards at the best measured rate on these 2 cores.

`--claims real` runs the page mode against the real services instead (`benchmarks/monthly_real.py`):
claims, integrations against the HMRC simulator, payments and identity, each its own `dwp serve` process
on the benchmark's PostgreSQL database, with `--awards` awarded UC claims seeded in claims' own tables by
claims' own repository and tables (only the citizen service's identity route is a stand-in); `--claims
both` measures the stand-ins first, as the baseline in the same run, and prints the ratio. The CPU of
each process (and of PostgreSQL's backends for the benchmark's database) is printed an award.

Usage: .venv/bin/python benchmarks/monthly_run.py [--awards 10000] [--shards 16]
       [--databases sqlite,postgresql] [--parallel 1,2] [--claims stand-in|real|both]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("NUMBA_CACHE_DIR", str(Path(tempfile.gettempdir()) / "dwp-bench-numba-cache"))

DAY = date(2026, 12, 1)


def day(offset: int) -> date:
    return DAY.replace(day=DAY.day + offset)


def serve_citizen(port: int) -> None:
    """The citizen identity stand-in for the real claims service (`monthly_real.citizen_app`), in its own
    process (a thread of the stand-ins' process could not take claims' connections in time at load 17)."""
    import uvicorn
    from benchmarks.monthly_real import citizen_app

    uvicorn.run(citizen_app(), host="127.0.0.1", port=port, log_level="warning", access_log=False)


def serve_fakes(claims_port: int, integrations_port: int, awards: int, days: int) -> None:
    """The claims and integrations stand-ins, with `awards` awards due on each of `days` days from DAY
    (a child process). The awards are made when read and the statements kept slim (id and award), so
    that a million of each fit in memory."""
    import uvicorn
    from tests.fakes.claims_internal import ClaimsState, IntegrationsState, claims_app, integrations_app

    from dwp.platform.app_factory import freeze_heap

    claims = ClaimsState(slim=True)
    for offset in range(days):  # a day of fresh awards for each measurement
        claims.generate(awards, day(offset), prefix=f"day{offset}")
    servers = [
        uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
        )
        for app, port in (
            (claims_app(claims), claims_port),
            (integrations_app(IntegrationsState()), integrations_port),
        )
    ]
    freeze_heap()  # as `dwp serve` does for a service
    threads = [threading.Thread(target=s.run, daemon=True) for s in servers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


class CountedQueues:
    """Notifications counted as queued, not sent to SQS. On this loaded machine the embedded endpoint
    (moto, one Python process that also takes the benefits service's SNS publishes) could not keep up
    with a run's batches (answers past boto3's 60 s read timeout), which would measure moto rather than
    the run; `--sqs` queues them there. The tests queue to SQS."""

    def __init__(self) -> None:
        self.sent: dict[str, int] = {}
        self._lock = threading.Lock()

    def send(self, queue: str, bodies: list[tuple[str, str]]) -> None:
        with self._lock:
            self.sent[queue] = self.sent.get(queue, 0) + len(bodies)


class Token:
    """The workers' service token, minted again when refused or older than 5 minutes (a long run
    outlives one token)."""

    def __init__(self, settings: Any) -> None:
        self._settings = settings
        self._token: str | None = None
        self._at = 0.0

    async def token(self) -> str:
        from dwp.platform.auth import load_or_create_dev_key, mint_token

        if self._token is None or time.monotonic() - self._at > 300:
            s = self._settings
            self._token = mint_token(
                load_or_create_dev_key(s), issuer=s.dwp_jwt_issuer, subject="workers", kind="service"
            )
            self._at = time.monotonic()
        return self._token

    def invalidate(self, token: str) -> None:
        if token == self._token:
            self._token = None


def cpu_seconds(pid: int | None = None) -> float:
    """User and system CPU seconds a process and its live children (uvicorn's workers) have used so
    far (this process alone when `pid` is None)."""
    if pid is None:
        return time.process_time()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0.0
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(cpu_seconds(int(child)) for child in children)


def postgres_cpu(url: str | None) -> dict[int, float]:
    """The CPU seconds so far of each PostgreSQL server process serving this URL's database (the server
    is on this machine): the database's share of a measurement is their growth."""
    from benchmarks.batch_route import postgres_backends

    return {pid: cpu_seconds(pid) for pid in postgres_backends(url)}


def households(awards: int) -> list[Any]:
    """The generated awards' households with the stand-in's HMRC payments applied, as the benefits
    service reads them (`AssessmentRequest`)."""
    from tests.fakes.claims_internal import generated_awards, paye_payment

    from dwp.benefits.estimates import apply_rti
    from dwp.benefits.schemas import AssessmentRequest

    out = []
    for award in generated_awards(awards, DAY):
        paid = paye_payment(award.earnings_subjects[0].national_insurance_number, award.period_end)
        rti = paid.model_dump(mode="json", include={"paid_on", "gross", "income_tax", "national_insurance"})
        body = AssessmentRequest.model_validate(
            {"claim_id": award.claim_id, "circumstances": award.circumstances,
             "hmrc_earnings": [{"adult": 0, **rti}]}
        )  # fmt: skip
        out.append(
            apply_rti(body.circumstances.to_domain(), [p.to_domain() for p in body.hmrc_earnings or []])
        )
    return out


def in_process_baseline(awards: int) -> float:
    """Seconds for the rules engine to work out the same households in this process (one by one)."""
    from dwp.benefits.domain import calculate_uc, rates_on

    generated = households(awards)
    rates = rates_on(generated[0].period_start)
    calculate_uc(generated[0], rates)  # compiled (or loaded from numba's cache) before timing
    start = time.perf_counter()
    for household in generated:
        calculate_uc(household, rates)
    return time.perf_counter() - start


def batch_baseline(awards: int) -> tuple[float, float]:
    """Seconds for the batch engine to work out the same households in this process: (turning them into
    columns + the kernel, the kernel alone)."""
    import numpy as np

    from dwp.benefits.domain import calculate_batch, rates_on
    from dwp.benefits.domain import uc_kernel as k
    from dwp.benefits.domain.rates import rates_table
    from dwp.benefits.domain.uc import to_inputs

    generated = households(awards)
    rates = rates_on(generated[0].period_start)
    names, table = rates_table()
    start = time.perf_counter()
    rows: dict[bytes, int] = {}
    values = []
    for household in generated:
        inputs, lha = to_inputs(household, rates)
        inputs["lha_area"] = rows.setdefault(lha.tobytes(), len(rows))
        values.append(inputs)
    lha_table = np.zeros((len(rows), lha.shape[1]), dtype=np.int64)
    for raw, row in rows.items():
        lha_table[row] = np.frombuffer(raw, dtype=np.int64)
    columns = {name: np.fromiter((v[name] for v in values), dtype=dtype, count=len(values))
               for name, dtype, *_ in k.INPUTS}  # fmt: skip
    year = np.full(len(values), names.index(rates.tax_year), dtype=np.int16)
    to_columns = time.perf_counter() - start
    calculate_batch(columns, year, lha_table, table)  # compiled (or loaded from numba's cache) first
    start = time.perf_counter()
    calculate_batch(columns, year, lha_table, table)
    kernel = time.perf_counter() - start
    return to_columns + kernel, kernel


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--awards", type=int, default=10_000)
    parser.add_argument("--shards", type=int, default=16)
    parser.add_argument("--databases", default="sqlite,postgresql", help="the benefits service's, in turn")
    parser.add_argument("--parallel", default="2", help="shards at once, one measurement each")
    parser.add_argument(
        "--modes",
        default="per-award,page",
        help="the run's modes (`MonthlyRun(mode=)`), one measurement each",
    )
    parser.add_argument("--sqs", action="store_true", help="queue notifications on the embedded SQS")
    parser.add_argument(
        "--benefits-workers", type=int, default=1, help="the benefits service's uvicorn worker processes"
    )
    parser.add_argument(
        "--profile",
        metavar="DIR",
        help="cProfile the benefits service (DIR/benefits-<database>.prof, written when it stops) and "
        "the run in this process (DIR/run.prof); slower, for where the time goes, not for the rate",
    )
    parser.add_argument(
        "--claims",
        default="stand-in",
        choices=("stand-in", "real", "both"),
        help="the claims routes and integrations' earnings: the stand-ins (tests/fakes/claims_internal.py), "
        "the real claims, integrations (on the HMRC simulator), payments and identity services on "
        "PostgreSQL with --awards claims seeded by claims' repository (benchmarks/monthly_real.py), or "
        "both in turn, the stand-ins first as the baseline (page mode, benefits on PostgreSQL)",
    )
    parser.add_argument(
        "--serve-fakes", nargs=4, type=int, metavar=("CLAIMS", "INTEGRATIONS", "AWARDS", "DAYS")
    )
    parser.add_argument("--serve-citizen", type=int, metavar="PORT")
    args = parser.parse_args()
    if args.serve_fakes:
        serve_fakes(*args.serve_fakes)
        return
    if args.serve_citizen:
        serve_citizen(args.serve_citizen)
        return

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    from benchmarks.monthly_real import MIGRATED, SERVICES, seed_claims, start_services
    from tests.servers import free_port

    from dwp.platform.app_factory import freeze_heap
    from dwp.platform.aws import bootstrap
    from dwp.platform.embedded_aws import wait_for_port
    from dwp.platform.migrations import upgrade
    from dwp.platform.settings import Settings
    from dwp.workers.monthly import HttpUpstreams, MonthlyRun, ShardReport, SqsQueues, run_here

    data = Path(tempfile.mkdtemp(prefix="dwp-bench-monthly-"))
    # The embedded AWS endpoint in its own process, as `dwp up` runs it: in this one it would share the
    # interpreter with the run (measured: its answers then waited past boto3's 60 s read timeout).
    aws_port = free_port()
    aws_url = f"http://127.0.0.1:{aws_port}"
    aws = subprocess.Popen(
        [sys.executable, "-m", "dwp.cli", "aws-endpoint", "--port", str(aws_port)],
        env={**os.environ, "DWP_DATA_DIR": str(data)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    wait_for_port("127.0.0.1", aws_port, timeout=60)
    settings = Settings(dwp_env="test", aws_endpoint_url=aws_url, dwp_data_dir=data, database_url=None)
    bootstrap(settings)
    ports = {"claims": free_port(), "integrations": free_port()}
    env = {**os.environ, "DWP_ENV": "test", "DWP_DATA_DIR": str(data), "AWS_ENDPOINT_URL": aws_url,
           "PYTHONUNBUFFERED": "1", "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}"}  # fmt: skip
    env.pop("DATABASE_URL", None)
    log = (data / "servers.log").open("wb")
    databases = [d for d in ("sqlite", "postgresql") if d in args.databases.split(",")]
    modes = args.modes.split(",")
    kinds = {"stand-in": ["stand-in"], "real": ["real"], "both": ["stand-in", "real"]}[args.claims]
    if "real" in kinds:  # the real services are on PostgreSQL, and serve the page routes
        databases, modes = ["postgresql"], ["page"]
    parallels = [int(p) for p in args.parallel.split(",")]
    days = len(databases) * len(modes) * len(parallels) * len(kinds)
    real_ports = {name: free_port() for name in ("hmrc", "citizen", *SERVICES)} if "real" in kinds else {}
    fakes = subprocess.Popen(
        [sys.executable, __file__, "--serve-fakes", str(ports["claims"]), str(ports["integrations"]),
         str(args.awards), str(days)],
        env=env, stdout=log, stderr=log,
    )  # fmt: skip
    citizen = (
        subprocess.Popen([sys.executable, __file__, "--serve-citizen", str(real_ports["citizen"])],
                         env=env, stdout=log, stderr=log)
        if real_ports
        else None
    )  # fmt: skip
    stand_in_urls = {f"DWP_{name.upper()}_URL": f"http://127.0.0.1:{port}" for name, port in ports.items()}
    real_urls = {f"DWP_{name.upper()}_URL": f"http://127.0.0.1:{port}" for name, port in real_ports.items()}
    os.environ.update(stand_in_urls)
    postgres = os.environ.get("DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    database = f"dwp_bench_monthly_{os.getpid()}"
    psql = ["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-c"]
    results: list[tuple[str, int, str, float, Any, str]] = []
    real: dict[str, subprocess.Popen[bytes]] = {}
    real_pids: set[str] = set(SERVICES) | {"hmrc simulator", "citizen identity stand-in"}
    queues = SqsQueues(settings) if args.sqs else CountedQueues()
    # The processes whose CPU each measurement reports (PostgreSQL's, shared with others, is not).
    processes: dict[str, int | None] = {"run": None, "claims+integrations stand-ins": fakes.pid}
    profiler = None
    if args.profile:
        import cProfile

        Path(args.profile).mkdir(parents=True, exist_ok=True)
        profiler = cProfile.Profile()

    async def measure(
        label: str,
        parallel: int,
        mode: str,
        offset: int,
        kind: str = "stand-in",
        database_url: str | None = None,
    ) -> None:
        # Each measurement runs its own day, whose awards none is stored yet.
        os.environ.update(real_urls if kind == "real" else stand_in_urls)
        measured = {k: v for k, v in processes.items() if kind == "real" or k not in real_pids}
        if kind == "real":
            measured.pop("claims+integrations stand-ins")
        run = MonthlyRun(HttpUpstreams.build(settings, tokens=Token(settings)), queues, mode=mode)  # type: ignore[arg-type]
        if profiler is not None:
            profiler.enable()
        cpu_before = {name: cpu_seconds(pid) for name, pid in measured.items()}
        database_before = postgres_cpu(database_url)
        start = time.perf_counter()
        done = {"awards": 0, "shards": 0}
        so_far = ShardReport()

        def on_awards(n: int) -> None:
            done["awards"] += n

        def on_shard(i: int, shard: ShardReport | None) -> None:
            # A line per shard done, so that a long run that is stopped still says what it measured.
            done["shards"] += 1
            if shard is not None:
                so_far.add(shard)
            elapsed = time.perf_counter() - start
            total = sum(so_far.seconds.values()) or 1.0
            shares = ", ".join(f"{k} {v / total:4.0%}" for k, v in so_far.seconds.items())
            print(f"    progress: {done['shards']}/{args.shards} shards, {done['awards']:,} awards in "
                  f"{elapsed:,.0f} s = {done['awards'] / elapsed:,.0f} awards/s (stages of the shards done: "
                  f"{shares}; load average {os.getloadavg()[0]:.1f})", flush=True)  # fmt: skip

        report, failed = await run_here(
            run, day(offset), args.shards, parallel=parallel, on_awards=on_awards, on_shard=on_shard
        )
        seconds = time.perf_counter() - start
        if profiler is not None:
            profiler.disable()
        cpu = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in measured.items()}
        if database_url:
            cpu["PostgreSQL (its backends for this database)"] = sum(
                v - database_before.get(pid, 0.0) for pid, v in postgres_cpu(database_url).items()
            )
        assert not failed, failed[:20]
        results.append((label, parallel, mode, seconds, report, kind))
        print(f"  {kind:<8} claims; benefits on {label:<10} {mode:<9} {parallel} shard(s) at once: "
              f"{report.calculated:7d} "
              f"reassessed in {seconds:7.1f} s = {report.calculated / seconds:6.0f} awards/s; "
              f"{report.queued} notifications queued (load average {os.getloadavg()[0]:.1f})",
              flush=True)  # fmt: skip
        each = max(1, report.calculated)
        print("    CPU an award, by process: "
              + ", ".join(f"{name} {value / each * 1e3:.2f} ms" for name, value in cpu.items())
              + f" (wall time {seconds / each * 1e3:.2f} ms an award)", flush=True)  # fmt: skip

    try:
        for port in ports.values():
            wait_for_port("127.0.0.1", port, timeout=180)
        freeze_heap()  # as `dwp run monthly` does
        print(f"monthly run: {args.awards} UC awards per measurement, {args.shards} shards, "
              f"{args.benefits_workers} benefits process(es), "
              f"on {os.cpu_count()} cores (load average {os.getloadavg()[0]:.1f} at the start)")  # fmt: skip
        subprocess.run([*psql, f"CREATE DATABASE {database}"], check=True)
        offset = 0
        for label, database_url in (
            ("SQLite", None)
            if name == "sqlite"
            else ("PostgreSQL", postgres.rsplit("/", 1)[0] + f"/{database}")
            for name in databases
        ):
            service_settings = settings.model_copy(update={"database_url": database_url})
            upgrade("benefits", service_settings)
            port = free_port()
            os.environ["DWP_BENEFITS_URL"] = f"http://127.0.0.1:{port}"
            service_env = {**env, **({"DATABASE_URL": database_url} if database_url else {})}
            profiled = (
                ["-m", "cProfile", "-o", str(Path(args.profile) / f"benefits-{label.lower()}.prof")]
                if args.profile
                else []
            )
            benefits = subprocess.Popen(
                [sys.executable, *profiled, "-m", "dwp.cli", "serve", "benefits", "--port", str(port),
                 "--workers", str(args.benefits_workers)],
                env=service_env, stdout=log, stderr=log,
            )  # fmt: skip
            processes["benefits"] = benefits.pid
            try:
                wait_for_port("127.0.0.1", port, timeout=180)
                asyncio.run(warm_up(port))
                if "real" in kinds:
                    for name in MIGRATED:
                        upgrade(name, service_settings)
                    real.update(start_services({**service_env, **real_urls}, real_ports, log, data))
                    processes.update({n if n != "hmrc" else "hmrc simulator": p.pid for n, p in real.items()})
                    processes["citizen identity stand-in"] = citizen.pid if citizen else None
                    for name in ("hmrc", "citizen", *SERVICES):
                        wait_for_port("127.0.0.1", real_ports[name], timeout=180)
                for parallel in parallels:
                    for mode in modes:
                        for kind in kinds:
                            if kind == "real":
                                took = seed_claims(service_settings, args.awards, day(offset))
                                print(f"  seeded {args.awards:,} awarded UC claims in claims' tables (its "
                                      f"repository) in {took:.1f} s (load average "
                                      f"{os.getloadavg()[0]:.1f})", flush=True)  # fmt: skip
                            asyncio.run(measure(label, parallel, mode, offset, kind, database_url))
                            offset += 1
            finally:
                for child in (benefits, *real.values()):
                    child.terminate()
                for child in (benefits, *real.values()):
                    child.wait(timeout=15)
        sample = min(args.awards, 20_000)  # the in-process baselines' households (a per-award cost)
        baseline = in_process_baseline(sample)
        batch_seconds, kernel_seconds = batch_baseline(sample)
        page_seconds = page_baseline(sample)
        engine = baseline / sample * 1e6
        print(f"  baseline: the rules engine in process, one by one: {engine:5.1f} us/award")
        print(f"  baseline: the batch engine in process on {sample:,}: "
              f"{batch_seconds / sample * 1e6:5.2f} us/award with the households turned into columns, "
              f"{kernel_seconds / sample * 1e6:5.3f} us/award the kernel alone; `calculate_page` in pages "
              f"of 500 (checks, columns, kernel, explanations, as the batch route calculates): "
              f"{page_seconds / sample * 1e6:5.1f} us/award")  # fmt: skip
        for mode, kind in ((m, k) for m in modes for k in kinds):
            label, best_parallel, _, best_seconds, best, _ = max(
                (r for r in results if r[2] == mode and r[5] == kind), key=lambda r: r[4].calculated / r[3]
            )
            stage_total = sum(best.seconds.values())
            shares = ", ".join(f"{k} {v / stage_total:4.0%}" for k, v in best.seconds.items())
            per_award = best_seconds / best.calculated
            own = page_seconds if mode == "page" else baseline
            rate = best.calculated / best_seconds
            minutes = 1_000_000 / rate / 60
            print(f"  {mode}, {kind} claims: best {label}, {best_parallel} at once: "
                  f"{per_award * 1e3:.2f} ms of wall time an award; stages (summed over what is in "
                  f"flight): {shares}; calculating "
                  f"{own / sample / per_award:.2%} of the wall time (the engine as this mode calls it), "
                  f"the rest I/O; 1,000,000 awards at {rate:,.0f}/s: {minutes:,.1f} minutes")  # fmt: skip
        by_db: dict[tuple[str, int], dict[str, float]] = {}
        by_kind: dict[tuple[str, int, str], dict[str, float]] = {}
        for label, parallel, mode, seconds, report, kind in results:
            by_db.setdefault((label, parallel), {})[mode] = report.calculated / seconds
            by_kind.setdefault((label, parallel, mode), {})[kind] = report.calculated / seconds
        for (label, parallel, mode), rates in by_kind.items():
            if "stand-in" in rates and "real" in rates:
                print(f"  {label}, {parallel} at once, {mode}: the real claims, integrations (HMRC "
                      f"simulator) and payments {rates['real'] / rates['stand-in']:.2f}x the stand-ins' rate "
                      f"({rates['stand-in']:,.0f} -> {rates['real']:,.0f} awards/s)")  # fmt: skip
        for (label, parallel), rates in by_db.items():
            if "page" in rates and "per-award" in rates:
                ratio = rates["page"] / rates["per-award"]
                print(f"  {label}, {parallel} at once: page routes {ratio:.1f}x the per-award rate "
                      f"({rates['per-award']:,.0f} -> {rates['page']:,.0f} awards/s)")  # fmt: skip
    finally:
        if profiler is not None:
            profiler.dump_stats(str(Path(args.profile) / "run.prof"))
        for child in (fakes, citizen):
            if child is not None:
                child.terminate()
                child.wait(timeout=15)
        subprocess.run([*psql, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"], check=False)
        aws.terminate()
        try:
            aws.wait(timeout=60)
        except subprocess.TimeoutExpired:  # seen at load 15: stopped rather than left behind
            aws.kill()
            aws.wait(timeout=15)


def page_baseline(awards: int) -> float:
    """Seconds for `calculate_page` (what the batch route calculates) over the same households, in
    pages of 500."""
    from dwp.benefits.domain.pages import PageItem, calculate_page

    generated = [PageItem(h) for h in households(awards)]
    calculate_page(generated[:10])  # compiled (or loaded from numba's cache) before timing
    start = time.perf_counter()
    for i in range(0, len(generated), 500):
        calculate_page(generated[i : i + 500])
    return time.perf_counter() - start


async def warm_up(port: int) -> None:
    """Until the benefits service is ready (its rules engine compiled or loaded)."""
    import httpx

    async with httpx.AsyncClient() as http:
        for _ in range(60):
            try:
                if (await http.get(f"http://127.0.0.1:{port}/health/ready")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(1)


if __name__ == "__main__":
    main()
