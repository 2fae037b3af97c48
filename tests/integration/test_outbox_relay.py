"""The outbox relay against a real (moto) endpoint that restarts: it never creates a topic, it publishes
only after bootstrap has finished, an event is marked published only when a subscribed topic took it,
and when SNS is down each event backs off and the relay says so once."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from sqlalchemy import Table, select, text
from structlog.testing import capture_logs

from dwp.contracts.events import CitizenRegistered
from dwp.platform import aws, catalog
from dwp.platform.database import Database, new_metadata
from dwp.platform.embedded_aws import wait_for_port
from dwp.platform.outbox import Backoff, OutboxRelay, outbox_table, record_event
from dwp.platform.settings import Settings
from tests.conftest import free_port

pytestmark = pytest.mark.integration

TOPIC = catalog.CITIZEN_EVENTS_TOPIC
QUEUE = catalog.NOTIFICATIONS_QUEUE.name


class MotoProcess:
    """A moto server in a process of its own, so that a restart forgets everything as the real endpoint
    does (moto servers in this process share one state, which a restart would keep)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port("127.0.0.1", self.port, timeout=30)
        self._warm_up()

    def _warm_up(self) -> None:
        """moto loads each service's code on its first request, which takes seconds on a loaded machine:
        longer than the platform's client timeouts. Ask each service the platform uses once, patiently,
        reading only (a restarted endpoint must stay empty)."""
        config = Config(connect_timeout=10, read_timeout=120, retries={"max_attempts": 3})
        for service, call in (
            ("sqs", "list_queues"),
            ("sns", "list_topics"),
            ("ssm", "describe_parameters"),
            ("sts", "get_caller_identity"),
            ("dynamodb", "list_tables"),
            ("s3", "list_buckets"),
            ("kms", "list_aliases"),
            ("secretsmanager", "list_secrets"),
        ):
            client = boto3.client(
                service,
                endpoint_url=self.url,
                region_name="eu-west-2",
                config=config,
                **aws.LOCAL_CREDENTIALS,
            )
            getattr(client, call)()

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=60)  # a loaded machine can take a while
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=60)
            self._process = None

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture
def endpoint() -> Iterator[MotoProcess]:
    server = MotoProcess(free_port())
    server.start()
    yield server
    server.stop()


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
async def outbox_db(settings: Settings) -> AsyncIterator[tuple[Database, Table]]:
    """An outbox table in a schema of this test's own (on PostgreSQL the service schemas are shared by the
    session's tests, whose events must not be counted here)."""
    schema = f"outbox_{uuid.uuid4().hex[:8]}"
    metadata = new_metadata()
    table = outbox_table(metadata)
    database = Database(settings, schema)
    async with database.engine.begin() as connection:
        if database.is_postgres:
            await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield database, table
    if database.is_postgres:
        async with database.engine.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await database.dispose()


async def write_events(database: Database, table: Table, count: int) -> list[str]:
    ids = []
    for _ in range(count):
        event = CitizenRegistered(citizen_id=str(uuid.uuid4()), preferred_language="en", contact_by=["email"])
        async with database.transaction() as connection:
            ids.append(await record_event(connection, table, topic=TOPIC, event=event, source="test"))
    return ids


async def rows(database: Database, table: Table) -> dict[str, Any]:
    async with database.read() as connection:
        found = (await connection.execute(select(table))).all()
    return {row.event_id: row for row in found}


def received_ids(settings: Settings) -> set[str]:
    """Every event id waiting in the consumer's queue (read and deleted)."""
    sqs = aws.client("sqs", settings)
    url = aws.queue_url(settings, QUEUE)
    seen: set[str] = set()
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get(
            "Messages", []
        )
        if not messages:
            return seen
        for message in messages:
            seen.add(json.loads(message["Body"])["event_id"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


async def wait_until_received(settings: Settings, wanted: set[str], within: float = 60) -> set[str]:
    """Collect event ids at the consumer until all `wanted` arrived (SQS may deliver in several receives)."""
    got: set[str] = set()
    deadline = asyncio.get_running_loop().time() + within
    while not wanted <= got:
        got |= await asyncio.to_thread(received_ids, settings)
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{len(wanted - got)} of {len(wanted)} events never reached {QUEUE}")
        await asyncio.sleep(0.1)
    return got


async def publish_all(relay: OutboxRelay, clock: FakeClock, count: int) -> None:
    """Passes until `count` events went out: on a loaded machine a call to the endpoint may time out,
    which the relay treats as any failure (the event backs off), so the clock moves past each backoff."""
    published = 0
    for _ in range(20):
        published += await relay.publish_pending()
        if published >= count:
            break
        clock.advance(Backoff().cap_seconds + 1)
    assert published == count


def on(settings: Settings, endpoint: MotoProcess, **overrides: Any) -> Settings:
    return settings.model_copy(update={"aws_endpoint_url": endpoint.url, **overrides})


async def test_after_a_restart_events_wait_for_bootstrap_and_all_reach_their_consumer(
    settings: Settings, endpoint: MotoProcess, outbox_db: tuple[Database, Table]
) -> None:
    database, table = outbox_db
    local = on(settings, endpoint)
    assert local.outbox_awaits_bootstrap
    await asyncio.to_thread(aws.bootstrap, local)
    clock = FakeClock()
    relay = OutboxRelay(database, table, local, clock=clock)
    first = await write_events(database, table, 1)
    await publish_all(relay, clock, 1)
    assert await wait_until_received(local, set(first)) == set(first)

    await asyncio.to_thread(endpoint.restart)  # forgets topics, queues, subscriptions and the marker
    waiting = await write_events(database, table, 5)
    assert await relay.publish_pending() == 0
    # Halfway through a bootstrap the topics exist without their subscriptions: SNS would take the
    # events and drop them, so the relay must still wait for the completion marker.
    sns = aws.client("sns", local)
    for topic in catalog.TOPICS:
        sns.create_topic(Name=topic)
    assert await relay.publish_pending() == 0
    state = await rows(database, table)
    assert all(state[event_id].published_at is None for event_id in waiting)
    assert all(state[event_id].attempts == 0 for event_id in waiting)  # not even tried

    await asyncio.to_thread(aws.bootstrap, local)
    await publish_all(relay, clock, 5)
    assert await wait_until_received(local, set(waiting)) == set(waiting)
    assert all(row.published_at is not None for row in (await rows(database, table)).values())


async def test_a_restart_mid_load_loses_no_event_that_was_still_in_the_outbox(
    settings: Settings, endpoint: MotoProcess, outbox_db: tuple[Database, Table]
) -> None:
    """The running relay, events written all along, the endpoint killed and restarted without bootstrap,
    then bootstrapped. What the dead emulator held in its queues is gone (it keeps nothing; real SQS is
    durable) and is counted apart: only events published before it died can be among them. Every event
    marked published after it died reaches the consumer (none was taken by a topic without its
    subscriptions)."""
    database, table = outbox_db
    local = on(settings, endpoint)
    await asyncio.to_thread(aws.bootstrap, local)
    relay = OutboxRelay(database, table, local)
    collected: set[str] = set()
    written: list[str] = []
    stop = asyncio.Event()

    async def collect() -> None:
        while not stop.is_set():
            with contextlib.suppress(Exception):  # the endpoint is down for a while
                collected.update(await asyncio.to_thread(received_ids, local))
            await asyncio.sleep(0.05)

    async def write(count: int) -> None:
        for _ in range(count):
            written.extend(await write_events(database, table, 1))
            await asyncio.sleep(0.01)

    tasks = [asyncio.create_task(relay.run(stop)), asyncio.create_task(collect())]
    try:
        await write(30)
        await asyncio.to_thread(endpoint.stop)
        died = datetime.now(UTC)
        await write(15)
        await asyncio.to_thread(endpoint.start)  # empty: no queues, topics or marker
        await write(15)
        await asyncio.to_thread(aws.bootstrap, local)
        await write(30)
        deadline = asyncio.get_running_loop().time() + 60
        while await relay.pending_count() or not _delivered_since(
            died, await rows(database, table), collected
        ):
            assert asyncio.get_running_loop().time() < deadline, "the backlog did not drain in 60 s"
            await asyncio.sleep(0.1)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    state = await rows(database, table)
    published_at = {event_id: _aware(row.published_at) for event_id, row in state.items()}
    assert set(published_at) == set(written)
    assert None not in published_at.values()
    lost = set(written) - collected
    held_by_the_dead_emulator = {e for e, at in published_at.items() if at is not None and at < died}
    assert lost <= held_by_the_dead_emulator, "events published after the restart were lost"
    assert len(lost) <= 30  # at most what was written before it died


def _aware(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.replace(tzinfo=UTC)  # SQLite gives it back naive


def _delivered_since(moment: datetime, state: dict[str, Any], collected: set[str]) -> bool:
    return all(e in collected for e, row in state.items() if (_aware(row.published_at) or moment) >= moment)


async def test_a_restart_while_a_batch_goes_out_keeps_the_batch_waiting(
    settings: Settings,
    endpoint: MotoProcess,
    outbox_db: tuple[Database, Table],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    database, table = outbox_db
    local = on(settings, endpoint)
    await asyncio.to_thread(aws.bootstrap, local)
    ids = await write_events(database, table, 3)
    real_publish = aws.publish
    restarted = False

    def publish_then_restart(*args: Any) -> None:
        nonlocal restarted
        real_publish(*args)
        if not restarted:  # the endpoint dies and comes back bootstrapped (a new marker) mid-batch
            endpoint.restart()
            aws.bootstrap(local)
            restarted = True

    clock = FakeClock()
    relay = OutboxRelay(database, table, local, clock=clock)
    monkeypatch.setattr(aws, "publish", publish_then_restart)
    assert await relay.publish_pending() == 0
    assert restarted
    assert all(row.published_at is None for row in (await rows(database, table)).values())
    monkeypatch.setattr(aws, "publish", real_publish)
    await publish_all(relay, clock, 3)
    assert await wait_until_received(local, set(ids)) >= set(ids)


async def test_the_relay_never_creates_a_topic_and_waits_until_infra_has(
    settings: Settings, endpoint: MotoProcess, outbox_db: tuple[Database, Table]
) -> None:
    """As on AWS (no bootstrap marker to wait for): a topic that does not exist refuses the event."""
    database, table = outbox_db
    remote = on(settings, endpoint, dwp_outbox_await_bootstrap=False)
    clock = FakeClock()
    relay = OutboxRelay(database, table, remote, clock=clock)
    ids = await write_events(database, table, 2)
    assert await relay.publish_pending() == 0
    assert aws.client("sns", remote).list_topics()["Topics"] == []
    state = await rows(database, table)
    first, second = state[ids[0]], state[ids[1]]
    assert (first.attempts, first.published_at) == (1, None)
    assert "NotFound" in first.last_error
    assert first.next_attempt_at is not None
    assert second.attempts == 0  # the pass stopped at the first failure

    await asyncio.to_thread(aws.bootstrap, remote)  # stands in for the CDK app's topics and queues
    clock.advance(Backoff().cap_seconds)
    await publish_all(relay, clock, 2)
    assert await wait_until_received(remote, set(ids)) == set(ids)


async def test_with_sns_down_one_events_attempts_back_off(
    settings: Settings, outbox_db: tuple[Database, Table]
) -> None:
    database, table = outbox_db
    down = settings.model_copy(
        update={
            "aws_endpoint_url": f"http://127.0.0.1:{free_port()}",  # nothing listens there
            "dwp_outbox_await_bootstrap": False,
            "dwp_aws_account_id": "123456789012",
        }
    )
    clock = FakeClock()
    backoff = Backoff(base_seconds=1.0, cap_seconds=60.0)
    relay = OutboxRelay(database, table, down, clock=clock, rng=random.Random(7), backoff=backoff)
    await write_events(database, table, 1)
    # Ten simulated minutes polled every half second: 1200 passes; without backoff 1200 attempts.
    times: list[float] = []  # simulated seconds at which the relay tried the event
    for step in range(1200):
        await relay.publish_pending()
        (row,) = (await rows(database, table)).values()
        if row.attempts > len(times):
            times.append(step * 0.5)
        clock.advance(0.5)
    intervals = [later - earlier for earlier, later in itertools.pairwise(times)]
    for attempt, interval in enumerate(intervals, start=1):
        ceiling = min(backoff.cap_seconds, backoff.base_seconds * 2 ** (attempt - 1))
        assert ceiling / 2 <= interval <= ceiling + 0.5, (attempt, intervals)
    # 1, 2, 4, 8, 16, 32 s, then at most a minute apart: about 15 in ten minutes, never one per pass.
    assert 10 <= len(times) <= 25, times


async def test_an_outage_is_logged_once_and_so_is_the_recovery(
    settings: Settings, outbox_db: tuple[Database, Table]
) -> None:
    database, table = outbox_db
    port = free_port()
    down = settings.model_copy(
        update={
            "aws_endpoint_url": f"http://127.0.0.1:{port}",
            "dwp_outbox_await_bootstrap": False,
            "dwp_aws_account_id": "123456789012",
        }
    )
    clock = FakeClock()
    relay = OutboxRelay(database, table, down, clock=clock, rng=random.Random(3))
    ids = await write_events(database, table, 4)
    with capture_logs() as logs:
        for _ in range(40):
            await relay.publish_pending()
            clock.advance(5)
        failed_attempts = sum(row.attempts for row in (await rows(database, table)).values())
        server = MotoProcess(port)
        await asyncio.to_thread(server.start)
        try:
            await asyncio.to_thread(aws.bootstrap, down)
            published = 0
            for _ in range(40):
                published += await relay.publish_pending()
                if published == len(ids):
                    break
                clock.advance(5)
            assert published == len(ids)
            assert await wait_until_received(down, set(ids)) == set(ids)
        finally:
            await asyncio.to_thread(server.stop)
    outbox_logs = [entry for entry in logs if entry["event"].startswith("outbox.publish_")]
    assert failed_attempts > 4  # several tries of each event, each one failed...
    assert [(e["event"], e["log_level"]) for e in outbox_logs] == [
        ("outbox.publish_unavailable", "warning"),  # ...and one warning for the whole outage
        ("outbox.publish_recovered", "info"),
    ]
    assert outbox_logs[1]["failed_attempts"] == failed_attempts


async def test_after_recovery_the_backlog_goes_at_once_not_as_each_backoff_ends(
    settings: Settings, endpoint: MotoProcess, outbox_db: tuple[Database, Table]
) -> None:
    database, table = outbox_db
    remote = on(settings, endpoint, dwp_outbox_await_bootstrap=False)
    clock = FakeClock()
    relay = OutboxRelay(database, table, remote, clock=clock, batch_size=10)
    ids = await write_events(database, table, 3)
    for _ in range(100):  # every event fails at least once while the topic is missing
        await relay.publish_pending()
        clock.advance(1)
        if all(row.attempts >= 1 for row in (await rows(database, table)).values()):
            break
    backing_off = sorted(row.next_attempt_at for row in (await rows(database, table)).values())
    assert backing_off[0] < backing_off[-1]
    await asyncio.to_thread(aws.bootstrap, remote)
    clock.now = backing_off[0].replace(tzinfo=UTC)  # only the first is due
    first = await relay.publish_pending()
    assert 1 <= first < 3  # only what was due went out, and that ended the outage
    # The rest are due at once, without the clock moving on to the end of their own backoffs.
    assert await relay.publish_pending() == 3 - first
    assert await wait_until_received(remote, set(ids)) == set(ids)


async def test_migrations_add_the_backoff_column_to_every_outbox(settings: Settings, tmp_path: Path) -> None:
    """Each service's outbox migrates from its first revision, rows and all, on SQLite and PostgreSQL."""
    from alembic import command

    from dwp.platform.migrations import alembic_config

    for service in ("citizen", "benefits"):
        schema = f"{service}_m{uuid.uuid4().hex[:6]}"
        config = alembic_config(service, settings)
        config.attributes["schema"] = schema
        await asyncio.to_thread(command.upgrade, config, "0001")
        database = Database(settings, schema)
        try:
            async with database.transaction() as connection:
                await connection.execute(
                    text(
                        "INSERT INTO outbox (event_id, topic, event_type, envelope, occurred_at, attempts)"
                        " VALUES ('e1', 't', 'x', '{}', :at, 0)"
                    ),
                    {"at": datetime(2026, 1, 1, tzinfo=UTC)},
                )
            await asyncio.to_thread(command.upgrade, config, "head")
            async with database.read() as connection:
                row = (await connection.execute(text("SELECT event_id, next_attempt_at FROM outbox"))).one()
            assert tuple(row) == ("e1", None)
            await asyncio.to_thread(command.downgrade, config, "0001")
            await asyncio.to_thread(command.upgrade, config, "head")
        finally:
            if database.is_postgres:
                async with database.engine.begin() as connection:
                    await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            await database.dispose()
