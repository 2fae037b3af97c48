"""What a benchmark of one service's use cases (no HTTP) starts with: a fresh embedded AWS endpoint, a
data folder of its own, the service's database migrated (PostgreSQL when `DATABASE_URL` is set, else
SQLite), stopped and removed again at the end."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from tests.servers import free_port

from dwp.platform.aws import bootstrap
from dwp.platform.database import Database
from dwp.platform.embedded_aws import EmbeddedAws
from dwp.platform.migrations import upgrade
from dwp.platform.settings import Settings


@asynccontextmanager
async def migrated(service: str) -> AsyncIterator[tuple[Settings, Database]]:
    server = EmbeddedAws(port=free_port()).start()
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            settings = Settings(
                dwp_env="test",
                dwp_data_dir=Path(data_dir),
                aws_endpoint_url=server.url,
                database_url=os.environ.get("DATABASE_URL") or None,
                redis_url=None,
            )
            bootstrap(settings)
            await asyncio.to_thread(upgrade, service, settings)
            database = Database(settings, service)
            try:
                yield settings, database
            finally:
                await database.dispose()
    finally:
        server.stop()
