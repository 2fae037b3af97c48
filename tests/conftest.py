"""Fixtures shared by every test: settings, the embedded AWS endpoint, databases, tokens.

Under CI (`DWP_CI=1`) PostgreSQL and Redis are required: their tests fail rather than skip when they are
unreachable, and a run with any skipped test fails.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from dwp.platform.settings import Settings

IN_CI = os.environ.get("DWP_CI") == "1"
# Record every span in tests, so that tracing itself is tested (there is no exporter in tests).
os.environ.setdefault("DWP_TRACE_SAMPLE_RATIO", "1")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if IN_CI and skipped and session.exitstatus == 0:
        session.exitstatus = 1
        if reporter:
            reporter.write_line(
                f"CI: {skipped} test(s) were skipped; under CI every test must run.", red=True
            )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def embedded_aws() -> Iterator[Any]:
    """One moto server per test worker, with the platform's resources created on it."""
    from dwp.platform.embedded_aws import EmbeddedAws

    server = EmbeddedAws(port=free_port()).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def worker_id_safe(worker_id: str) -> str:
    return worker_id.replace("-", "_")


@pytest.fixture(scope="session")
def postgres_url(worker_id_safe: str) -> Iterator[str | None]:
    """A database of this worker's own on the PostgreSQL that DATABASE_URL names (None when unset)."""
    base = os.environ.get("DATABASE_URL")
    if not base:
        if IN_CI:
            pytest.fail("DATABASE_URL must be set under CI")
        yield None
        return
    from sqlalchemy.engine import make_url

    url = make_url(base)
    name = f"{url.database}_{worker_id_safe}_{uuid.uuid4().hex[:6]}"
    asyncio.run(_admin(url, f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    asyncio.run(_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _admin(url: Any, statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password, database=url.database
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def _database_params() -> list[Any]:
    params: list[Any] = [pytest.param("sqlite", id="sqlite")]
    if os.environ.get("DATABASE_URL") or IN_CI:
        params.append(pytest.param("postgres", id="postgres", marks=pytest.mark.postgres))
    return params


DATABASES = _database_params()


@pytest.fixture
def make_settings(tmp_path: Path, embedded_aws: Any) -> Any:
    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "dwp_env": "test",
            "dwp_data_dir": tmp_path / ".dwp",
            "aws_endpoint_url": embedded_aws.url,
            "database_url": None,
            "redis_url": None,
            "dwp_outbox_interval_seconds": 0.1,
        }
        values.update(overrides)
        return Settings(**values)

    return build


@pytest.fixture(params=DATABASES)
def settings(request: pytest.FixtureRequest, make_settings: Any) -> Settings:
    """Settings for one test, once on SQLite and once on PostgreSQL when it is available."""
    database_url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    return make_settings(database_url=database_url)  # type: ignore[no-any-return]


@pytest.fixture
def bootstrapped(settings: Settings) -> Settings:
    from dwp.platform.aws import bootstrap

    bootstrap(settings)
    return settings


def random_nino() -> str:
    digits = f"{uuid.uuid4().int % 1_000_000:06d}"
    return f"AB{digits}C"


@pytest.fixture
async def no_tasks_left() -> AsyncIterator[None]:
    yield
    pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()]
    assert not pending, f"tasks left running: {pending}"
