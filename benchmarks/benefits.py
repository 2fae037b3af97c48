"""Benefits engine benchmark: prints every figure in one run.

- single household UC (full path: checks, inputs, compiled kernel, explanation) p50 and p99, in process;
- batch throughput on 1 million and 8 million generated households, with peak memory, and again with
  each household's carried state taken from the previous period's outputs (a claim history);
- a plain Python loop over the single-household kernel on a 100,000 sample, as the baseline ratio;
- 10,000 batch results checked against the single-household path;
- POST /v1/estimates p99 at 100 requests a second, in process through the ASGI app (`--api`).

Usage: .venv/bin/python benchmarks/benefits.py [--sizes 1000000,8000000] [--no-api]
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import statistics
import time
from datetime import date

import numba
import numpy as np

from dwp.benefits import synthetic
from dwp.benefits.domain import (
    Adult,
    Child,
    Earnings,
    Household,
    Housing,
    NonDependant,
    Tenure,
    calculate_batch,
    calculate_uc,
    one_month_later,
)
from dwp.benefits.domain import uc_kernel as k
from dwp.benefits.domain.batch import carried_columns
from dwp.benefits.domain.rates import rates_table


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def load() -> str:
    """The machine's load average now (1 minute): figures on a shared machine mean little without it."""
    return f"load {os.getloadavg()[0]:.1f}"


def sample_household() -> Household:
    start = date(2025, 9, 14)
    return Household(
        period_start=start,
        period_end=one_month_later(start),
        couple=True,
        adults=(
            Adult(
                date(1988, 3, 1), earnings=Earnings(gross=165000, income_tax=12000, national_insurance=5000)
            ),
            Adult(date(1990, 7, 9), carer=True),
        ),
        children=(Child(date(2014, 5, 1), "F"), Child(date(2018, 2, 2), "M"), Child(date(2020, 9, 9), "M")),
        housing=Housing(Tenure.PRIVATE, 115000, 3, (40000, 62000, 78000, 95000, 120000)),
        non_dependants=(NonDependant(date(2001, 1, 1)),),
        childcare_costs=40000,
        childcare_children=1,
        capital=720000,
    )


def bench_single(n: int = 20_000) -> tuple[float, float]:
    h = sample_household()
    calculate_uc(h)
    times = []
    for _ in range(n):
        t0 = time.perf_counter_ns()
        calculate_uc(h)
        times.append(time.perf_counter_ns() - t0)
    times.sort()
    return times[n // 2] / 1000, times[int(n * 0.99)] / 1000


def bench_batch(n: int, table: np.ndarray, lha: np.ndarray) -> None:
    columns, year = synthetic.households(n, seed=n)
    out = np.empty((n, k.N_OUT), dtype=np.int32)
    input_gb = (sum(c.nbytes for c in columns.values()) + year.nbytes) / 1e9
    calculate_batch(columns, year, lha, table, out)  # warm: pages touched, threads started
    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        calculate_batch(columns, year, lha, table, out)
        runs.append(time.perf_counter() - t0)
    cols = [columns[name] for name, *_ in k.INPUTS]
    kernel_runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        k.uc_batch(*cols, year, lha, table, out)
        kernel_runs.append(time.perf_counter() - t0)
    best, kbest = min(runs), min(kernel_runs)
    print(
        f"batch {n:>9,} households: {best:.3f} s with input checks ({n / best:,.0f}/s, "
        f"median of 5 {statistics.median(runs):.3f} s), "
        f"{kbest:.3f} s calculation only ({n / kbest:,.0f}/s), "
        f"median of 5 {statistics.median(kernel_runs):.3f} s; "
        f"inputs {input_gb:.2f} GB, outputs {out.nbytes / 1e9:.2f} GB, "
        f"peak RSS so far {peak_rss_gb():.2f} GB; {load()}"
    )
    # With history: the next period, its carried state (`uc_kernel.CARRIED`) taken from this period's
    # outputs, as `calculate_batch_periods` does (the state columns gathered, checked and run).
    history_runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        chained = dict(columns)
        chained.update(carried_columns(out))
        calculate_batch(chained, year, lha, table, out)
        history_runs.append(time.perf_counter() - t0)
        del chained
    print(
        f"batch {n:>9,} households with carried state from the previous period: "
        f"{min(history_runs):.3f} s best, median of 5 {statistics.median(history_runs):.3f} s; "
        f"peak RSS so far {peak_rss_gb():.2f} GB; {load()}"
    )
    del columns, year, out, cols
    gc.collect()


def bench_baseline_and_check(table: np.ndarray, lha: np.ndarray) -> None:
    n = 100_000
    columns, year = synthetic.households(n, seed=99)
    matrix = np.stack([columns[name].astype(np.int64) for name, *_ in k.INPUTS], axis=1)
    k.uc_single(matrix[0], lha, table[year[0]])  # compiled (or loaded) before the clock starts
    t0 = time.perf_counter()
    loop = [k.uc_single(matrix[i], lha, table[year[i]]) for i in range(n)]
    loop_s = time.perf_counter() - t0
    out = calculate_batch(columns, year, lha, table)
    t0 = time.perf_counter()
    calculate_batch(columns, year, lha, table, out)
    batch_s = time.perf_counter() - t0
    print(
        f"baseline: Python loop over the single-household kernel, {n:,} households: {loop_s:.3f} s "
        f"({n / loop_s:,.0f}/s); batch on the same sample {batch_s:.4f} s; ratio {loop_s / batch_s:,.0f}x"
    )
    rng = np.random.default_rng(5)
    picked = rng.choice(n, size=10_000, replace=False)
    bad = sum(1 for i in picked if tuple(out[i].tolist()) != loop[i])
    print(
        f"check: 10,000 batch results against the single-household path: {10_000 - bad:,} agree, {bad} differ"
    )
    if bad:
        raise SystemExit("batch and single disagree")


def bench_api(rate: int = 100, seconds: int = 10) -> None:
    """POST /v1/estimates over real HTTP to `dwp serve benefits` (uvicorn), sent on a fixed schedule
    (open loop: latency counts from the scheduled send time, so a slow answer cannot slow the sender)."""
    import asyncio
    import os
    import subprocess
    import sys
    import tempfile

    import httpx

    from dwp.platform.embedded_aws import port_is_free, wait_for_port

    body = {
        "universal_credit": {
            "assessment_period_start": "2025-09-14",
            "couple": True,
            "adults": [
                {"date_of_birth": "1988-03-01", "earnings": {"gross": 165000, "income_tax": 12000}},
                {"date_of_birth": "1990-07-09", "carer": True},
            ],
            "children": [
                {"date_of_birth": "2014-05-01", "sex": "F"},
                {"date_of_birth": "2018-02-02", "sex": "M"},
            ],
            "housing": {"tenure": "social", "monthly_rent": 90000, "bedrooms": 2},
        }
    }
    port = 18103
    while not port_is_free("127.0.0.1", port):
        port += 1
    env = {
        **os.environ,
        "DWP_DATA_DIR": tempfile.mkdtemp(prefix="dwp-bench-benefits-"),
        "DWP_LOG_LEVEL": "WARNING",
    }
    cli = [sys.executable, "-m", "dwp.cli"]
    subprocess.run([*cli, "migrate", "benefits"], env=env, check=True, capture_output=True)
    server = subprocess.Popen(
        [*cli, "serve", "benefits", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_port("127.0.0.1", port, timeout=60)
        url = f"http://127.0.0.1:{port}/v1/estimates"

        async def run() -> list[float]:
            latencies: list[float] = []
            limits = httpx.Limits(max_connections=50, max_keepalive_connections=50)
            async with httpx.AsyncClient(limits=limits, timeout=5) as client:
                for _ in range(50):
                    (await client.post(url, json=body)).raise_for_status()
                start = time.perf_counter()

                async def one(at: float) -> None:
                    await asyncio.sleep(max(0.0, at - time.perf_counter()))
                    response = await client.post(url, json=body)
                    response.raise_for_status()
                    latencies.append(time.perf_counter() - at)

                await asyncio.gather(*(one(start + i / rate) for i in range(rate * seconds)))
            return latencies

        lat = sorted(asyncio.run(run()))
    finally:
        server.terminate()
        server.wait(timeout=10)
    p50, p99 = statistics.median(lat) * 1000, lat[int(len(lat) * 0.99) - 1] * 1000
    print(
        f"api: POST /v1/estimates over HTTP to uvicorn at {rate}/s for {seconds} s ({len(lat)} requests): "
        f"p50 {p50:.2f} ms, p99 {p99:.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000000,8000000")
    parser.add_argument("--no-api", action="store_true")
    args = parser.parse_args()
    print(f"numba {numba.__version__}, threads {numba.get_num_threads()}, {load()}")
    _, table = rates_table()
    lha = synthetic.lha_table()
    p50, p99 = bench_single()
    print(f"single household UC (full path with explanation): p50 {p50:.1f} us, p99 {p99:.1f} us; {load()}")
    bench_baseline_and_check(table, lha)
    for n in (int(s) for s in args.sizes.split(",")):
        bench_batch(n, table, lha)
    print(f"peak RSS of the whole run: {peak_rss_gb():.2f} GB (threading layer {numba.threading_layer()})")
    if not args.no_api:
        bench_api()


if __name__ == "__main__":
    main()
