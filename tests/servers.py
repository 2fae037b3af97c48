"""Run an ASGI app on a real local port in a background thread, for clients that speak plain HTTP
(`notifications-python-client` uses `requests`, which cannot talk to an app in process)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running(app: Any, port: int | None = None) -> Iterator[str]:
    """The app served at the yielded base URL until the block ends."""
    port = port or free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    give_up = time.monotonic() + 20
    while not server.started:  # a condition, not a fixed wait: uvicorn sets it once it listens
        if not thread.is_alive() or time.monotonic() > give_up:
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class PrivateRedis:
    """A `redis-server` of the test's own on a free port (never the shared one), to kill and bring back.

    No persistence: a restarted server starts empty, as a replaced ElastiCache node may."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: Any = None

    def start(self) -> PrivateRedis:
        import shutil
        import subprocess

        from dwp.platform.embedded_aws import wait_for_port

        server = shutil.which("redis-server")
        if server is None:
            raise RuntimeError("redis-server is not installed (Debian: apt-get install redis-server)")
        self._process = subprocess.Popen(
            [server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port("127.0.0.1", self.port, timeout=20)
        return self

    def kill(self) -> None:
        """kill -9: no goodbye to the clients."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(timeout=10)
        self._process = None

    def __enter__(self) -> PrivateRedis:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.kill()


class PrivatePostgres:
    """A PostgreSQL server of the test's own (initdb in a temporary directory, a free port), to stop
    abruptly and start again; the shared server is never touched. Runs as the `postgres` user when the
    test runs as root (PostgreSQL refuses to run as root)."""

    def __init__(self, *, max_connections: int = 20) -> None:
        import glob
        import tempfile

        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
        if not bins:
            raise RuntimeError("PostgreSQL's server binaries are not installed (Debian: postgresql)")
        self.bin = Path(bins[-1])
        # Its own directory under /tmp: pytest's tmp_path sits below directories only root may enter.
        self.directory = Path(tempfile.mkdtemp(prefix="dwp-pg-"))
        self.data = self.directory / "data"
        self.port = free_port()
        self.max_connections = max_connections
        self.url = f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        import os
        import subprocess

        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def init(self) -> PrivatePostgres:
        import os
        import shutil

        self.directory.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        return self

    def start(self) -> PrivatePostgres:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory} -c fsync=off"
            f" -c max_connections={self.max_connections} -c superuser_reserved_connections=0"
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-w", "-t", "60", "-l",
                  str(self.directory / "log"), "start")  # fmt: skip
        return self

    def stop(self, mode: str = "immediate") -> None:
        """`immediate`: as if the server died (no goodbye to the clients)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def __enter__(self) -> PrivatePostgres:
        return self.init().start()

    def __exit__(self, *_: object) -> None:
        import contextlib
        import shutil
        import subprocess

        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
