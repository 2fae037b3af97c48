"""Transactional outbox: an event is written to the service's own `outbox` table in the same transaction
as the change it describes, and a relay publishes it to SNS afterwards. If SNS is down the event waits
in the table and the relay tries again, so nothing a citizen submitted is lost."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    Row,
    Select,
    String,
    Table,
    Text,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from dwp.contracts.events import Event, EventEnvelope
from dwp.platform import aws
from dwp.platform.database import Database
from dwp.platform.settings import Settings

log = structlog.get_logger("outbox")


def outbox_table(metadata: MetaData) -> Table:
    """Add the outbox table to a service's own metadata (and so to its migrations)."""
    return Table(
        "outbox",
        metadata,
        Column("event_id", String(36), primary_key=True),
        Column("topic", String(128), nullable=False),
        Column("event_type", String(128), nullable=False),
        Column("envelope", Text, nullable=False),
        Column("occurred_at", DateTime(timezone=True), nullable=False),
        Column("published_at", DateTime(timezone=True), nullable=True),
        Column("attempts", Integer, nullable=False, default=0),
        Column("last_error", Text, nullable=True),
        Index("ix_outbox_unpublished", "published_at", "occurred_at"),
    )


async def record_event(
    session: AsyncConnection, table: Table, *, topic: str, event: Event, source: str
) -> str:
    """Queue `event` for publishing as part of the caller's transaction; returns its event id."""
    envelope = EventEnvelope.wrap(event, source=source)
    await session.execute(
        table.insert().values(
            event_id=envelope.event_id,
            topic=topic,
            event_type=envelope.event_type,
            envelope=envelope.model_dump_json(),
            occurred_at=envelope.occurred_at,
            attempts=0,
        )
    )
    return envelope.event_id


class OutboxRelay:
    """Publishes waiting events in the order they happened; runs as a background task in the service."""

    def __init__(self, database: Database, table: Table, settings: Settings, *, batch_size: int = 50) -> None:
        self._db = database
        self._table = table
        self._settings = settings
        self._batch = batch_size
        self._topic_arns: dict[str, str] = {}

    async def publish_pending(self) -> int:
        """One pass: publish what is waiting, stop at the first failure (order matters). Returns how many."""
        if self._db.is_postgres:
            # Several replicas may run relays: rows locked here (SKIP LOCKED) go to this one alone. Row
            # locks do not stop new events being written while SNS answers.
            async with self._db.transaction() as connection:
                rows = (await connection.execute(self._waiting().with_for_update(skip_locked=True))).all()
                published, failure = await self._publish_in_order(rows)
                await self._record(connection, published, failure)
        else:
            # SQLite has one writer: hold no transaction while SNS is slow or down, or every request that
            # writes would wait for it.
            async with self._db.read() as connection:
                rows = (await connection.execute(self._waiting())).all()
            published, failure = await self._publish_in_order(rows)
            async with self._db.transaction() as connection:
                await self._record(connection, published, failure)
        if published:
            log.info("outbox.published", count=len(published))
        return len(published)

    def _waiting(self) -> Select[Any]:
        columns = self._table.c
        return (
            select(columns.event_id, columns.topic, columns.event_type, columns.envelope)
            .where(columns.published_at.is_(None))
            .order_by(columns.occurred_at)
            .limit(self._batch)
        )

    async def _publish_in_order(self, rows: Sequence[Row[Any]]) -> tuple[list[str], tuple[str, str] | None]:
        published: list[str] = []
        for row in rows:
            try:
                await asyncio.to_thread(self._publish, row.topic, row.event_type, row.envelope)
            except Exception as exc:
                log.warning("outbox.publish_failed", event_id=row.event_id, error=type(exc).__name__)
                return published, (row.event_id, f"{type(exc).__name__}: {exc}"[:500])
            published.append(row.event_id)
        return published, None

    async def _record(
        self, connection: AsyncConnection, published: list[str], failure: tuple[str, str] | None
    ) -> None:
        columns = self._table.c
        if published:
            await connection.execute(
                update(self._table)
                .where(columns.event_id.in_(published))
                .values(published_at=datetime.now(UTC), attempts=columns.attempts + 1)
            )
        if failure:
            await connection.execute(
                update(self._table)
                .where(columns.event_id == failure[0])
                .values(attempts=columns.attempts + 1, last_error=failure[1])
            )

    def _publish(self, topic: str, event_type: str, envelope: str) -> None:
        arn = self._topic_arns.get(topic)
        if arn is None:
            arn = self._topic_arns[topic] = aws.topic_arn(self._settings, topic)
        aws.client("sns", self._settings).publish(
            TopicArn=arn,
            Message=envelope,
            MessageAttributes={"event_type": {"DataType": "String", "StringValue": event_type}},
        )

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set; a failing pass backs off, up to 30 s between tries."""
        delay = self._settings.dwp_outbox_interval_seconds
        while not stop.is_set():
            try:
                await self.publish_pending()
                delay = self._settings.dwp_outbox_interval_seconds
            except Exception as exc:  # the database may be down too; keep the relay alive
                log.warning("outbox.pass_failed", error=type(exc).__name__)
                delay = min(delay * 2, 30.0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay)

    async def pending_count(self) -> int:
        from sqlalchemy import func

        async with self._db.read() as session:
            query = select(func.count()).select_from(self._table).where(self._table.c.published_at.is_(None))
            return int((await session.execute(query)).scalar_one())


def loads(envelope: str) -> EventEnvelope:
    return EventEnvelope.model_validate(json.loads(envelope))


@asynccontextmanager
async def database_with_outbox(
    app: Any, settings: Settings, schema: str, table: Table
) -> AsyncIterator[Database]:
    """A service's database for the life of its app, with its outbox relay running beside it and the
    database in the readiness checks; the relay stops and the pool closes when the app stops."""
    database = Database(settings, schema)
    relay = OutboxRelay(database, table, settings)
    app.state.outbox_relay = relay
    app.state.readiness["database"] = database.ping
    stop = asyncio.Event()
    relay_task = asyncio.create_task(relay.run(stop), name="outbox-relay")
    try:
        yield database
    finally:
        stop.set()
        await relay_task
        await database.dispose()
