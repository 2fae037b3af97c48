"""Transactional outbox: an event is written to the service's own `outbox` table in the same transaction
as the change it describes, and a relay publishes it to SNS afterwards. If SNS is down the event waits
in the table and the relay tries again, so nothing a citizen submitted is lost."""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import UTC, datetime

import structlog
from sqlalchemy import Column, DateTime, Index, Integer, MetaData, String, Table, Text, select, update
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
        published = 0
        async with self._db.transaction() as session:
            query = (
                select(
                    self._table.c.event_id,
                    self._table.c.topic,
                    self._table.c.event_type,
                    self._table.c.envelope,
                )
                .where(self._table.c.published_at.is_(None))
                .order_by(self._table.c.occurred_at)
                .limit(self._batch)
            )
            if self._db.is_postgres:
                # Several replicas of a service may run relays; each row goes to one of them.
                query = query.with_for_update(skip_locked=True)
            rows = (await session.execute(query)).all()
            for row in rows:
                try:
                    await asyncio.to_thread(self._publish, row.topic, row.event_type, row.envelope)
                except Exception as exc:
                    await session.execute(
                        update(self._table)
                        .where(self._table.c.event_id == row.event_id)
                        .values(
                            attempts=self._table.c.attempts + 1,
                            last_error=f"{type(exc).__name__}: {exc}"[:500],
                        )
                    )
                    log.warning("outbox.publish_failed", event_id=row.event_id, error=type(exc).__name__)
                    break
                await session.execute(
                    update(self._table)
                    .where(self._table.c.event_id == row.event_id)
                    .values(published_at=datetime.now(UTC), attempts=self._table.c.attempts + 1)
                )
                published += 1
        if published:
            log.info("outbox.published", count=published)
        return published

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
