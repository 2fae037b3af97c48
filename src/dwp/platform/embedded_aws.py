"""The embedded AWS endpoint for local runs and tests: moto's server on one port."""

from __future__ import annotations

import socket
import time

from moto.server import ThreadedMotoServer


class EmbeddedAws:
    """moto in a thread of the current process; `dwp up` runs it in a process of its own."""

    def __init__(self, host: str = "127.0.0.1", port: int = 4566) -> None:
        self.host, self.port = host, port
        self._server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> EmbeddedAws:
        self._server.start()
        wait_for_port(self.host, self.port, timeout=10)
        return self

    def stop(self) -> None:
        self._server.stop()


def wait_for_port(host: str, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            sock.settimeout(0.2)
            if sock.connect_ex((host, port)) == 0:
                return
        time.sleep(0.02)
    raise TimeoutError(f"nothing is listening on {host}:{port} after {timeout}s")


def port_is_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True
