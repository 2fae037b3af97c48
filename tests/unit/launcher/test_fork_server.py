"""`dwp up` forks its services from a fork server that imported the shared platform once: each is still its
own OS process (its own session and name), its output reaches `dwp up`'s prefixed log, and
one that dies is seen as `subprocess.Popen` would see it, so the supervision restarts it as before."""

from __future__ import annotations

import io
import os
import signal
import time
from pathlib import Path

import httpx
from rich.console import Console

from dwp.launcher import ForkedProcess, Launcher, _fork_server
from dwp.platform import catalog
from dwp.platform.embedded_aws import port_is_free
from dwp.platform.settings import Settings


def _free_port() -> int:
    port = 29000 + os.getpid() % 3000
    while not port_is_free("127.0.0.1", port):
        port += 1
    return port


def _until(condition, timeout: float = 120) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_forked_service_is_its_own_process_and_is_restarted_when_it_dies(tmp_path: Path) -> None:
    out = io.StringIO()
    launcher = Launcher(
        Settings(dwp_env="test", dwp_data_dir=tmp_path), Console(file=out, width=200, color_system=None)
    )
    launcher._forks = _fork_server()
    assert launcher._forks is not None
    port = _free_port()
    env = {**os.environ, "DWP_DATA_DIR": str(tmp_path), "DWP_ENV": "test"}
    launcher._start("hmrc", ["unused"], port, env, serves="hmrc")
    (child,) = launcher.children
    try:
        assert isinstance(child.process, ForkedProcess)
        ready = f"http://127.0.0.1:{port}{catalog.process('hmrc').health_path}"

        def answers() -> bool:
            try:
                return httpx.get(ready, timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        _until(answers)
        pid = child.process.pid
        proc = Path("/proc") / str(pid)
        assert (proc / "comm").read_text().strip() == "dwp-hmrc"
        assert os.getsid(pid) == pid != os.getsid(0), "its own session: Ctrl-C reaches dwp up only"
        # Its output goes to dwp up (which prefixes each line), not to the fork server's terminal.
        assert os.readlink(proc / "fd" / "1") == os.readlink(proc / "fd" / "2")
        assert os.readlink(proc / "fd" / "1").startswith("socket:")

        os.kill(pid, signal.SIGKILL)
        _until(lambda: child.process.poll() is not None)
        assert child.process.returncode == -signal.SIGKILL
        with httpx.Client() as client:
            now = time.monotonic()
            launcher._look_after(child, now, client)
            assert child.restart_at is not None
            launcher._look_after(child, child.restart_at, client)  # the restart, forked again
        assert child.process.pid != pid
        _until(answers)
        assert "hmrc stopped unexpectedly (exit code -9)" in out.getvalue()
    finally:
        launcher.stop()
    assert child.process.poll() is not None


_KILLED_PARENT = """
import os, sys, time
from pathlib import Path
import httpx
from dwp.launcher import Launcher, _fork_server
from dwp.platform import catalog
from dwp.platform.settings import Settings

data, port = Path(sys.argv[1]), int(sys.argv[2])
launcher = Launcher(Settings(dwp_env="test", dwp_data_dir=data))
launcher._forks = _fork_server()
env = {**os.environ, "DWP_DATA_DIR": str(data), "DWP_ENV": "test"}
launcher._start("hmrc", ["unused"], port, env, serves="hmrc")
ready = f"http://127.0.0.1:{port}{catalog.process('hmrc').health_path}"
while True:
    try:
        if httpx.get(ready, timeout=1).status_code == 200:
            break
    except httpx.HTTPError:
        time.sleep(0.1)
from multiprocessing import forkserver
print(launcher.children[0].process.pid, forkserver._forkserver._forkserver_pid, flush=True)
time.sleep(600)
"""


def test_a_forked_service_and_the_fork_server_stop_when_dwp_up_is_killed(tmp_path: Path) -> None:
    """`dwp up` killed with SIGKILL (as a test's teardown or the OOM killer does) leaves no process behind:
    every forked service held the fork server's "alive" pipe open, so the server never exited and the
    services' parent-death signal never came (four sets of 18 services were found running after tests)."""
    import subprocess
    import sys

    port = _free_port()
    parent = subprocess.Popen(
        [sys.executable, "-c", _KILLED_PARENT, str(tmp_path), str(port)],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert parent.stdout is not None
        service, server = (int(pid) for pid in parent.stdout.readline().split())
        assert Path(f"/proc/{service}/comm").read_text().strip() == "dwp-hmrc"
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()

        def gone(pid: int) -> bool:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except FileNotFoundError:
                return True
            return state == "Z"  # exited, waiting only for init to reap it

        _until(lambda: gone(server) and gone(service), timeout=60)
    finally:
        if parent.poll() is None:
            parent.kill()
