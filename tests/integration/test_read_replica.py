"""Reads that may be a little stale go to the read replica (DATABASE_READ_URL); the rest to the primary.

The stand-in replica is a second PostgreSQL database that this test fills itself with the same table:
a row present on the primary and absent on the stand-in is what replication lag looks like, so each
read shows which database answered it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, select, text
from sqlalchemy.engine import make_url

from dwp.platform.database import Database
from dwp.platform.uow import SqlUnitOfWorkFactory
from tests.conftest import IN_CI, _admin

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

SCHEMA = "replica_test"
metadata = MetaData()
rows = Table("rows", metadata, Column("id", Integer, primary_key=True), Column("note", String(40)))
outbox = Table("outbox", MetaData(), Column("id", String(40), primary_key=True))


async def _fill(url: str, notes: list[str]) -> None:
    database = _database_for(url)
    async with database.transaction() as connection:
        await connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
        await connection.run_sync(metadata.create_all)
        for n, note in enumerate(notes, start=1):
            await connection.execute(rows.insert().values(id=n, note=note))
    await database.dispose()


def _database_for(url: str) -> Database:
    from dwp.platform.settings import Settings

    return Database(Settings(database_url=url, database_read_url=None), SCHEMA)


@pytest.fixture
async def primary_and_replica(postgres_url: str | None, make_settings: Any) -> AsyncIterator[Database]:
    if postgres_url is None:
        if IN_CI:
            pytest.fail("DATABASE_URL must be set under CI")
        pytest.skip("needs PostgreSQL (DATABASE_URL)")
    base = make_url(postgres_url)
    replica_name = f"{base.database}_replica_{uuid.uuid4().hex[:6]}"
    await _admin(base, f'CREATE DATABASE "{replica_name}"')
    replica_url = base.set(database=replica_name).render_as_string(hide_password=False)
    try:
        await _admin(base, f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        await _fill(postgres_url, ["written before", "written just now"])
        await _fill(replica_url, ["written before"])  # the replica has not caught up with the last write
        database = Database(make_settings(database_url=postgres_url, database_read_url=replica_url), SCHEMA)
        yield database
        await database.dispose()
    finally:
        await _admin(base, f'DROP DATABASE IF EXISTS "{replica_name}" WITH (FORCE)')


async def _notes(connection: Any) -> list[str]:
    return list((await connection.execute(select(rows.c.note).order_by(rows.c.id))).scalars())


async def test_stale_ok_reads_go_to_the_replica_and_the_rest_to_the_primary(
    primary_and_replica: Database,
) -> None:
    database = primary_and_replica
    async with database.read(stale_ok=True) as connection:
        assert await _notes(connection) == ["written before"], "the replica answered"
    async with database.read() as connection:
        assert await _notes(connection) == ["written before", "written just now"], "the primary answered"
    async with database.transaction() as connection:
        assert await _notes(connection) == ["written before", "written just now"]


async def test_a_read_after_ones_own_write_reads_the_primary(primary_and_replica: Database) -> None:
    uow = SqlUnitOfWorkFactory(
        primary_and_replica, lambda connection: connection, outbox_table=outbox, source="t"
    )
    async with uow() as work:
        await work.repository.execute(rows.insert().values(id=3, note="mine"))
    async with uow(read_only=True) as work:  # read-your-writes: the default
        assert (await _notes(work.repository))[-1] == "mine"
    async with uow(read_only=True, stale_ok=True) as work:  # a queue or a report may lag
        assert "mine" not in await _notes(work.repository)
    with pytest.raises(ValueError, match="read-only"):
        uow(stale_ok=True)


async def test_a_replica_that_cannot_serve_falls_back_to_the_primary(
    postgres_url: str | None, make_settings: Any
) -> None:
    if postgres_url is None:
        if IN_CI:
            pytest.fail("DATABASE_URL must be set under CI")
        pytest.skip("needs PostgreSQL (DATABASE_URL)")
    closed = make_url(postgres_url).set(host="127.0.0.1", port=1).render_as_string(hide_password=False)
    database = Database(make_settings(database_url=postgres_url, database_read_url=closed), SCHEMA)
    try:
        async with database.read(stale_ok=True) as connection:
            assert (await connection.execute(text("SELECT 1"))).scalar_one() == 1
    finally:
        await database.dispose()
