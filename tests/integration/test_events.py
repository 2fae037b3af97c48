"""Events: the outbox keeps them while SNS is down and the running relay delivers them when it is back;
consumers are idempotent, and a message nobody can handle ends in the dead-letter queue."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import select

from dwp.citizen.repository import outbox
from dwp.contracts.events import CitizenRegistered, EventEnvelope
from dwp.platform import aws, catalog
from dwp.platform.database import Database, new_metadata
from dwp.platform.embedded_aws import EmbeddedAws
from dwp.platform.messaging import Inbox, SqsPoller, handle_records, inbox_table
from dwp.platform.settings import Settings
from tests.conftest import free_port
from tests.integration.conftest import citizen_service, citizen_token, serve
from tests.integration.test_citizen_api import details, register

pytestmark = pytest.mark.integration


def drain(settings: Settings, queue: str, *, wait: int = 1) -> list[dict[str, Any]]:
    sqs = aws.client("sqs", settings)
    url = aws.queue_url(settings, queue)
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=wait).get(
        "Messages", []
    )
    for message in messages:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return messages


async def wait_for(condition: Callable[[], Any], within: float = 15) -> Any:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = await asyncio.to_thread(condition)
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.2)


async def wait_until(
    value: Callable[[], Awaitable[int]], *, equals: int | None = None, at_least: int | None = None
) -> None:
    """Wait, with a generous bound for a loaded machine, until an async count reaches what is wanted."""
    deadline = asyncio.get_running_loop().time() + 60
    while True:
        got = await value()
        if got == equals or (at_least is not None and got >= at_least):
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"still {got} after 60 s (wanted {equals=} {at_least=})")
        await asyncio.sleep(0.1)


async def test_events_wait_in_the_outbox_while_sns_is_down(make_settings: Callable, request: Any) -> None:
    port = free_port()
    server = EmbeddedAws(port=port).start()
    request.addfinalizer(lambda: server.stop())
    settings: Settings = make_settings(aws_endpoint_url=server.url)
    aws.bootstrap(settings)
    drain(settings, catalog.NOTIFICATIONS_QUEUE.name)
    app = await citizen_service(settings)

    def token() -> str:
        return citizen_token(settings)

    async with serve(app) as client:
        # A first registration while all is well (and it warms the cached PII data key).
        assert (await register(client, token(), details())).status_code == 201
        relay = app.state.outbox_relay
        await wait_until(lambda: relay.pending_count(), equals=0)  # the running relay publishes it
        drain(settings, catalog.NOTIFICATIONS_QUEUE.name)

        server.stop()
        response = await register(client, token(), details())
        assert response.status_code == 201, response.text
        citizen_id = response.json()["id"]
        database = app.state.citizen_context.uow.database

        async def failed_tries() -> int:
            async with database.read() as connection:
                query = select(outbox.c.attempts).where(
                    outbox.c.envelope.contains(citizen_id), outbox.c.published_at.is_(None)
                )
                return int((await connection.execute(query)).scalar_one())

        # The relay tried, failed and kept the event (not merely: nobody tried yet).
        await wait_until(failed_tries, at_least=2)
        assert await relay.pending_count() == 1

        server = EmbeddedAws(port=port).start()  # the same port: moto keeps its state in this process
        messages = await wait_for(
            lambda: [m for m in drain(settings, catalog.NOTIFICATIONS_QUEUE.name) if citizen_id in m["Body"]],
            within=30,
        )
        envelope = EventEnvelope.model_validate(json.loads(messages[0]["Body"]))
        assert envelope.event_type == "citizen.registered"
        assert envelope.data["citizen_id"] == citizen_id
        assert "national_insurance_number" not in messages[0]["Body"]
        # Marked published after SNS took it, so a moment after the message is visible: wait for it.
        await wait_until(lambda: relay.pending_count(), equals=0)


@pytest.fixture
async def consumer_inbox(make_settings: Callable) -> tuple[Settings, Inbox, Database]:
    settings: Settings = make_settings()
    aws.bootstrap(settings)
    metadata = new_metadata()
    table = inbox_table(metadata)
    database = Database(settings, "consumer_test")
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    return settings, Inbox(database, table, "test-consumer"), database


def envelope(**overrides: Any) -> EventEnvelope:
    event = CitizenRegistered(citizen_id=str(uuid.uuid4()), preferred_language="en", contact_by=["email"])
    return EventEnvelope.wrap(event, source="test").model_copy(update=overrides)


async def test_a_redelivered_event_is_handled_once(consumer_inbox: tuple[Settings, Inbox, Database]) -> None:
    _, inbox, database = consumer_inbox
    handled: list[str] = []

    async def handler(event: EventEnvelope) -> None:
        handled.append(event.event_id)

    body = envelope().model_dump_json()
    records = [{"messageId": "m1", "body": body}, {"messageId": "m2", "body": body}]
    assert await handle_records(records, handler, inbox) == []
    assert await handle_records([{"messageId": "m3", "body": body}], handler, inbox) == []
    assert len(handled) == 1
    await database.dispose()


async def test_failures_are_reported_per_message(consumer_inbox: tuple[Settings, Inbox, Database]) -> None:
    _, inbox, database = consumer_inbox

    async def handler(event: EventEnvelope) -> None:
        if event.data["citizen_id"] == "bad":
            raise ValueError("cannot handle this one")

    good = envelope().model_dump_json()
    bad = envelope(
        data={"citizen_id": "bad", "preferred_language": "en", "contact_by": ["email"]}
    ).model_dump_json()
    records = [
        {"messageId": "ok", "body": good},
        {"messageId": "no", "body": bad},
        {"messageId": "junk", "body": "{"},
    ]
    assert await handle_records(records, handler, inbox) == ["no", "junk"]
    await database.dispose()


async def test_a_message_that_always_fails_ends_in_the_dead_letter_queue(
    consumer_inbox: tuple[Settings, Inbox, Database],
) -> None:
    settings, inbox, database = consumer_inbox
    # A queue of this test's own, made the way the bootstrap makes every consumer's queue: other tests'
    # events in the shared queues must not be counted here.
    queue = catalog.Queue(name=f"dwp-test-{uuid.uuid4().hex[:8]}", topics=(), max_receive_count=3)
    aws.create_queue_with_dlq(settings, queue)
    attempts = 0

    async def handler(event: EventEnvelope) -> None:
        nonlocal attempts
        attempts += 1
        raise RuntimeError("downstream refuses this event")

    sqs = aws.client("sqs", settings)
    body = envelope().model_dump_json()
    sqs.send_message(QueueUrl=aws.queue_url(settings, queue.name), MessageBody=body)
    poller = SqsPoller(settings, queue.name, handler, inbox, wait_seconds=1, retry_base_seconds=0)
    stop = asyncio.Event()
    task = asyncio.create_task(poller.run(stop))
    try:
        dead = await wait_for(lambda: drain(settings, queue.dlq_name), within=30)
    finally:
        stop.set()
        await task
    assert [json.loads(m["Body"])["event_id"] for m in dead] == [json.loads(body)["event_id"]]
    assert attempts == queue.max_receive_count
    await database.dispose()
