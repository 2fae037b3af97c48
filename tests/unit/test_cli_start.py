"""The `dwp` command starts light, says when it compiles, and fails in one line that says what to do."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from dwp.cli import what_to_do

# Seconds each at start-up: a command that does not use them must not import them.
HEAVY = ("fastapi", "sqlalchemy", "boto3", "botocore", "httpx", "numba", "numpy", "moto", "pyarrow")

HOUSEHOLD = {
    "assessment_period_start": "2025-06-01",
    "adults": [{"date_of_birth": "1985-01-01", "earnings": {"gross": 150000, "income_tax": 9000}}],
    "housing": {"tenure": "social", "monthly_rent": 50000, "bedrooms": 2},
}


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DWP_", "AWS_", "NUMBA_"))}
    env.pop("DATABASE_URL", None)
    return {**env, "DWP_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200", **extra}


def _dwp(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dwp.cli", *args],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,
        env=_env(tmp_path, **env),
        check=False,
    )


@pytest.mark.parametrize(
    "args",
    [["--help"], ["token", "citizen"], ["jwks"], ["dlq", "--help"], ["run", "monthly", "--help"]],
    ids=" ".join,
)
def test_light_commands_import_nothing_heavy(tmp_path, args):
    code = (
        "import runpy, sys, json, atexit\n"
        "atexit.register(lambda: sys.stderr.write('\\nMODULES ' + json.dumps(sorted(sys.modules))))\n"
        f"sys.argv = ['dwp', *{args!r}]\n"
        "runpy.run_module('dwp.cli', run_name='__main__')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=_env(tmp_path),
        check=False,
    )
    assert result.returncode == 0, result.stderr
    loaded = {name.partition(".")[0] for name in json.loads(result.stderr.rsplit("MODULES ", 1)[1])}
    assert not loaded & set(HEAVY), f"dwp {' '.join(args)} imports {sorted(loaded & set(HEAVY))}"
    if args[0] == "token":
        assert result.stdout.count(".") == 2  # a compact JWS: header.payload.signature


def test_bootstrap_without_an_endpoint_says_how_to_get_one(tmp_path):
    result = _dwp(tmp_path, "bootstrap")
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "AWS_ENDPOINT_URL" in result.stderr
    assert "dwp aws-endpoint" in result.stderr


def test_a_failure_is_one_line_with_what_to_do(tmp_path):
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = _dwp(
        tmp_path,
        "bootstrap",
        AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_MAX_ATTEMPTS="1",
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("dwp bootstrap: the AWS endpoint does not answer")
    assert "Traceback" not in result.stderr


def test_an_invalid_setting_is_named(tmp_path):
    result = _dwp(tmp_path, "token", "citizen", DWP_ENV="bogus")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "dwp token: DWP_ENV is invalid: Input should be 'local', 'test', 'dev', 'staging' or 'production' "
        "(the README's Settings table lists each)"
    ]


def test_traceback_on_request(tmp_path):
    result = _dwp(tmp_path, "token", "citizen", DWP_ENV="bogus", DWP_TRACEBACK="1")
    assert result.returncode == 1
    assert "Traceback" in result.stderr


@pytest.mark.parametrize(
    ("module", "extra"), [("numba", "rules"), ("pyarrow.parquet", "batch"), ("moto.server", "local")]
)
def test_a_missing_extra_names_the_extra_to_install(module, extra):
    try:
        raise ModuleNotFoundError(f"No module named {module!r}", name=module)
    except ModuleNotFoundError as exc:
        message = what_to_do(exc)
    assert f"`{extra}` extra" in message
    assert f"dwp[{extra}]" in message


def test_calc_says_when_it_compiles_and_caches_in_the_data_folder(tmp_path):
    household = tmp_path / "household.json"
    household.write_text(json.dumps(HOUSEHOLD))
    first = _dwp(tmp_path, "calc", str(household))
    assert first.returncode == 0, first.stderr
    assert "compiling the rules engine (first run only)" in first.stderr
    assert "Universal Credit" in first.stdout
    cache = tmp_path / "data" / "numba-cache"
    assert any(cache.rglob("*.nbi")), "numba's cache is not in the data folder"
    second = _dwp(tmp_path, "calc", str(household))
    assert second.returncode == 0, second.stderr
    assert "compiling" not in second.stderr
    assert second.stdout == first.stdout
