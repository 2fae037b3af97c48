"""Transactional outbox: an event is written to the service's own `outbox` table in the same transaction
as the change it describes, and a relay publishes it to SNS afterwards. If SNS is down the event waits
in the table and the relay tries it again later, so nothing a citizen submitted is lost.

The relay never creates an AWS resource: it publishes to the topic ARNs that settings give (or that follow
from account and region), and SNS refuses a topic that does not exist, so the event waits. On the
embedded endpoint it also waits for bootstrap's completion marker, since a topic made there without its
subscriptions would accept events and drop them. An event is marked published only when SNS accepted it
for a topic that exists (and, on the embedded endpoint, whose subscriptions exist).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from prometheus_client import Gauge, Histogram
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
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from dwp.contracts.events import Event, EventEnvelope
from dwp.platform import aws
from dwp.platform.database import Database
from dwp.platform.settings import Settings

log = structlog.get_logger("outbox")

Clock = Callable[[], datetime]

# What an operator watches (docs/runbook.md, "Outbox backlog growing"): how many events wait, how long the
# oldest has waited, and how long events take from their transaction to SNS. Labelled by service only.
BACKLOG = Gauge("dwp_outbox_backlog", "Events in the outbox not yet published", ["service"])
OLDEST_AGE = Gauge(
    "dwp_outbox_oldest_age_seconds", "Age of the oldest event not yet published (0 when none)", ["service"]
)
PUBLISH_LAG = Histogram(
    "dwp_outbox_publish_lag_seconds",
    "Time from an event's transaction to SNS accepting it",
    ["service"],
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600),
)
BACKLOG_LOG_SECONDS = 60.0
"""How often the relay writes its backlog as a log line (`outbox.backlog`), which CloudWatch's metric
filters turn into the OutboxOldestAgeSeconds metric the outbox alarm watches."""


def utc_now() -> datetime:
    return datetime.now(UTC)


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
        # When the relay may try a failed event again (its own backoff); NULL means now.
        Column("next_attempt_at", DateTime(timezone=True), nullable=True),
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


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with jitter for one event: after the n-th failed attempt, wait between half and
    all of `min(cap, base * 2**(n-1))`. The jitter spreads replicas' and events' retries apart; the
    lower half keeps the growth, so an outage costs a few attempts per event, not one per poll."""

    base_seconds: float = 1.0
    cap_seconds: float = 60.0

    def delay(self, attempts: int, rng: random.Random) -> timedelta:
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** max(attempts - 1, 0))
        return timedelta(seconds=ceiling * rng.uniform(0.5, 1.0))


class _Outage:
    """Says once that something is failing and once that it works again, instead of once per try."""

    def __init__(self, event: str, recovered: str, clock: Clock) -> None:
        self._event, self._recovered, self._clock = event, recovered, clock
        self.since: datetime | None = None
        self.failures = 0

    def failed(self, **details: Any) -> None:
        self.failures += 1
        if self.since is None:
            self.since = self._clock()
            log.warning(self._event, **details)

    def succeeded(self, **details: Any) -> bool:
        """Returns whether this ended an outage."""
        if self.since is None:
            return False
        seconds = round((self._clock() - self.since).total_seconds(), 3)
        log.info(self._recovered, outage_seconds=seconds, failed_attempts=self.failures, **details)
        self.since, self.failures = None, 0
        return True


class OutboxRelay:
    """Publishes waiting events in the order they happened; runs as a background task in the service."""

    def __init__(
        self,
        database: Database,
        table: Table,
        settings: Settings,
        *,
        batch_size: int = 50,
        clock: Clock = utc_now,
        rng: random.Random | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        self._db = database
        self._table = table
        self._settings = settings
        self._batch = batch_size
        self._clock = clock
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not a secret
        self._backoff = backoff or Backoff()
        self._publishing = _Outage("outbox.publish_unavailable", "outbox.publish_recovered", clock)
        self._passes = _Outage("outbox.pass_failed", "outbox.pass_recovered", clock)
        self._awaiting_bootstrap = False
        self._service = database.schema
        self._backlog_logged_at: datetime | None = None

    async def publish_pending(self) -> int:
        """One pass: publish the events that are due, in order, and stop at the first failure (SNS is
        probably down; the rest wait their turn). Returns how many were published."""
        now = self._clock()
        if self._db.is_postgres:
            # Several replicas may run relays: rows locked here (SKIP LOCKED) go to this one alone. Row
            # locks do not stop new events being written while SNS answers.
            async with self._db.transaction() as connection:
                rows = (await connection.execute(self._due(now).with_for_update(skip_locked=True))).all()
                published, failure = await self._publish_in_order(rows)
                await self._record(connection, rows, published, failure, now)
        else:
            # SQLite has one writer: hold no transaction while SNS is slow or down, or every request that
            # writes would wait for it.
            async with self._db.read() as connection:
                rows = (await connection.execute(self._due(now))).all()
            published, failure = await self._publish_in_order(rows)
            if published or failure:
                async with self._db.transaction() as connection:
                    await self._record(connection, rows, published, failure, now)
        if published:
            occurred = {row.event_id: row.occurred_at for row in rows}
            for event_id in published:
                PUBLISH_LAG.labels(self._service).observe(_seconds_between(occurred[event_id], now))
            log.info("outbox.published", count=len(published))
            if self._publishing.succeeded():
                await self._retry_all_now(now)
        return len(published)

    def _due(self, now: datetime) -> Select[Any]:
        columns = self._table.c
        return (
            select(
                columns.event_id,
                columns.topic,
                columns.event_type,
                columns.envelope,
                columns.attempts,
                columns.occurred_at,
            )
            .where(
                columns.published_at.is_(None),
                or_(columns.next_attempt_at.is_(None), columns.next_attempt_at <= now),
            )
            .order_by(columns.occurred_at)
            .limit(self._batch)
        )

    async def _publish_in_order(self, rows: Sequence[Row[Any]]) -> tuple[list[str], tuple[str, str] | None]:
        if not rows:
            return [], None
        try:
            ready, marker = await self._bootstrap_marker()
        except Exception as exc:  # the endpoint is down: as good as a failed publish of the first event
            return [], self._failed(rows[0], exc)
        if not ready:
            return [], None
        published: list[str] = []
        failure: tuple[str, str] | None = None
        for row in rows:
            try:
                await asyncio.to_thread(aws.publish, self._settings, row.topic, row.envelope, row.event_type)
            except Exception as exc:
                failure = self._failed(row, exc)
                break
            published.append(row.event_id)
        if published and marker is not None:
            try:
                same = (await self._bootstrap_marker())[1] == marker
            except Exception as exc:
                return [], self._failed(rows[0], exc)
            if not same:
                # The endpoint restarted while this batch went out: SNS may have taken some of it for
                # topics without subscriptions. Keep them all waiting; sending one twice is safe
                # (consumers' inboxes drop duplicates), losing one is not.
                log.warning("outbox.endpoint_restarted", resent=len(published))
                return [], failure
        return published, failure

    def _failed(self, row: Row[Any], exc: Exception) -> tuple[str, str]:
        error = f"{type(exc).__name__}: {exc}"[:500]
        self._publishing.failed(event_id=row.event_id, topic=row.topic, error=error)
        return row.event_id, error

    async def _bootstrap_marker(self) -> tuple[bool, str | None]:
        """Whether the relay may publish, and the marker it saw (None when it does not wait for one)."""
        if not self._settings.outbox_awaits_bootstrap:
            return True, None
        marker = await asyncio.to_thread(aws.bootstrap_marker, self._settings)
        if marker is None:
            if not self._awaiting_bootstrap:
                log.warning("outbox.awaiting_bootstrap", marker=aws.BOOTSTRAP_MARKER)
            self._awaiting_bootstrap = True
            return False, None
        if self._awaiting_bootstrap:
            log.info("outbox.bootstrap_found", marker=aws.BOOTSTRAP_MARKER)
            self._awaiting_bootstrap = False
        return True, marker

    async def _record(
        self,
        connection: AsyncConnection,
        rows: Sequence[Row[Any]],
        published: list[str],
        failure: tuple[str, str] | None,
        now: datetime,
    ) -> None:
        columns = self._table.c
        if published:
            await connection.execute(
                update(self._table)
                .where(columns.event_id.in_(published))
                .values(
                    published_at=now,
                    attempts=columns.attempts + 1,
                    next_attempt_at=None,
                    last_error=None,
                )
            )
        if failure:
            event_id, error = failure
            attempts = 1 + next(row.attempts for row in rows if row.event_id == event_id)
            await connection.execute(
                update(self._table)
                .where(columns.event_id == event_id)
                .values(
                    attempts=attempts,
                    last_error=error,
                    next_attempt_at=now + self._backoff.delay(attempts, self._rng),
                )
            )

    async def _retry_all_now(self, now: datetime) -> None:
        """After an outage, the events still backing off are due at once, so the backlog goes out in order
        rather than as each one's backoff ends."""
        columns = self._table.c
        backing_off = select(columns.event_id).where(
            columns.published_at.is_(None), columns.next_attempt_at > now
        )
        if self._db.is_postgres:
            # Rows another replica holds are its own business; waiting for them could deadlock.
            backing_off = backing_off.with_for_update(skip_locked=True)
        async with self._db.transaction() as connection:
            await connection.execute(
                update(self._table).where(columns.event_id.in_(backing_off)).values(next_attempt_at=None)
            )

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set. A pass that fails as a whole (the database or the endpoint is down)
        backs the relay off, up to 30 s between passes; an event that fails backs off on its own."""
        delay = self._settings.dwp_outbox_interval_seconds
        while not stop.is_set():
            try:
                await self.publish_pending()
                await self.measure_backlog()
                self._passes.succeeded()
                delay = self._settings.dwp_outbox_interval_seconds
            except Exception as exc:  # keep the relay alive whatever fails
                self._passes.failed(error=f"{type(exc).__name__}: {exc}"[:300])
                delay = min(delay * 2, 30.0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay)

    async def measure_backlog(self) -> tuple[int, float]:
        """Set the backlog gauges from one query (a count and a minimum over the unpublished-events
        index), and once a minute log them; returns (events waiting, age of the oldest in seconds)."""
        columns = self._table.c
        query = select(func.count(), func.min(columns.occurred_at)).where(columns.published_at.is_(None))
        async with self._db.read() as connection:
            count, oldest = (await connection.execute(query)).one()
        now = self._clock()
        age = _seconds_between(oldest, now) if oldest is not None else 0.0
        BACKLOG.labels(self._service).set(count)
        OLDEST_AGE.labels(self._service).set(age)
        last = self._backlog_logged_at
        if last is None or (now - last).total_seconds() >= BACKLOG_LOG_SECONDS:
            self._backlog_logged_at = now
            log.info("outbox.backlog", backlog=int(count), oldest_age_seconds=round(age, 3))
        return int(count), age

    async def pending_count(self) -> int:
        async with self._db.read() as session:
            query = select(func.count()).select_from(self._table).where(self._table.c.published_at.is_(None))
            return int((await session.execute(query)).scalar_one())


def _seconds_between(earlier: datetime, later: datetime) -> float:
    # SQLite gives timestamps back without their offset; they were written in UTC.
    if earlier.tzinfo is None:
        earlier = earlier.replace(tzinfo=UTC)
    return max(0.0, (later - earlier).total_seconds())


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
