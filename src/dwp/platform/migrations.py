"""Alembic, one migration history per service, run programmatically by `dwp migrate` and `dwp up`.

Each service's `migrations/env.py` calls `run_env(metadata)`; on PostgreSQL the schema is created
first and holds the service's own `alembic_version` table.
"""

from __future__ import annotations

import asyncio
from importlib import resources
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection

from dwp.platform.database import Database
from dwp.platform.settings import Settings, get_settings


def alembic_config(service: str, settings: Settings | None = None) -> Config:
    settings = settings or get_settings()
    config = Config()
    config.set_main_option("script_location", str(resources.files(f"dwp.{service}") / "migrations"))
    config.attributes["settings"] = settings
    config.attributes["schema"] = service
    return config


def upgrade(service: str, settings: Settings | None = None, revision: str = "head") -> None:
    """Bring one service's tables up to `revision`. Safe to run again: Alembic records where it is."""
    command.upgrade(alembic_config(service, settings), revision)


def downgrade(service: str, settings: Settings | None = None, revision: str = "base") -> None:
    command.downgrade(alembic_config(service, settings), revision)


def run_env(metadata: MetaData) -> None:
    """The body of every service's `env.py`."""
    config = context.config
    settings: Settings = config.attributes.get("settings") or get_settings()
    schema: str = config.attributes["schema"]
    asyncio.run(_run_online(settings, schema, metadata))


async def _run_online(settings: Settings, schema: str, metadata: MetaData) -> None:
    database = Database(settings, schema, pool_size=1, max_overflow=1)
    try:
        if database.is_postgres:
            async with database.engine.begin() as connection:
                await connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        async with database.engine.begin() as connection:
            await connection.run_sync(_migrate, metadata, schema if database.is_postgres else None)
    finally:
        await database.dispose()


def _migrate(connection: Connection, metadata: MetaData, schema: str | None) -> None:
    options: dict[str, Any] = {"connection": connection, "target_metadata": metadata}
    if schema:
        options["version_table_schema"] = schema
    else:
        options["render_as_batch"] = True  # SQLite alters tables by copying them
    context.configure(**options)
    with context.begin_transaction():
        context.run_migrations()
