"""Reading one's own profile over HTTP (SQLite and PostgreSQL, direct and through the gateway) against a
FastAPI hello world and a bare ASGI app, in one run.

Prints, for each target: maximum throughput (wrk, 1 thread, 32 connections, keep-alive, after a warm-up
that is not counted, so the pool is open and the caches are full), p50/p99 at a fixed 100 requests a
second, and the ratios of throughput to the bare app and to the hello world measured in the same run.
Also times `dwp up` from start to ready on a warm install.

The fixed rate: Debian's wrk has no `-R` (wrk2's constant rate), so an open-loop sender of this file's
own (`fixed_rate`: asyncio and httpx, one request every 10 ms on a schedule, latency counted from the
scheduled send time, so a slow answer does not slow the sender and queueing is not hidden). The hello
world's line at 100/s is the sender's own floor on the machine.

The citizen service runs as in production: every request traced (`DWP_TRACE_SAMPLE_RATIO=1`, spans
exported over OTLP/HTTP to a sink that answers 200, standing in for the collector sidecar), the access log
on (`DWP_LOG_LEVEL=INFO`, to /dev/null), and the profile's PII opened with the KMS data key. The gateway
in front of it the same (traced, access log), its rate limits in its own memory and raised out of the way
(`DWP_GATEWAY_RATE_LIMIT`), as the gateway's rate limits are not what this measures.

A wrk error (a non-2xx answer, a dropped connection, no answer within 10 s) is printed beside its target
and makes the run exit non-zero after the table, rather than ending it without figures.

Targets (issue 10): profile read on PostgreSQL >= 25% of the FastAPI hello world's throughput; p99 < 10 ms
at 100 requests/s; through the gateway >= 60% of the direct read's throughput; `dwp up` ready in < 15 s.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dwp.platform.embedded_aws import port_is_free, wait_for_port  # noqa: E402

WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format('{"requests": %d, "seconds": %f, "errors": %d, "p50_us": %d, "p99_us": %d}\\n',
    summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.status + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""
DURATION_SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
WARM_UP_SECONDS = 3
WRK_TIMEOUT = "10s"
"""wrk's own default is 2 s, which counted a slow answer under load as an error."""


def free_port(start: int) -> int:
    port = start
    while not port_is_free("127.0.0.1", port):
        port += 1
    return port


@contextmanager
def process(command: list[str], env: dict[str, str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_port("127.0.0.1", port, timeout=30)
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def wrk(url: str, token: str | None, seconds: int = DURATION_SECONDS) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    command = ["wrk", "-t1", "-c32", f"-d{seconds}s", "--timeout", WRK_TIMEOUT, "-s", script.name, url]
    if token:
        command[1:1] = ["-H", f"Authorization: Bearer {token}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    result = json.loads(output.strip().splitlines()[-1])
    return {
        "rps": result["requests"] / result["seconds"],
        "p50_ms": result["p50_us"] / 1000,
        "p99_ms": result["p99_us"] / 1000,
        "errors": result["errors"],
    }


async def fixed_rate(
    url: str, token: str | None, rate: int = 100, seconds: int = DURATION_SECONDS
) -> dict[str, float]:
    """Send `rate` requests a second on a schedule; latency counts from the scheduled send time. A request
    that fails (a server that cannot keep up: the client's pool or read timeout) counts as slow as it
    took, and is counted, rather than ending the run."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    latencies: list[float] = []
    failed = 0
    limits = httpx.Limits(max_connections=50, max_keepalive_connections=50)
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=5) as client:
        await client.get(url)  # warm a connection
        start = time.perf_counter()

        async def one(at: float) -> None:
            nonlocal failed
            await asyncio.sleep(max(0.0, at - time.perf_counter()))
            try:
                response = await client.get(url)
                response.raise_for_status()
            except httpx.HTTPError:
                failed += 1
            latencies.append(time.perf_counter() - at)

        await asyncio.gather(*(one(start + i / rate) for i in range(rate * seconds)))
    latencies.sort()
    return {
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "failed": failed,
    }


def measure(url: str, token: str | None) -> dict[str, float]:
    """Throughput after a warm-up, then latency at a fixed rate after a warm-up; neither warm-up counted."""
    wrk(url, token, seconds=WARM_UP_SECONDS)
    throughput = wrk(url, token)
    asyncio.run(fixed_rate(url, token, seconds=2))
    fixed = asyncio.run(fixed_rate(url, token))
    return throughput | {f"fixed_{k}": v for k, v in fixed.items()}


def dwp(args: list[str], env: dict[str, str]) -> str:
    return subprocess.run(
        [sys.executable, "-m", "dwp.cli", *args], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def measure_citizen(
    label: str, env: dict[str, str], results: dict[str, dict[str, float]], *, gateway: bool = False
) -> None:
    dwp(["migrate", "citizen"], env)
    port = free_port(18101)
    command = [sys.executable, "-m", "dwp.cli", "serve", "citizen", "--port", str(port)]
    with process(command, env, port):
        base = f"http://127.0.0.1:{port}"
        citizen_id = str(uuid.uuid4())
        token = dwp(["token", "citizen", "--citizen-id", citizen_id, "--minutes", "15"], env)
        body = {
            "given_name": "Bench",
            "family_name": "Mark",
            "date_of_birth": "1980-01-01",
            "national_insurance_number": f"AB{uuid.uuid4().int % 1_000_000:06d}C",
            "email": "bench@example.com",
        }
        # Records are made by the identity service, with the citizen's own token On-Behalf-Of.
        identity = dwp(["token", "service", "--subject", "identity", "--minutes", "5"], env)
        created = httpx.post(
            f"{base}/v1/internal/citizens",
            json=body,
            headers={"Authorization": f"Bearer {identity}", "On-Behalf-Of": token},
        )
        created.raise_for_status()
        path = f"/v1/citizens/{citizen_id}"
        results[label] = measure(base + path, token)
        if gateway:
            gateway_port = free_port(18200)
            gateway_env = {
                **env,
                "DWP_CITIZEN_URL": base,
                "DWP_GATEWAY_RATE_LIMIT": "1000000/second",
                "REDIS_URL": "",
            }
            serve_gateway = [sys.executable, "-m", "dwp.cli", "serve", "gateway", "--port", str(gateway_port)]
            with process(serve_gateway, gateway_env, gateway_port):
                results[label + ", via gateway"] = measure(f"http://127.0.0.1:{gateway_port}{path}", token)


def time_dwp_up(env: dict[str, str]) -> float:
    up_env = {k: v for k, v in env.items() if not k.startswith("AWS_ENDPOINT")}
    up_env["DWP_PORT_OFFSET"] = "21000"
    with tempfile.TemporaryDirectory() as data:
        up_env["DWP_DATA_DIR"] = data
        up_env.pop("DATABASE_URL", None)
        started = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-m", "dwp.cli", "up"],
            env=up_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert proc.stdout is not None
        seen: list[str] = []
        for line in proc.stdout:
            seen.append(line)
            if "Press Ctrl-C" in line:
                break
        else:
            raise RuntimeError("dwp up did not become ready:\n" + "".join(seen[-20:]))
        ready = time.monotonic() - started
        proc.send_signal(2)
        proc.wait(timeout=30)
        return ready


def main() -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install -y wrk (make bench installs it)")
    data = Path(tempfile.mkdtemp(prefix="dwp-bench-"))
    aws_port = free_port(14566)
    env = {
        **os.environ,
        "DWP_DATA_DIR": str(data),
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{aws_port}",
        "DWP_LOG_LEVEL": "WARNING",
    }
    sink_port = free_port(18050)
    production = {
        "DWP_LOG_LEVEL": "INFO",
        "DWP_TRACE_SAMPLE_RATIO": "1.0",
        "DWP_OTLP_ENDPOINT": f"http://127.0.0.1:{sink_port}/v1/traces",
    }
    results: dict[str, dict[str, float]] = {}
    bare_port = free_port(18000)
    bare = [
        sys.executable,
        "-m",
        "uvicorn",
        "benchmarks.bare_app:app",
        "--port",
        str(bare_port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    with process(bare, {**env, "PYTHONPATH": str(ROOT)}, bare_port):
        url = f"http://127.0.0.1:{bare_port}/"
        results["bare uvicorn app"] = measure(url, None)
    hello = [*bare[:3], "benchmarks.bare_app:fastapi_app", *bare[4:]]
    with process(hello, {**env, "PYTHONPATH": str(ROOT)}, bare_port):
        url = f"http://127.0.0.1:{bare_port}/"
        results["FastAPI hello world"] = measure(url, None)

    aws = [sys.executable, "-m", "dwp.cli", "aws-endpoint", "--port", str(aws_port)]
    # The OTLP sink: the bare app answers 200 to any POST, as the collector sidecar would.
    sink = [*bare[:5], str(sink_port), *bare[6:]]
    with process(aws, env, aws_port), process(sink, {**env, "PYTHONPATH": str(ROOT)}, sink_port):
        dwp(["bootstrap"], env)
        served = {**env, **production}
        sqlite_env = {k: v for k, v in served.items() if k != "DATABASE_URL"}
        measure_citizen("profile read, SQLite", sqlite_env, results)
        postgres = os.environ.get("DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
        database = f"dwp_bench_{os.getpid()}"
        subprocess.run(
            ["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-c", f"CREATE DATABASE {database}"],
            check=True,
        )
        try:
            pg_url = postgres.rsplit("/", 1)[0] + f"/{database}"
            pg_env = {**served, "DATABASE_URL": pg_url}
            measure_citizen("profile read, PostgreSQL", pg_env, results, gateway=True)
            # A production sample ratio below 1 (docs/architecture.md, "Observability"), for comparison.
            sampled = {**pg_env, "DWP_TRACE_SAMPLE_RATIO": "0.1"}
            measure_citizen("profile read, PostgreSQL, 10% traced", sampled, results)
        finally:
            subprocess.run(
                [
                    "psql",
                    "-q",
                    "-h",
                    "127.0.0.1",
                    "-U",
                    "postgres",
                    "-c",
                    f"DROP DATABASE {database} WITH (FORCE)",
                ],
                check=False,
            )
    # BENCH_DWP_UP=0 leaves out the start-up timing (a minute or more of 17 processes on a loaded machine).
    ready = time_dwp_up(env) if os.environ.get("BENCH_DWP_UP", "1") != "0" else float("nan")
    shutil.rmtree(data, ignore_errors=True)

    baseline = results["bare uvicorn app"]["rps"]
    hello_rps = results["FastAPI hello world"]["rps"]
    print(f"\nHTTP baseline, {DURATION_SECONDS}s per measurement, wrk -t1 -c32; fixed rate 100 req/s")
    print(f"load average: {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f} {os.getloadavg()[2]:.1f}")
    header = ("target", "req/s", "ratio", "/hello", "p50 ms", "p99 ms", "@100/s p50", "@100/s p99")
    print(
        f"{header[0]:<40}"
        + "".join(f"{h:>10}" for h in header[1:6])
        + "".join(f"{h:>12}" for h in header[6:])
    )
    errors = 0
    for label, r in results.items():
        ratio = r["rps"] / baseline
        print(
            f"{label:<40}{r['rps']:>10.0f}{ratio:>10.3f}{r['rps'] / hello_rps:>10.3f}"
            f"{r['p50_ms']:>10.2f}{r['p99_ms']:>10.2f}"
            f"{r['fixed_p50_ms']:>12.2f}{r['fixed_p99_ms']:>12.2f}"
        )
        if r.get("errors"):
            errors += int(r["errors"])
            print(f"  {label}: wrk saw {r['errors']:.0f} errors (non-2xx, dropped, or over {WRK_TIMEOUT})")
        if r.get("fixed_failed"):
            print(f"  {label}: {r['fixed_failed']:.0f} of the fixed-rate requests failed (timeouts)")
    print(f"\ndwp up, warm install, start to ready: {ready:.1f} s (target < 15 s)")
    for label in ("profile read, SQLite", "profile read, PostgreSQL"):
        r = results[label]
        ok_ratio = r["rps"] / hello_rps >= 0.25
        ok_p99 = r["fixed_p99_ms"] < 10
        verdict = f"throughput / hello world {'meets' if ok_ratio else 'MISSES'} 0.25; "
        print(f"{label}: {verdict}p99 at 100/s {'meets' if ok_p99 else 'MISSES'} 10 ms")
    hop = results["profile read, PostgreSQL, via gateway"]["rps"] / results["profile read, PostgreSQL"]["rps"]
    print(f"through the gateway / direct: {hop:.2f} ({'meets' if hop >= 0.6 else 'MISSES'} 0.60)")
    if errors:
        sys.exit(f"{errors} wrk errors: the figures above are not a clean run")


if __name__ == "__main__":
    main()
