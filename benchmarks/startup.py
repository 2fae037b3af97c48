"""Time from starting the platform to `dwp up`'s "ready" table, cold (no data folder) and warm.

Each run starts the command in its own session (`setsid`), its output to a log file, and polls the log
for `dwp up`'s "ready in" line; the wall time is from the start to that line, beside `dwp up`'s own
figure and its per-stage lines ("dwp up ... at 3.2s"). Then the whole session is stopped with SIGINT
(Ctrl-C, as a person stops it) and, if anything is left after 30 s, SIGKILL. The load average is printed
before each run: the machine may be shared, so compare figures measured in the same sitting.

`--watch-compile` keeps each cold run going after "ready" until the benefits service's readiness says its
compiled rules kernel is loaded (`rules_engine: ok`; it answers with the kernel's interpreted source until
then, dwp.benefits.compiled), polling its `/health/live` every 20 ms meanwhile: the time to the compiled
kernel and the worst and 99th-percentile `/health/live` latencies while it was made (a compile in the
service's own process would hold the GIL, and so its event loop, for seconds at a time).

`--baseline DIR` runs the same runs against another source tree too (say an export of main:
`git archive main src | tar -x -C /tmp/base`), interleaved with this one's, and prints the ratio; it
is put first on PYTHONPATH, so it uses this checkout's virtual environment.

Usage: .venv/bin/python benchmarks/startup.py [--runs 2] [--offset 3000] [--baseline /tmp/base/src]
       [--command "make run"] [--watch-compile]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
READY = re.compile(r"ready in ([0-9.]+)s")
TIMEOUT_SECONDS = 300.0


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


BENEFITS_PORT = 8103  # dwp.platform.catalog, before DWP_PORT_OFFSET


def _get(url: str, timeout: float = 10.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def watch_compile(port: int, started: float) -> dict:
    """After "ready": `/health/live` latencies every 20 ms until readiness says `rules_engine: ok` (a tree
    without the check is compiled once ready)."""
    base = f"http://127.0.0.1:{port}"
    latencies: list[float] = []
    failures = 0
    compiled = None
    next_ready = 0.0
    while time.monotonic() - started < TIMEOUT_SECONDS:
        before = time.monotonic()
        try:
            _get(f"{base}/health/live")
        except OSError:
            failures += 1
        latencies.append(time.monotonic() - before)
        if before >= next_ready:
            with contextlib.suppress(OSError, ValueError):
                checks = json.loads(_get(f"{base}/health/ready")[1]).get("checks", {})
                if checks.get("rules_engine", "ok") == "ok":
                    compiled = time.monotonic() - started
                    break
            next_ready = before + 0.5
        time.sleep(0.02)
    latencies.sort()
    return {
        "compiled": compiled,
        "live_max": latencies[-1] if latencies else None,
        "live_p99": latencies[int(0.99 * (len(latencies) - 1))] if latencies else None,
        "live_polls": len(latencies),
        "live_failures": failures,
    }


def one_run(
    command: list[str],
    env: dict[str, str],
    data_dir: Path,
    *,
    cold: bool,
    log: Path,
    watch: int | None = None,
) -> dict:
    if cold:
        shutil.rmtree(data_dir, ignore_errors=True)
    started = time.monotonic()
    with log.open("w") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    wall = own = None
    watched: dict = {}
    try:
        while time.monotonic() - started < TIMEOUT_SECONDS:
            text = log.read_text(errors="replace")
            if found := READY.search(text):
                wall, own = time.monotonic() - started, float(found.group(1))
                break
            if process.poll() is not None:
                break
            time.sleep(0.05)
        if wall is not None and watch is not None:
            watched = watch_compile(watch, started)
    finally:
        with_signal(process, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with_signal(process, signal.SIGKILL)
            process.wait()
    stages = [
        line.strip()
        for line in log.read_text(errors="replace").splitlines()
        if " at " in line and "dwp up" in line
    ]
    return {"wall": wall, "own": own, "stages": stages, "exit": process.returncode, **watched}


def with_signal(process: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=2, help="runs of each kind (cold, warm)")
    parser.add_argument("--offset", type=int, default=3000, help="DWP_PORT_OFFSET for the runs")
    parser.add_argument("--command", default=f"{sys.executable} -m dwp.cli up")
    parser.add_argument("--baseline", type=Path, help="another source tree to compare (its src folder)")
    parser.add_argument("--stages", action="store_true", help="print the per-stage lines of each run")
    parser.add_argument(
        "--watch-compile",
        action="store_true",
        help="cold runs: after ready, /health/live latency of benefits until its compiled kernel is loaded",
    )
    args = parser.parse_args()

    trees: list[tuple[str, Path | None]] = [("this", None)]
    if args.baseline:
        trees.append(("baseline", args.baseline.resolve()))
    work = Path(tempfile.mkdtemp(prefix="dwp-startup-"))
    results: dict[tuple[str, str], list[dict]] = {}
    try:
        for kind in ("cold", "warm"):
            for run in range(args.runs):
                for label, src in trees:
                    data_dir = work / f"data-{label}"
                    if kind == "warm" and run == 0 and not data_dir.exists():
                        # A warm run needs a start before it.
                        one_run(shlex.split(args.command), _env(args, data_dir, src), data_dir,
                                cold=False, log=work / "warmup.log")  # fmt: skip
                    before = load()
                    result = one_run(
                        shlex.split(args.command),
                        _env(args, data_dir, src),
                        data_dir,
                        cold=kind == "cold",
                        log=work / f"{label}-{kind}-{run}.log",
                        watch=BENEFITS_PORT + args.offset if args.watch_compile and kind == "cold" else None,
                    )
                    result["load"] = before
                    results.setdefault((label, kind), []).append(result)
                    wall = f"{result['wall']:.1f} s" if result["wall"] else "not ready"
                    own = f"{result['own']:.1f} s" if result["own"] else "-"
                    print(f"{label:<8} {kind} run {run + 1}: wall {wall}, dwp up's own {own} (load {before})")
                    if result.get("live_polls"):
                        compiled = f"{result['compiled']:.1f} s" if result["compiled"] else "not seen"
                        print(
                            f"    benefits' compiled kernel at {compiled}; /health/live while it was made: "
                            f"max {result['live_max'] * 1000:.0f} ms, p99 {result['live_p99'] * 1000:.0f} ms "
                            f"({result['live_polls']} polls, {result['live_failures']} failed)"
                        )
                    if args.stages:
                        for line in result["stages"]:
                            print(f"    {line}")
        print()
        for kind in ("cold", "warm"):
            walls = {label: [r["wall"] for r in results[(label, kind)] if r["wall"]] for label, _ in trees}
            line = f"{kind}: median wall " + ", ".join(
                f"{label} {statistics.median(w):.1f} s" for label, w in walls.items() if w
            )
            if args.baseline and walls["this"] and walls["baseline"]:
                ratio = statistics.median(walls["baseline"]) / statistics.median(walls["this"])
                line += f"; baseline / this = {ratio:.2f}"
            print(line)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _env(args: argparse.Namespace, data_dir: Path, src: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    env["DWP_PORT_OFFSET"] = str(args.offset)
    env["DWP_DATA_DIR"] = str(data_dir)
    env.pop("AWS_ENDPOINT_URL", None)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    return env


if __name__ == "__main__":
    main()
