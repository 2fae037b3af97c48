"""Database credentials rotate (Secrets Manager rotation, `infra/`) and a running service carries on.

The shared PostgreSQL trusts every connection, so a password would never be checked: this module starts
a private PostgreSQL of its own (`initdb` with scram-sha-256, its own port, run as the `postgres` user
since PostgreSQL refuses to run as root), keeps the credentials in a secret on the embedded AWS endpoint,
and rotates both the role's password and the secret as the rotation Lambda does.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text

from dwp.platform.aws import client
from dwp.platform.database import Database
from dwp.platform.problems import means_unavailable
from tests.servers import free_port

pytestmark = pytest.mark.integration

PG_BIN = Path("/usr/lib/postgresql/15/bin")
ADMIN_PASSWORD = "admin-" + uuid.uuid4().hex


@dataclass
class PrivatePostgres:
    port: int

    async def admin(self, statement: str) -> None:
        connection = await asyncpg.connect(
            host="127.0.0.1", port=self.port, user="admin", password=ADMIN_PASSWORD, database="postgres"
        )
        try:
            await connection.execute(statement)
        finally:
            await connection.close()


def _as_postgres(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["runuser", "-u", "postgres", "--", *command], capture_output=True, text=True, check=True, timeout=120
    )


@pytest.fixture(scope="module")
def private_postgres() -> Iterator[PrivatePostgres]:
    binary = PG_BIN if (PG_BIN / "initdb").exists() else Path(shutil.which("initdb") or "initdb").parent
    if not (binary / "initdb").exists() or not shutil.which("runuser"):
        pytest.fail("initdb and runuser are needed for the credential rotation test")
    folder = Path(tempfile.mkdtemp(prefix="dwp-pg-"))
    shutil.chown(folder, "postgres", "postgres")
    data, password_file = folder / "data", folder / "admin-password"
    password_file.write_text(ADMIN_PASSWORD)
    shutil.chown(password_file, "postgres", "postgres")
    port = free_port()
    _as_postgres(
        str(binary / "initdb"),
        "-D",
        str(data),
        "--auth=scram-sha-256",
        "--username=admin",
        f"--pwfile={password_file}",
    )
    options = f"-p {port} -c listen_addresses=127.0.0.1 -k {folder} -c fsync=off"
    _as_postgres(
        str(binary / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"
    )
    try:
        yield PrivatePostgres(port)
    finally:
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                str(binary / "pg_ctl"),
                "-D",
                str(data),
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
            check=False,
            timeout=60,
        )
        shutil.rmtree(folder, ignore_errors=True)


def _put_secret(settings: Any, name: str, username: str, password: str) -> str:
    secrets = client("secretsmanager", settings)
    value = json.dumps({"username": username, "password": password, "engine": "postgres"})
    try:
        return str(secrets.create_secret(Name=name, SecretString=value)["ARN"])
    except secrets.exceptions.ResourceExistsException:
        return str(secrets.put_secret_value(SecretId=name, SecretString=value)["ARN"])


async def test_a_rotated_password_is_picked_up_without_a_restart(private_postgres, make_settings) -> None:
    role, first, second = (
        f"svc_{uuid.uuid4().hex[:8]}",
        "first-" + uuid.uuid4().hex,
        "second-" + uuid.uuid4().hex,
    )
    await private_postgres.admin(f"CREATE ROLE {role} LOGIN PASSWORD '{first}'")
    await private_postgres.admin(f"CREATE DATABASE {role} OWNER {role}")
    secret_name = f"dwp/test-db-{uuid.uuid4().hex[:8]}"
    probe = make_settings()
    arn = _put_secret(probe, secret_name, role, first)
    settings = make_settings(
        db_host="127.0.0.1", db_port=private_postgres.port, db_name=role, db_secret_arn=arn
    )
    assert settings.database_url is not None
    assert "@" not in settings.database_url, "the URL holds no credentials"
    database = Database(settings, "rotation", pool_size=1, max_overflow=1)
    assert database.credentials is not None
    try:
        async with database.transaction() as connection:
            await connection.execute(text("CREATE SCHEMA IF NOT EXISTS rotation"))
            await connection.execute(text("CREATE TABLE rotation.kept (n integer)"))
            await connection.execute(text("INSERT INTO rotation.kept VALUES (1)"))
        assert database.credentials.reads == 1

        # The rotation Lambda's setSecret step changes the role's password first...
        await private_postgres.admin(f"ALTER ROLE {role} PASSWORD '{second}'")
        # ...and an open connection carries on: PostgreSQL checked its password when it started.
        async with database.read() as connection:
            assert (await connection.execute(text("SELECT count(*) FROM rotation.kept"))).scalar() == 1

        # A new connection (the pool recycles them) with the old secret is refused; the secret is re-read
        # once and, still old, the refusal reaches the caller (a 503 from the platform).
        await database.engine.dispose()
        with pytest.raises(Exception, match="password authentication failed") as refused:
            async with database.transaction():
                pass
        assert means_unavailable(refused.value), "a 503 with Retry-After, not a 500"
        assert database.credentials.reads == 2

        # Its finishSecret step makes the new password current: the next connection takes it.
        _put_secret(probe, secret_name, role, second)
        await database.engine.dispose()
        async with database.transaction() as connection:
            await connection.execute(text("INSERT INTO rotation.kept VALUES (2)"))
        assert database.credentials.reads == 3
        async with database.read() as connection:
            assert (await connection.execute(text("SELECT count(*) FROM rotation.kept"))).scalar() == 2
    finally:
        await database.dispose()


async def test_many_requests_at_once_after_a_rotation_read_the_secret_a_few_times(
    private_postgres, make_settings
) -> None:
    role, first, second = f"svc_{uuid.uuid4().hex[:8]}", "a-" + uuid.uuid4().hex, "b-" + uuid.uuid4().hex
    await private_postgres.admin(f"CREATE ROLE {role} LOGIN PASSWORD '{first}'")
    await private_postgres.admin(f"CREATE DATABASE {role} OWNER {role}")
    probe = make_settings()
    name = f"dwp/test-db-{uuid.uuid4().hex[:8]}"
    arn = _put_secret(probe, name, role, first)
    settings = make_settings(
        db_host="127.0.0.1", db_port=private_postgres.port, db_name=role, db_secret_arn=arn
    )
    database = Database(settings, "rotation", pool_size=5, max_overflow=5)
    assert database.credentials is not None
    try:
        await database.ping()
        await private_postgres.admin(f"ALTER ROLE {role} PASSWORD '{second}'")
        _put_secret(probe, name, role, second)
        await database.engine.dispose()

        async def one_request() -> int:
            async with database.read() as connection:
                return int((await connection.execute(text("SELECT 1"))).scalar_one())

        assert await asyncio.gather(*(one_request() for _ in range(10))) == [1] * 10
        assert database.credentials.reads <= 1 + 10
    finally:
        await database.dispose()


def test_runs_as_root_here() -> None:
    """The fixture starts PostgreSQL as `postgres` because tests run as root on this machine and in CI."""
    assert os.geteuid() == 0 or shutil.which("runuser")
