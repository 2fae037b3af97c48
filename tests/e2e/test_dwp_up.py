"""End to end: `dwp up` starts the platform as separate processes; a citizen registers over real HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from dwp.platform import catalog
from tests.conftest import random_nino

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def free_offset(start: int) -> int:
    """An offset at which every port `dwp up` needs is free (other copies may run on this machine)."""
    from dwp.platform.embedded_aws import port_is_free

    ports = [p.port for p in catalog.PROCESSES] + [catalog.AWS_ENDPOINT_PORT]
    for offset in range(start, start + 20000, 37):
        if all(port_is_free("127.0.0.1", port + offset) for port in ports):
            return offset
    raise RuntimeError("no free ports for dwp up")


PORT_OFFSET = free_offset(20000 + os.getpid() % 5000)


def up_env(tmp_path: Path, offset: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DWP_", "AWS_"))}
    env.update(
        {"DWP_DATA_DIR": str(tmp_path / ".dwp"), "DWP_PORT_OFFSET": str(offset), "PYTHONUNBUFFERED": "1"}
    )
    return env


@pytest.fixture(scope="module")
def platform(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    tmp_path = tmp_path_factory.mktemp("up")
    log = tmp_path / "up.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "dwp.cli", "up"],
            env=up_env(tmp_path, PORT_OFFSET),
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=tmp_path,
        )
        deadline = time.monotonic() + 90
        while "Press Ctrl-C" not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"dwp up did not become ready:\n{log.read_text()[-4000:]}")
            time.sleep(0.2)
        yield process, log
        if process.poll() is None:
            process.kill()


def url(name: str) -> str:
    return f"http://127.0.0.1:{catalog.process(name).port + PORT_OFFSET}"


def token(kind: str, tmp: Path, *extra: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "dwp.cli", "token", kind, *extra],
        env={**up_env(tmp, PORT_OFFSET)},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_a_citizen_registers_over_http(platform: tuple[subprocess.Popen[str], Path]) -> None:
    _, log = platform
    data_dir = log.parent
    citizen_id = str(uuid.uuid4())
    citizen = token("citizen", data_dir, "--citizen-id", citizen_id)
    body = {
        "given_name": "Gwen",
        "family_name": "Jones",
        "date_of_birth": "1985-06-30",
        "national_insurance_number": random_nino(),
        "email": "gwen@example.com",
        "preferred_language": "cy",
    }
    with httpx.Client(base_url=url("citizen"), timeout=10) as client:
        assert client.get("/health/ready").json()["status"] == "ok"
        created = client.post("/v1/citizens", json=body, headers={"Authorization": f"Bearer {citizen}"})
        assert created.status_code == 201, created.text
        read = client.get(f"/v1/citizens/{citizen_id}", headers={"Authorization": f"Bearer {citizen}"})
        assert read.json()["preferred_language"] == "cy"
        caseworker = token("caseworker", data_dir)
        found = client.post(
            "/v1/citizens/search",
            json={"national_insurance_number": body["national_insurance_number"]},
            headers={"Authorization": f"Bearer {caseworker}"},
        )
        assert [c["id"] for c in found.json()["items"]] == [citizen_id]
        demo = client.get(
            "/v1/citizens/00000000-0000-4000-8000-000000000001",
            headers={"Authorization": f"Bearer {caseworker}"},
        )
        assert demo.status_code == 200, "the demo citizen was not seeded"
    text = log.read_text()
    assert "citizen     | {" in text, "service logs are streamed with a prefix"
    assert body["national_insurance_number"] not in text, "a NINO reached the logs"


def test_ctrl_c_stops_everything(platform: tuple[subprocess.Popen[str], Path]) -> None:
    process, log = platform
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=20) == 0, log.read_text()[-2000:]
    for name in ("citizen",):
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", catalog.process(name).port + PORT_OFFSET)) != 0
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", catalog.AWS_ENDPOINT_PORT + PORT_OFFSET)) != 0


def test_a_taken_port_gets_a_clear_message(tmp_path: Path) -> None:
    offset = free_offset(PORT_OFFSET + 1000)
    with socket.socket() as blocker:
        blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        blocker.bind(("127.0.0.1", catalog.process("citizen").port + offset))
        blocker.listen()
        result = subprocess.run(
            [sys.executable, "-m", "dwp.cli", "up"],
            env=up_env(tmp_path, offset),
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
        )
    assert result.returncode == 1
    assert "ports are already in use" in result.stdout
    assert f"citizen needs port {catalog.process('citizen').port + offset}" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_an_unreachable_database_gets_a_clear_message(tmp_path: Path) -> None:
    offset = free_offset(PORT_OFFSET + 2000)
    env = up_env(tmp_path, offset)
    env["DATABASE_URL"] = f"postgresql+asyncpg://dwp@127.0.0.1:{catalog.AWS_ENDPOINT_PORT + offset + 1}/gone"
    result = subprocess.run(
        [sys.executable, "-m", "dwp.cli", "up"],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert "Cannot start the platform" in result.stdout
    assert "cannot migrate citizen" in result.stdout
    assert "Connect" in result.stdout  # the refused connection is named
    assert "Traceback" not in result.stdout + result.stderr
