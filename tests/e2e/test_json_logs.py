"""Every line a service process writes is one JSON object, uvicorn's own lines included.

An operator's log search (CloudWatch Logs Insights) reads JSON lines; a plain-text traceback beside them
is ~150 lines nobody can query. The process is started as `dwp serve` starts one (`run_server`), and
made to fail in a handler, after a response has started, and at start-up.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.servers import free_port

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


def _start(port: int, **env: str) -> subprocess.Popen[str]:
    code = (
        "from dwp.cli import run_server; "
        f"run_server('tests.e2e.failing_app:build_app', 'failing', host='127.0.0.1', port={port})"
    )
    environment = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}", **env}
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _lines(process: subprocess.Popen[str]) -> list[str]:
    out, _ = process.communicate(timeout=60)
    return [line for line in out.splitlines() if line.strip()]


def _as_json(lines: list[str]) -> list[dict]:
    parsed = []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"a log line is not JSON: {line!r}\nall lines:\n" + "\n".join(lines))
    return parsed


def _wait_until_serving(url: str, process: subprocess.Popen[str]) -> None:
    give_up = time.monotonic() + 60
    while time.monotonic() < give_up:
        if process.poll() is not None:
            pytest.fail("the process exited:\n" + "\n".join(_lines(process)))
        try:
            httpx.get(f"{url}/health/live", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    pytest.fail("the process did not start")


def test_failures_in_and_after_a_handler_log_only_json_lines():
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = _start(port)
    try:
        _wait_until_serving(url, process)
        answer = httpx.get(f"{url}/boom", timeout=10)
        assert answer.status_code == 500
        problem = answer.json()
        assert problem["request_id"] == answer.headers["x-request-id"]
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.get(f"{url}/half", timeout=10).read()
    finally:
        process.send_signal(signal.SIGTERM)
    events = _as_json(_lines(process))
    access = [e for e in events if e.get("event") == "request" and e.get("route") == "/boom"]
    assert [e["level"] for e in access] == ["error"], "a 500's access line is an error"
    assert access[0]["request_id"] == problem["request_id"]
    unhandled = [e for e in events if e.get("event") == "unhandled_error"]
    assert unhandled
    assert "a bug in a handler" in unhandled[0]["exception"]
    # The failure after the response started is seen only by uvicorn: its traceback is one JSON line.
    assert any("a bug after the response started" in json.dumps(e) for e in events)
    assert all(e.get("service") == "failing" for e in events)


def test_a_start_up_failure_is_json_too():
    process = _start(free_port(), DWP_TEST_FAIL_STARTUP="1")
    events = _as_json(_lines(process))
    assert process.returncode != 0
    # uvicorn logs the traceback as its message: one JSON line, at error level.
    failures = [e for e in events if "a resource the service needs is missing" in json.dumps(e)]
    assert failures
    assert all(e["level"] == "error" for e in failures)
