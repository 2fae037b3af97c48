"""Async SQLAlchemy 2 Core for every service: a SQLite file per service by default, PostgreSQL when
`DATABASE_URL` is set, where each service lives in its own schema (DESIGN.md section 4).

Tables are declared without a schema; on PostgreSQL the connection's `search_path` puts them in the
service's schema, so the same table definitions and migrations serve both databases.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import MetaData, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext import asyncio as sqlalchemy_asyncio
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from dwp.platform.settings import Settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    """Each service's own metadata, with constraint names that Alembic can rely on."""
    return MetaData(naming_convention=NAMING_CONVENTION)


def database_url(settings: Settings, schema: str) -> URL:
    if settings.database_url:
        return make_url(settings.database_url)
    settings.dwp_data_dir.mkdir(parents=True, exist_ok=True)
    return make_url(f"sqlite+aiosqlite:///{settings.dwp_data_dir / f'{schema}.db'}")


class Database:
    """One service's connection to its own tables."""

    def __init__(self, settings: Settings, schema: str, *, pool_size: int = 10) -> None:
        self.url = database_url(settings, schema)
        self.schema = schema
        self.is_postgres = self.url.get_backend_name() == "postgresql"
        self.engine = self._create_engine(pool_size)

    def _create_engine(self, pool_size: int) -> AsyncEngine:
        # Looked up through the module at call time so that OpenTelemetry's wrapper of it applies.
        if self.is_postgres:
            engine = sqlalchemy_asyncio.create_async_engine(
                self.url,
                pool_size=pool_size,
                max_overflow=pool_size,
                # No pre-ping: it costs a round trip per request. A connection that died is
                # invalidated on its first failed use (a 503 for that request) and replaced.
                pool_recycle=300,
                pool_timeout=5,
                connect_args={
                    "timeout": 3,
                    "command_timeout": 10,
                    "server_settings": {"search_path": self.schema, "application_name": f"dwp-{self.schema}"},
                },
            )
        else:
            engine = sqlalchemy_asyncio.create_async_engine(self.url, connect_args={"timeout": 5})
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A unit of work: everything inside commits together or not at all."""
        async with self.engine.begin() as connection:
            yield connection

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads, outside any unit of work."""
        async with self.engine.connect() as connection:
            if self.is_postgres:
                # A read needs no BEGIN and no ROLLBACK: two round trips saved (measured: 600 -> 440 us of
                # CPU for a profile read). On SQLite switching the mode costs more than it saves.
                await connection.execution_options(isolation_level="AUTOCOMMIT")
            yield connection

    async def ping(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    # WAL lets the outbox relay read while a request writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
