"""The gateway's cost, and the sign-in flow's time, measured against real processes in one run.

Starts the embedded AWS endpoint, the identity service, the citizen service, the gateway and the One
Login simulator as separate uvicorn processes on free ports. Then:

- signs in N times through the gateway, as a browser would (start -> One Login's page -> choose a test
  user -> callback -> session), and reports the time from authorize to session;
- reads one's own profile from the citizen service directly and through the gateway: throughput and
  p50/p99 under wrk (1 thread, 32 connections), and p50/p99 at a fixed 100 requests a second.

Targets (issue 4): the gateway adds at most 3 ms at p50 and keeps at least 60% of the direct
throughput; the sign-in flow takes under 300 ms locally.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.http_baseline import DURATION_SECONDS, dwp, fixed_rate, free_port, wrk  # noqa: E402

from dwp.platform.embedded_aws import wait_for_port  # noqa: E402

SIGN_INS = int(os.environ.get("BENCH_SIGN_INS", "20"))


LOGS = Path(tempfile.mkdtemp(prefix="dwp-bench-gateway-logs-"))


@contextmanager
def process(command: list[str], env: dict[str, str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    """Like http_baseline's, but the output goes to a file: a pipe nobody reads fills up and stalls the
    server once it has written 64 KiB."""
    with (LOGS / f"{port}.log").open("wb") as log:
        proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for_port("127.0.0.1", port, timeout=30)
            yield proc
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def serve(name: str, port: int) -> list[str]:
    return [sys.executable, "-m", "dwp.cli", "serve", name, "--port", str(port)]


def sign_in(gateway: str, user: str) -> tuple[float, httpx.Client]:
    """One browser sign-in through the gateway; the seconds from the start link to the session cookie."""
    browser = httpx.Client(base_url=gateway, timeout=10)
    started = time.perf_counter()
    start = browser.get("/v1/auth/one-login/start", params={"level": "P2"})
    page = browser.get(start.headers["location"])
    action = (
        f"{page.url.scheme}://{page.url.netloc.decode()}/authorize/{page.headers['X-Simulator-Interaction']}"
    )
    back = browser.post(action, data={"user_id": user})
    callback = urlsplit(back.headers["location"])
    done = browser.get(f"{callback.path}?{callback.query}")
    elapsed = time.perf_counter() - started
    if done.status_code != 303 or "dwp_session" not in browser.cookies:
        raise RuntimeError(f"sign-in failed: {done.status_code} {done.text[:200]}")
    return elapsed, browser


def main() -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install -y wrk")
    data = Path(tempfile.mkdtemp(prefix="dwp-bench-gateway-"))
    starts = {"aws": 24566, "identity": 28102, "citizen": 28101, "gateway": 28080, "one-login": 29001}
    ports = {name: free_port(start) for name, start in starts.items()}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    env = {
        **os.environ,
        "DWP_DATA_DIR": str(data),
        "AWS_ENDPOINT_URL": urls["aws"],
        "DWP_LOG_LEVEL": "WARNING",
        "DWP_IDENTITY_URL": urls["identity"],
        "DWP_CITIZEN_URL": urls["citizen"],
        "DWP_GATEWAY_URL": urls["gateway"],
        "DWP_ONE_LOGIN_URL": urls["one-login"],
        "DWP_JWKS_URL": f"{urls['identity']}/.well-known/jwks.json",
        "DWP_JWT_ISSUER": urls["identity"],
        # High enough never to refuse the benchmark, so the limiter's cost is measured but not its 429s.
        "DWP_GATEWAY_RATE_LIMIT": "1000000/second",
    }
    env.pop("DATABASE_URL", None)
    results: dict[str, dict[str, float]] = {}
    with process(
        [sys.executable, "-m", "dwp.cli", "aws-endpoint", "--port", str(ports["aws"])], env, ports["aws"]
    ):
        dwp(["bootstrap"], env)
        dwp(["migrate", "identity", "citizen"], env)
        with (
            process(serve("identity", ports["identity"]), env, ports["identity"]),
            process(serve("citizen", ports["citizen"]), env, ports["citizen"]),
            process(serve("gateway", ports["gateway"]), env, ports["gateway"]),
            process(serve("one-login", ports["one-login"]), env, ports["one-login"]),
        ):
            sign_in(urls["gateway"], "sarah-p2")[1].close()  # warm: discovery, JWKS and DID fetched once
            times = []
            for _ in range(SIGN_INS):
                elapsed, browser = sign_in(urls["gateway"], "mohammed-p2")
                times.append(elapsed)
                browser.close()
            elapsed, browser = sign_in(urls["gateway"], "gwen-p2")
            registered = browser.post("/v1/auth/register", data={"national_insurance_number": "JG103759A"})
            if registered.status_code != 303:
                raise RuntimeError(f"registration failed: {registered.text[:300]}")
            citizen_id = browser.get("/v1/sessions/current").json()["subject_id"]
            token = browser.post("/v1/sessions/token").json()["access_token"]
            browser.close()

            path = f"/v1/citizens/{citizen_id}"
            for label, base in (
                ("direct to citizen", urls["citizen"]),
                ("through the gateway", urls["gateway"]),
            ):
                url = base + path
                warm = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
                warm.raise_for_status()  # and the JWKS is fetched before the clock starts
                results[label] = wrk(url, token) | {
                    f"fixed_{k}": v for k, v in asyncio.run(fixed_rate(url, token)).items()
                }
    shutil.rmtree(data, ignore_errors=True)
    shutil.rmtree(LOGS, ignore_errors=True)  # kept only when a step failed, to see why

    direct, gateway = results["direct to citizen"], results["through the gateway"]
    print(f"\nGateway overhead, {DURATION_SECONDS}s per measurement, wrk -t1 -c32; fixed rate 100 req/s")
    print(f"{'target':<24}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'@100/s p50':>12}{'@100/s p99':>12}")
    for label, r in results.items():
        print(
            f"{label:<24}{r['rps']:>10.0f}{r['p50_ms']:>10.2f}{r['p99_ms']:>10.2f}"
            f"{r['fixed_p50_ms']:>12.2f}{r['fixed_p99_ms']:>12.2f}"
        )
    ratio = gateway["rps"] / direct["rps"]
    added = gateway["fixed_p50_ms"] - direct["fixed_p50_ms"]
    print(
        f"\nthroughput ratio (gateway / direct): {ratio:.2f} ({'meets' if ratio >= 0.6 else 'MISSES'} 0.60)"
    )
    print(
        f"p50 added by the gateway at 100 req/s: {added:.2f} ms ({'meets' if added <= 3 else 'MISSES'} 3 ms)"
    )
    times.sort()
    p50 = statistics.median(times) * 1000
    print(
        f"sign-in, authorize to session, {SIGN_INS} runs: p50 {p50:.0f} ms, max {times[-1] * 1000:.0f} ms "
        f"({'meets' if p50 < 300 else 'MISSES'} 300 ms)"
    )


if __name__ == "__main__":
    main()
