"""Async SQLAlchemy 2 Core for every service: a SQLite file per service by default, PostgreSQL when
`DATABASE_URL` is set, where each service lives in its own schema (DESIGN.md section 4).

Tables are declared without a schema; on PostgreSQL the connection's `search_path` puts them in the
service's schema, so the same table definitions and migrations serve both databases.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import structlog
from sqlalchemy import MetaData, Table, event, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
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


def conflict_insert(connection: AsyncConnection, table: Table) -> Any:
    """An INSERT that can say ON CONFLICT (DO NOTHING / DO UPDATE) in this connection's dialect, SQLite
    and PostgreSQL alike: two writers of one key at the same moment then wait on the unique key rather
    than one failing, which a read-then-insert cannot promise."""
    if connection.dialect.name == "postgresql":
        return postgresql_insert(table)
    return sqlite_insert(table)


def database_url(settings: Settings, schema: str) -> URL:
    if settings.database_url:
        return make_url(settings.database_url)
    settings.dwp_data_dir.mkdir(parents=True, exist_ok=True)
    return make_url(f"sqlite+aiosqlite:///{settings.dwp_data_dir / f'{schema}.db'}")


AUTH_REFUSED_SQLSTATE = "28P01"
"""PostgreSQL's SQLSTATE for a refused password (invalid_password)."""


class SecretCredentials:
    """The database's username and password from a Secrets Manager secret (the JSON that RDS and its
    rotation Lambda keep: `{"username": ..., "password": ...}`), read when first needed and again when
    the database refuses them, so that a rotation is picked up by the next new connection.

    Connections already open keep working through a rotation (PostgreSQL checks a password only when a
    session starts); only new ones need the new password.
    """

    def __init__(self, settings: Settings, secret_id: str) -> None:
        self._settings = settings
        self._secret_id = secret_id
        self._lock = threading.Lock()
        self._value: tuple[str, str] | None = None
        self.reads = 0
        """How many times the secret was read (for tests and metrics)."""

    def current(self) -> tuple[str, str]:
        """The credentials, read from Secrets Manager if they never were (blocking: call `load` first
        from async code)."""
        with self._lock:
            if self._value is None:
                self._value = self._read()
            return self._value

    async def load(self) -> None:
        if self._value is None:
            await asyncio.to_thread(self.current)

    async def refresh(self) -> None:
        def reread() -> None:
            with self._lock:
                self._value = self._read()

        await asyncio.to_thread(reread)

    def _read(self) -> tuple[str, str]:
        from dwp.platform.aws import client

        secret = client("secretsmanager", self._settings).get_secret_value(SecretId=self._secret_id)
        document = json.loads(secret["SecretString"])
        self.reads += 1
        return str(document["username"]), str(document["password"])


def _is_refused_password(error: BaseException) -> bool:
    # asyncpg's own error on connect, or SQLAlchemy's wrapper of it: the SQLSTATE tells, not the class.
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if getattr(cause, "sqlstate", None) == AUTH_REFUSED_SQLSTATE:
            return True
        cause = getattr(cause, "orig", None) or cause.__cause__
    return False


class Database:
    """One service's connection to its own tables (and to a read replica of them, when there is one).

    `read(stale_ok=True)` is for reads that may lag the primary by the replica's delay (the brief's "read
    replicas for read-heavy workloads": caseworker queues, lists, searches, reports); every other read,
    and above all one that follows the caller's own write, stays on the primary.
    """

    def __init__(
        self, settings: Settings, schema: str, *, pool_size: int = 20, max_overflow: int = 0
    ) -> None:
        self.url = database_url(settings, schema)
        self.schema = schema
        self.is_postgres = self.url.get_backend_name() == "postgresql"
        self.credentials = (
            SecretCredentials(settings, settings.db_secret_arn)
            if self.is_postgres and settings.db_secret_arn
            else None
        )
        self.engine = self._create_engine(self.url, pool_size, max_overflow)
        self.replica: AsyncEngine | None = None
        if self.is_postgres and settings.database_read_url:
            self.replica = self._create_engine(make_url(settings.database_read_url), pool_size, max_overflow)
        for engine in (self.engine, self.replica):
            if engine is not None and self.credentials is not None:
                event.listen(engine.sync_engine, "do_connect", self._use_current_credentials)
        self._log = structlog.get_logger("database")

    def _use_current_credentials(
        self, _dialect: Any, _record: Any, _args: Any, params: dict[str, Any]
    ) -> None:
        assert self.credentials is not None
        params["user"], params["password"] = self.credentials.current()

    async def _open(self, engine: AsyncEngine) -> AsyncConnection:
        """A connection from the pool; with rotating credentials, a refused password is re-read once."""
        if self.credentials is None:
            return await engine.connect()
        await self.credentials.load()
        try:
            return await engine.connect()
        except Exception as error:
            if not _is_refused_password(error):
                raise
            await self.credentials.refresh()
            return await engine.connect()

    async def _open_for_read(self, stale_ok: bool) -> AsyncConnection:
        if not (stale_ok and self.replica is not None):
            return await self._open(self.engine)
        try:
            return await self._open(self.replica)
        except Exception as error:
            from dwp.platform.problems import means_unavailable

            if not means_unavailable(error):
                raise
            # A replica that cannot serve is no reason to refuse a read the primary can answer.
            self._log.warning("replica_unavailable", schema=self.schema, error=type(error).__name__)
            return await self._open(self.engine)

    @asynccontextmanager
    async def _connection(
        self, *, stale_ok: bool = False, for_read: bool = False
    ) -> AsyncIterator[AsyncConnection]:
        connection = await (self._open_for_read(stale_ok) if for_read else self._open(self.engine))
        try:
            yield connection
        finally:
            await connection.close()

    def _create_engine(self, url: URL, pool_size: int, max_overflow: int) -> AsyncEngine:
        # Looked up through the module at call time so that OpenTelemetry's wrapper of it applies.
        if self.is_postgres:
            engine = sqlalchemy_asyncio.create_async_engine(
                url,
                # Every connection the pool may open is kept (no overflow by default): an overflow
                # connection is closed when it is checked in to a full pool, so under a steady 32
                # requests at once a pool of 10 + 10 overflow opened and closed connections all the
                # time, and a request that waited for a new PostgreSQL session (a backend started,
                # authenticated, its type codecs read) took 2.4 s at a load of 17 (docs/performance.md).
                # Past `pool_size` requests at once a request waits in line for a connection, up to
                # `pool_timeout`; then it is a 503 with Retry-After (the pool's TimeoutError).
                pool_size=pool_size,
                max_overflow=max_overflow,
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
            engine = sqlalchemy_asyncio.create_async_engine(url, connect_args={"timeout": 5})
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A unit of work: everything inside commits together or not at all."""
        async with self._connection() as connection, connection.begin():
            yield connection

    @asynccontextmanager
    async def read(self, *, stale_ok: bool = False) -> AsyncIterator[AsyncConnection]:
        """A connection for reads, outside any unit of work; on the replica when `stale_ok` and there is
        one (the primary if the replica cannot serve)."""
        async with self._connection(stale_ok=stale_ok, for_read=True) as connection:
            if self.is_postgres:
                # A read needs no BEGIN and no ROLLBACK: two round trips saved (measured: 600 -> 440 us of
                # CPU for a profile read). On SQLite switching the mode costs more than it saves.
                await connection.execution_options(isolation_level="AUTOCOMMIT")
            yield connection

    async def ping(self) -> None:
        async with self._connection() as connection:
            await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.replica is not None:
            await self.replica.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    # WAL lets the outbox relay read while a request writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
