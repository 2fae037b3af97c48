"""Reading one's own profile over HTTP (SQLite and PostgreSQL, direct and through the gateway) against a
FastAPI hello world and a bare ASGI app, in one run.

Prints, for each target: maximum throughput (wrk, 1 thread, 32 connections, keep-alive, after a warm-up
that is not counted, so the pool is open and the caches are full), p50/p99 at a fixed 100 requests a
second, and the ratios of throughput to the bare app and to the hello world measured in the same run.
Also the server processes' CPU time per request (the steadier figure on a loaded machine), and the time
of `dwp up` from start to ready on a warm install (BENCH_DWP_UP=0 leaves it out).

The fixed rate: Debian's wrk has no `-R` (wrk2's constant rate), so wrk paces itself with a Lua `delay`
(`paced`): 50 connections, each waiting 0 to 1,000 ms at random before each request, about 100 requests a
second in all (the rate reached is printed). Latency counts from each send, so a connection whose answer
is late sends its next one late (wrk2 would count that wait; here it matters only past half a second, far
beyond the 10 ms target). An asyncio/httpx sender that kept the schedule itself measured itself instead:
on the loaded 2 cores it fell behind, and the bare app's p99 at 100/s read 5.6 s. The hello world's line
is the floor of the machine at 100/s.

The citizen service runs as in production: traced as on AWS (`DWP_TRACE_SAMPLE_RATIO=0.1`, parent-based,
as `infra/` sets it; one more line with every request traced, `1.0`), spans exported over OTLP/HTTP to a
sink that answers 200, standing in for the collector sidecar, the access log
on (`DWP_LOG_LEVEL=INFO`, to /dev/null), and the profile's PII opened with the KMS data key. The gateway
in front of it the same (traced, access log), its rate limits in its own memory and raised out of the way
(`DWP_GATEWAY_RATE_LIMIT`), as the gateway's rate limits are not what this measures.

A wrk error (a non-2xx answer, a dropped connection, no answer within 10 s) is printed beside its target
and makes the run exit non-zero after the table, rather than ending it without figures.

Targets (issue 10): profile read on PostgreSQL >= 25% of the FastAPI hello world's throughput; p99 < 10 ms
at 100 requests/s; through the gateway >= 60% of the direct read's throughput; `dwp up` ready in < 15 s.
"""

from __future__ import annotations

import json
import os
import shutil
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


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system) the processes have used so far (Linux's /proc; 0 elsewhere)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


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


PACED_SCRIPT = (
    """
math.randomseed(os.time())
-- Each connection waits 0 to 1,000 ms (uniform) before each request: 50 connections, 100 a second.
delay = function() return math.random(0, 1000) end
"""
    + WRK_SCRIPT
)
PACED_CONNECTIONS = 50


def paced(url: str, token: str | None, seconds: int = DURATION_SECONDS) -> dict[str, float]:
    """About 100 requests a second, spread at random over 50 connections (each waits half a second on
    average between an answer and its next request), latency counted by wrk from each send."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(PACED_SCRIPT)
    command = ["wrk", "-t1", f"-c{PACED_CONNECTIONS}", f"-d{seconds}s", "--timeout", WRK_TIMEOUT]
    command += ["-s", script.name, url]
    if token:
        command[1:1] = ["-H", f"Authorization: Bearer {token}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    result = json.loads(output.strip().splitlines()[-1])
    return {
        "rate": result["requests"] / result["seconds"],
        "p50_ms": result["p50_us"] / 1000,
        "p99_ms": result["p99_us"] / 1000,
        "failed": result["errors"],
    }


def measure(url: str, token: str | None, pids: list[int]) -> dict[str, float]:
    """Throughput after a warm-up, then latency at a fixed rate after a warm-up; neither warm-up counted.

    Also the server processes' CPU time per request during the throughput run: on a loaded machine a
    process waits for a core most of the time, so its requests a second say as much about the other
    work as about it, while its CPU per request says what a request costs."""
    wrk(url, token, seconds=WARM_UP_SECONDS)
    before = cpu_seconds(pids)
    throughput = wrk(url, token)
    requests = throughput["rps"] * DURATION_SECONDS
    throughput["cpu_ms"] = 1000 * (cpu_seconds(pids) - before) / requests if requests else float("nan")
    paced(url, token, seconds=2)
    fixed = paced(url, token)
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
    with process(command, env, port) as citizen:
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
        results[label] = measure(base + path, token, [citizen.pid])
        if gateway:
            gateway_port = free_port(18200)
            gateway_env = {
                **env,
                "DWP_CITIZEN_URL": base,
                "DWP_GATEWAY_RATE_LIMIT": "1000000/second",
                "REDIS_URL": "",
            }
            serve_gateway = [sys.executable, "-m", "dwp.cli", "serve", "gateway", "--port", str(gateway_port)]
            with process(serve_gateway, gateway_env, gateway_port) as proxy:
                url = f"http://127.0.0.1:{gateway_port}{path}"
                results[label + ", via gateway"] = measure(url, token, [proxy.pid, citizen.pid])


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
        # As on AWS (infra/: one request in ten records spans); a line below traces every request.
        "DWP_TRACE_SAMPLE_RATIO": os.environ.get("BENCH_TRACE_SAMPLE_RATIO", "0.1"),
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
    with process(bare, {**env, "PYTHONPATH": str(ROOT)}, bare_port) as server:
        url = f"http://127.0.0.1:{bare_port}/"
        results["bare uvicorn app"] = measure(url, None, [server.pid])
    hello = [*bare[:3], "benchmarks.bare_app:fastapi_app", *bare[4:]]
    with process(hello, {**env, "PYTHONPATH": str(ROOT)}, bare_port) as server:
        url = f"http://127.0.0.1:{bare_port}/"
        results["FastAPI hello world"] = measure(url, None, [server.pid])

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
            # Every request traced (the setting of the earlier tables in docs/performance.md).
            every = {**pg_env, "DWP_TRACE_SAMPLE_RATIO": "1.0"}
            measure_citizen("profile read, PostgreSQL, all traced", every, results)
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
    rates = ", ".join(f"{r['fixed_rate']:.0f}" for r in results.values())
    print(f"\nHTTP baseline, {DURATION_SECONDS}s per measurement, wrk -t1 -c32; paced at about 100 req/s")
    print(f"rates reached when paced: {rates} req/s")
    print(f"load average: {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f} {os.getloadavg()[2]:.1f}")
    print(f"trace sample ratio {production['DWP_TRACE_SAMPLE_RATIO']} unless the line says otherwise")
    header = ("target", "req/s", "ratio", "/hello", "p50 ms", "p99 ms", "CPU ms", "@100/s p50", "@100/s p99")
    print(
        f"{header[0]:<40}"
        + "".join(f"{h:>10}" for h in header[1:7])
        + "".join(f"{h:>12}" for h in header[7:])
    )
    errors = 0
    for label, r in results.items():
        ratio = r["rps"] / baseline
        print(
            f"{label:<40}{r['rps']:>10.0f}{ratio:>10.3f}{r['rps'] / hello_rps:>10.3f}"
            f"{r['p50_ms']:>10.2f}{r['p99_ms']:>10.2f}{r['cpu_ms']:>10.3f}"
            f"{r['fixed_p50_ms']:>12.2f}{r['fixed_p99_ms']:>12.2f}"
        )
        if r.get("errors"):
            errors += int(r["errors"])
            print(f"  {label}: wrk saw {r['errors']:.0f} errors (non-2xx, dropped, or over {WRK_TIMEOUT})")
        if r.get("fixed_failed"):
            errors += int(r["fixed_failed"])
            print(f"  {label}: {r['fixed_failed']:.0f} errors at the paced rate")
    print(f"\ndwp up, warm install, start to ready: {ready:.1f} s (target < 15 s)")
    for label in ("profile read, SQLite", "profile read, PostgreSQL"):
        r = results[label]
        ok_ratio = r["rps"] / hello_rps >= 0.25
        ok_p99 = r["fixed_p99_ms"] < 10
        verdict = f"throughput / hello world {'meets' if ok_ratio else 'MISSES'} 0.25; "
        print(f"{label}: {verdict}p99 at 100/s {'meets' if ok_p99 else 'MISSES'} 10 ms")
    direct, hop = results["profile read, PostgreSQL"], results["profile read, PostgreSQL, via gateway"]
    ratio = hop["rps"] / direct["rps"]
    print(f"through the gateway / direct: {ratio:.2f} ({'meets' if ratio >= 0.6 else 'MISSES'} 0.60)")
    hello_cpu = results["FastAPI hello world"]["cpu_ms"]
    print(f"CPU per request: hello world / profile read on PostgreSQL {hello_cpu / direct['cpu_ms']:.3f}; ")
    print(f"  direct / via the gateway (both processes) {direct['cpu_ms'] / hop['cpu_ms']:.2f}")
    if errors:
        sys.exit(f"{errors} wrk errors: the figures above are not a clean run")


if __name__ == "__main__":
    main()
