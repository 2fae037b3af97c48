"""Each service's migrations make exactly the tables its code declares, on SQLite and on PostgreSQL, and
come back down cleanly: a column added to a table without its migration fails here."""

from __future__ import annotations

import asyncio
import importlib
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from dwp.platform.database import Database
from dwp.platform.migrations import downgrade, upgrade
from dwp.platform.settings import Settings

pytestmark = pytest.mark.integration


async def _differences(settings: Settings, service: str) -> list[Any]:
    metadata = importlib.import_module(f"dwp.{service}.repository").metadata
    database = Database(settings, service, pool_size=1, max_overflow=1)

    def compare(connection: Any) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    try:
        async with database.engine.connect() as connection:
            return await connection.run_sync(compare)
    finally:
        await database.dispose()


@pytest.mark.parametrize("service", ["citizen", "benefits", "claims", "payments", "integrations", "identity"])
async def test_migrations_match_the_tables_the_code_declares(settings: Settings, service: str) -> None:
    await asyncio.to_thread(upgrade, service, settings)
    assert await _differences(settings, service) == []
    await asyncio.to_thread(downgrade, service, settings, "0001")
    await asyncio.to_thread(upgrade, service, settings)
    assert await _differences(settings, service) == []
