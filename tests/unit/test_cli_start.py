"""The `dwp` command starts light, says when it compiles, and fails in one line that says what to do."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from dwp.benefits.domain import uc_kernel as k
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


def _modules_loaded_by(tmp_path: Path, args: list[str]) -> tuple[subprocess.CompletedProcess[str], set[str]]:
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
        timeout=240,
        cwd=tmp_path,
        env=_env(tmp_path),
        check=False,
    )
    assert result.returncode == 0, result.stderr
    loaded = {name.partition(".")[0] for name in json.loads(result.stderr.rsplit("MODULES ", 1)[1])}
    return result, loaded


def test_calc_for_one_household_interprets_the_kernel_and_never_compiles(tmp_path):
    """One household runs the kernel's source interpreted (dwp.benefits.domain.jit): no numba to load,
    nothing to compile or cache, and the explanation the service gives."""
    household = tmp_path / "household.json"
    household.write_text(json.dumps(HOUSEHOLD))
    result, loaded = _modules_loaded_by(tmp_path, ["calc", str(household)])
    assert "numba" not in loaded
    assert "llvmlite" not in loaded
    assert "compiling" not in result.stderr
    assert "Universal Credit" in result.stdout
    # By hand (2025-26): £400.14 standard allowance + £430.00 housing (£500 rent less 14% for one spare
    # bedroom) = £830.14; no work allowance (no child, no LCW), so 55% of £1,410.00 take-home pay
    # (£1,500 less £90 tax) = £775.50 comes off: £54.64.
    assert "£54.64" in result.stdout
    assert not (tmp_path / "data" / "numba-cache").exists()


def test_calc_batch_says_when_it_compiles_and_caches_in_the_data_folder(tmp_path):
    households = tmp_path / "households.csv"
    names = [name for name, *_ in k.INPUTS if name != "lha_area"]
    row = {name: 0 for name in names} | {"age1": 30, "earnings1": 150000, "tax_year": "2025-26"}
    households.write_text(",".join(row) + "\n" + ",".join(str(v) for v in row.values()) + "\n")
    first = _dwp(tmp_path, "calc", "batch", str(households), str(tmp_path / "first.csv"))
    assert first.returncode == 0, first.stderr
    assert "compiling the rules engine (first run only)" in first.stdout
    cache = tmp_path / "data" / "numba-cache"
    assert any(cache.rglob("*.nbi")), "numba's cache is not in the data folder"
    second = _dwp(tmp_path, "calc", "batch", str(households), str(tmp_path / "second.csv"))
    assert second.returncode == 0, second.stderr
    assert "compiling" not in second.stdout
    assert (tmp_path / "second.csv").read_text() == (tmp_path / "first.csv").read_text()


def test_the_installation_carries_its_bytecode():
    """`make install` and the image compile every module once (--compile-bytecode): where Python may not
    write it (a read-only root, PYTHONDONTWRITEBYTECODE), a missing .pyc is compiled again at every start."""
    import importlib.util

    import pydantic
    import typer

    import dwp.cli

    for module in (typer, pydantic, dwp.cli):
        source = module.__file__
        assert source
        assert Path(importlib.util.cache_from_source(source)).is_file(), f"{module.__name__} has no bytecode"
