"""The benefits service starts on a read-only root filesystem, as every task on Fargate runs.

numba's `cache=True` writes the compiled rules beside their source, or under HOME; on a read-only root
neither is writable and the import fails ("cannot cache function"). The service must compile into its
writable scratch (NUMBA_CACHE_DIR, which `dwp` puts in the data folder). Tests run as root, where `chmod`
stops nothing: the root is remounted read-only in a private mount namespace (`unshare -m`), with a tmpfs as
the only writable folder, like the task's /tmp volume. The service compiles in a subprocess
(dwp.benefits.compiled) with its own environment, so the compile must land in the scratch too.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def read_only_root() -> list[str]:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("needs root and unshare(1) to remount the root read-only in a private namespace")
    return ["unshare", "-m", "--propagation", "private"]


def test_benefits_starts_with_only_a_scratch_folder_writable(read_only_root, tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DWP_", "NUMBA_", "DATABASE_", "REDIS_"))}
    env |= {"DWP_DATA_DIR": str(scratch / "dwp"), "DWP_ENV": "local"}
    script = (
        'mount --bind -o ro / / && mount -t tmpfs -o size=256m scratch "$1" && '
        '! touch "$2/.probe" 2>/dev/null && exec "$3" -m dwp.cli serve benefits --migrate --port "$4"'
    )
    process = subprocess.Popen(
        [*read_only_root, "sh", "-c", script, "sh", str(scratch), sys.prefix, sys.executable, str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240  # a first compile of the kernel on a busy machine
        ready = False
        while time.monotonic() < deadline and process.poll() is None and not ready:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/health/live", timeout=1).status_code == 200
            except httpx.TransportError:
                time.sleep(0.2)
        assert ready, f"benefits did not start (exit {process.poll()}):\n{_output(process)}"
        # It answers (interpreted until its kernel is compiled), and the compile (a subprocess with the
        # service's environment) fills the cache in the scratch folder, which the service then loads.
        body = {
            "universal_credit": {
                "assessment_period_start": "2025-06-01",
                "adults": [{"date_of_birth": "1985-01-01"}],
            }
        }
        estimate = httpx.post(f"http://127.0.0.1:{port}/v1/estimates", json=body, timeout=30)
        assert estimate.status_code == 200, estimate.text
        award = estimate.json()["universal_credit"]["award_pence"]
        engine = ""
        while time.monotonic() < deadline and process.poll() is None and engine != "ok":
            engine = httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=5).json()["checks"][
                "rules_engine"
            ]
            time.sleep(0.5)
        assert engine == "ok", f"the compiled kernel was not served ({engine}):\n{_output(process)}"
        again = httpx.post(f"http://127.0.0.1:{port}/v1/estimates", json=body, timeout=30)
        assert again.json()["universal_credit"]["award_pence"] == award
        # The scratch is the namespace's own tmpfs, out of this process's sight: the log says where the
        # kernel was compiled (in the subprocess, whose cache the service loaded, not in the service).
        log = _output(process)
        assert "rules engine compiled and loaded" in log, log
        assert "did not compile in a subprocess" not in log, log
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def _output(process: subprocess.Popen[str]) -> str:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    out, _ = process.communicate(timeout=30)
    return out[-4000:]
