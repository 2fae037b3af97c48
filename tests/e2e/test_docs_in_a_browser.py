"""A service's `/docs` in Debian's Chromium (headless, no network but loopback): Swagger UI starts from the
service's own files under the page's policy and lists the service's operations; the browser reports no
Content-Security-Policy violation (issue 12: "Every `/docs` page is blank")."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import APIRouter

from dwp.platform.app_factory import create_app
from dwp.platform.settings import Settings

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage"]  # fmt: skip

router = APIRouter(tags=["notes"])


@router.get("/v1/notes/{note_id}", summary="Read a note")
async def read_note(note_id: str) -> dict[str, str]:
    return {"id": note_id}


@router.post("/v1/notes", summary="Write a note", status_code=201)
async def write_note() -> dict[str, str]:
    return {"id": "1"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def service(tmp_path: Path) -> Iterator[str]:
    app = create_app(
        service="notes", routers=[router], settings=Settings(dwp_env="test", dwp_data_dir=tmp_path)
    )
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the service did not start"
        time.sleep(0.05)
    assert httpx.get(f"{base}/health/live").status_code == 200
    yield base
    server.should_exit = True
    thread.join(10)


def test_swagger_ui_lists_the_operations_under_the_docs_policy(service: str, tmp_path: Path) -> None:
    assert CHROMIUM.exists(), f"no browser at {CHROMIUM}: install Debian's (apt-get install -y chromium)"
    result = subprocess.run(
        [str(CHROMIUM), *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0",
         "--virtual-time-budget=20000", "--dump-dom", f"{service}/docs"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    dom, console = result.stdout, result.stderr
    assert result.returncode == 0, console[-3000:]
    refused = [
        line for line in console.splitlines() if "Content Security Policy" in line or "Refused to" in line
    ]
    assert refused == []
    # Swagger UI rendered the document: one block per operation, with its path and summary.
    assert 'id="swagger-ui"' in dom
    assert "opblock-get" in dom, dom[-2000:]
    assert "opblock-post" in dom
    assert "/v1/notes/{note_id}" in dom
    assert "Read a note" in dom
    assert "Write a note" in dom
