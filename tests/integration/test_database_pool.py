"""More requests at once than the pool has connections: each waits for one, none fails, and the pool keeps
the connections it opened rather than opening (and closing) PostgreSQL sessions burst after burst.

The HTTP baseline failed on PostgreSQL at 32 connections (docs/performance.md): with 10 connections and
10 "overflow" ones, an overflow connection was closed when checked in to a full pool, so a steady 32
requests at once kept starting new PostgreSQL sessions, and a request that waited for one took 2.4 s.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import text

from dwp.platform.database import Database
from tests.conftest import IN_CI

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

AT_ONCE = 32


@pytest.fixture
def postgres_settings(postgres_url: str | None, make_settings: Any) -> Any:
    if postgres_url is None:
        if IN_CI:
            pytest.fail("DATABASE_URL must be set under CI")
        pytest.skip("needs PostgreSQL (DATABASE_URL)")
    return make_settings(database_url=postgres_url)


async def _burst(database: Database, gate: asyncio.Event) -> list[int]:
    """`AT_ONCE` reads started together, each holding its connection until the gate opens (after every
    read has started), so that the pool really is asked for more connections than it has."""
    started = 0

    async def one() -> int:
        nonlocal started
        async with database.read() as connection:
            started += 1
            if started == database.engine.pool.size():  # type: ignore[attr-defined]
                gate.set()  # the pool is exhausted: the rest are waiting for a connection
            await gate.wait()
            return int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())

    return await asyncio.gather(*(one() for _ in range(AT_ONCE)))


async def test_more_reads_at_once_than_connections_all_succeed_on_the_same_sessions(
    postgres_settings: Any,
) -> None:
    database = Database(postgres_settings, "public")
    try:
        pool_size = database.engine.pool.size()  # type: ignore[attr-defined]
        assert pool_size < AT_ONCE, "the burst must ask for more connections than the pool has"

        first = await _burst(database, asyncio.Event())
        assert len(first) == AT_ONCE, "every read answered, none refused for want of a connection"
        sessions = set(first)
        assert len(sessions) <= pool_size, "no more PostgreSQL sessions than the pool's size"

        second = await _burst(database, asyncio.Event())
        assert len(second) == AT_ONCE
        assert set(second) <= sessions, "the second burst reused the first one's sessions, opened none"
    finally:
        await database.dispose()


async def test_the_single_connection_commands_keep_their_spare(postgres_settings: Any) -> None:
    """The migration runner and the operator commands ask for one connection and one spare (as before)."""
    database = Database(postgres_settings, "public", pool_size=1, max_overflow=1)
    try:
        async with database.read() as first, database.read() as second:
            one = (await first.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            two = (await second.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        assert one != two
    finally:
        await database.dispose()
