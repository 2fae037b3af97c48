"""Time from starting the platform to `dwp up`'s "ready" table, cold (no data folder) and warm.

Each run starts the command in its own session (`setsid`), its output to a log file, and polls the log
for `dwp up`'s "ready in" line; the wall time is from the start to that line, beside `dwp up`'s own
figure and its per-stage lines ("dwp up ... at 3.2s"). Then the whole session is stopped with SIGINT
(Ctrl-C, as a person stops it) and, if anything is left after 30 s, SIGKILL. The load average is printed
before each run: the machine may be shared, so compare figures measured in the same sitting.

`--baseline DIR` runs the same runs against another source tree too (say an export of main:
`git archive main src | tar -x -C /tmp/base`), interleaved with this one's, and prints the ratio; it
is put first on PYTHONPATH, so it uses this checkout's virtual environment.

Usage: .venv/bin/python benchmarks/startup.py [--runs 2] [--offset 3000] [--baseline /tmp/base/src]
       [--command "make run"]
"""

from __future__ import annotations

import argparse
import contextlib
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
READY = re.compile(r"ready in ([0-9.]+)s")
TIMEOUT_SECONDS = 300.0


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def one_run(command: list[str], env: dict[str, str], data_dir: Path, *, cold: bool, log: Path) -> dict:
    if cold:
        shutil.rmtree(data_dir, ignore_errors=True)
    started = time.monotonic()
    with log.open("w") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    wall = own = None
    try:
        while time.monotonic() - started < TIMEOUT_SECONDS:
            text = log.read_text(errors="replace")
            if found := READY.search(text):
                wall, own = time.monotonic() - started, float(found.group(1))
                break
            if process.poll() is not None:
                break
            time.sleep(0.05)
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
    return {"wall": wall, "own": own, "stages": stages, "exit": process.returncode}


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
                    )
                    result["load"] = before
                    results.setdefault((label, kind), []).append(result)
                    wall = f"{result['wall']:.1f} s" if result["wall"] else "not ready"
                    own = f"{result['own']:.1f} s" if result["own"] else "-"
                    print(f"{label:<8} {kind} run {run + 1}: wall {wall}, dwp up's own {own} (load {before})")
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
