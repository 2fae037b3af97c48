"""The outbox gauges an operator watches: N events waiting is a backlog of N, the oldest one's age is read
from the injected clock, and publishing observes each event's lag and empties the backlog."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import Table
from structlog.testing import capture_logs

from dwp.contracts.events import CitizenRegistered
from dwp.platform import catalog
from dwp.platform.database import Database, new_metadata
from dwp.platform.outbox import OutboxRelay, outbox_table, record_event
from dwp.platform.settings import Settings


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def outbox(tmp_path: Path) -> AsyncIterator[tuple[Database, Table, str]]:
    # A schema name of this test's own: the gauges are labelled by it, so no other test's events count.
    schema = f"metrics_{uuid.uuid4().hex[:8]}"
    settings = Settings(dwp_data_dir=tmp_path, database_url=None)
    metadata = new_metadata()
    table = outbox_table(metadata)
    database = Database(settings, schema)
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield database, table, schema
    await database.dispose()


def gauge(name: str, service: str) -> float | None:
    return REGISTRY.get_sample_value(name, {"service": service})


async def add_events(database: Database, table: Table, count: int) -> None:
    async with database.transaction() as connection:
        for _ in range(count):
            event = CitizenRegistered(
                citizen_id=str(uuid.uuid4()), preferred_language="en", contact_by=["email"]
            )
            await record_event(connection, table, topic=catalog.CITIZEN_EVENTS_TOPIC, event=event, source="t")


async def test_backlog_gauge_counts_the_waiting_events_and_the_oldest_age(outbox) -> None:
    database, table, service = outbox
    clock = Clock()
    relay = OutboxRelay(database, table, Settings(), clock=clock)
    assert await relay.measure_backlog() == (0, 0.0)
    assert gauge("dwp_outbox_backlog", service) == 0

    await add_events(database, table, 7)
    clock.now = datetime.now(UTC) + timedelta(minutes=10)
    with capture_logs() as logs:
        count, age = await relay.measure_backlog()
    assert count == 7
    assert gauge("dwp_outbox_backlog", service) == 7
    assert 599 < age <= 600 + 60  # the events were written moments before "now" went 10 minutes on
    assert gauge("dwp_outbox_oldest_age_seconds", service) == pytest.approx(age)
    # The first measurement after a minute is logged (for the CloudWatch metric filter), not every one.
    assert [line["backlog"] for line in logs if line["event"] == "outbox.backlog"] == [7]
    with capture_logs() as logs:
        await relay.measure_backlog()
    assert not [line for line in logs if line["event"] == "outbox.backlog"]


async def test_publishing_records_the_lag_and_empties_the_backlog(outbox, monkeypatch) -> None:
    database, table, service = outbox
    clock = Clock()
    relay = OutboxRelay(database, table, Settings(dwp_outbox_await_bootstrap=False), clock=clock)
    sent: list[str] = []
    monkeypatch.setattr(
        "dwp.platform.outbox.aws.publish", lambda _settings, topic, envelope, event_type: sent.append(topic)
    )
    await add_events(database, table, 3)
    clock.now = datetime.now(UTC) + timedelta(seconds=30)
    assert await relay.publish_pending() == 3
    assert len(sent) == 3
    assert gauge("dwp_outbox_publish_lag_seconds_count", service) == 3
    lag_sum = gauge("dwp_outbox_publish_lag_seconds_sum", service)
    assert lag_sum is not None
    assert 3 * 29 < lag_sum <= 3 * 90
    assert await relay.measure_backlog() == (0, 0.0)
    assert gauge("dwp_outbox_backlog", service) == 0
    assert gauge("dwp_outbox_oldest_age_seconds", service) == 0
