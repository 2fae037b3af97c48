"""Consuming events from SQS: the same batch handler serves the local poller and AWS Lambda.

Each consumer owns a queue with a dead-letter queue (redrive after `max_receive_count` receives). A
handler must be idempotent by event id: `Inbox` remembers which events were handled, so SQS's
at-least-once delivery never does the work twice. A message that fails is made visible again after a
backoff; after its retries SQS moves it to the dead-letter queue for an operator to look at.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import Column, DateTime, MetaData, String, Table, select
from sqlalchemy.exc import IntegrityError

from dwp.contracts.events import EventEnvelope
from dwp.platform import aws
from dwp.platform.database import Database
from dwp.platform.settings import Settings

log = structlog.get_logger("messaging")

Handler = Callable[[EventEnvelope], Awaitable[None]]


def inbox_table(metadata: MetaData) -> Table:
    return Table(
        "inbox",
        metadata,
        Column("event_id", String(36), primary_key=True),
        Column("consumer", String(128), primary_key=True),
        Column("handled_at", DateTime(timezone=True), nullable=False),
    )


class Inbox:
    """Which events a consumer has handled, in the consumer's own database."""

    def __init__(self, database: Database, table: Table, consumer: str) -> None:
        self._db, self._table, self._consumer = database, table, consumer

    async def seen(self, event_id: str) -> bool:
        async with self._db.read() as session:
            query = select(self._table.c.event_id).where(
                self._table.c.event_id == event_id, self._table.c.consumer == self._consumer
            )
            return (await session.execute(query)).first() is not None

    async def remember(self, event_id: str) -> None:
        try:
            async with self._db.transaction() as session:
                await session.execute(
                    self._table.insert().values(
                        event_id=event_id, consumer=self._consumer, handled_at=datetime.now(UTC)
                    )
                )
        except IntegrityError:
            pass  # another replica handled it at the same moment; both outcomes are the same


async def handle_records(records: list[dict[str, Any]], handler: Handler, inbox: Inbox) -> list[str]:
    """Handle a batch of SQS records; returns the ids that failed (Lambda's partial batch response)."""
    failures: list[str] = []
    for record in records:
        message_id = record.get("messageId") or record.get("MessageId") or ""
        body = record.get("body") or record.get("Body") or ""
        try:
            envelope = EventEnvelope.model_validate(json.loads(body))
            if await inbox.seen(envelope.event_id):
                log.info("consumer.duplicate", event_id=envelope.event_id)
                continue
            await handler(envelope)
            await inbox.remember(envelope.event_id)
        except Exception as exc:
            log.warning("consumer.failed", message_id=message_id, error=f"{type(exc).__name__}: {exc}"[:300])
            failures.append(message_id)
    return failures


class SqsPoller:
    """Long-polls one queue and hands each batch to `handle_records`; the local stand-in for Lambda's
    SQS event source."""

    def __init__(
        self,
        settings: Settings,
        queue: str,
        handler: Handler,
        inbox: Inbox,
        *,
        wait_seconds: int = 2,
        retry_base_seconds: int = 1,
    ) -> None:
        self._settings, self._queue, self._handler, self._inbox = settings, queue, handler, inbox
        self._wait = wait_seconds
        self._retry_base = retry_base_seconds
        self._url: str | None = None

    async def poll_once(self) -> int:
        sqs = aws.client("sqs", self._settings)
        if self._url is None:
            self._url = await asyncio.to_thread(aws.queue_url, self._settings, self._queue)
        response = await asyncio.to_thread(
            sqs.receive_message,
            QueueUrl=self._url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=self._wait,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        messages = response.get("Messages", [])
        if not messages:
            return 0
        failed = set(await handle_records(messages, self._handler, self._inbox))
        await settle_batch(sqs, self._url, messages, failed, retry_base=self._retry_base)
        return len(messages)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.poll_once()
            except Exception as exc:  # the endpoint may be down; keep polling
                log.warning("consumer.poll_failed", queue=self._queue, error=type(exc).__name__)
                self._url = None
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=2)


async def settle_batch(
    sqs: Any, queue_url: str, messages: list[dict[str, Any]], failed: set[str], *, retry_base: int
) -> None:
    """After a batch: delete the messages that were handled, and let each failed one be received again
    after a backoff that doubles with its receive count (capped at 5 minutes); the queue's redrive
    policy moves it to its dead-letter queue once it has been received too often."""
    done = [
        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
        for i, m in enumerate(messages)
        if m["MessageId"] not in failed
    ]
    if done:
        await asyncio.to_thread(sqs.delete_message_batch, QueueUrl=queue_url, Entries=done)
    for message in messages:
        if message["MessageId"] in failed:
            receives = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
            await asyncio.to_thread(
                sqs.change_message_visibility,
                QueueUrl=queue_url,
                ReceiptHandle=message["ReceiptHandle"],
                VisibilityTimeout=min(retry_base * 2 ** (receives - 1), 300),
            )
