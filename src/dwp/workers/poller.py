"""The local stand-in for Lambda's SQS event source: poll a queue, call the handler with the same event.

Lambda's event source mapping receives up to 10 messages, calls the function with them as `Records`,
deletes those not named in `batchItemFailures`, and leaves the others to come back after their
visibility timeout; SQS's redrive policy moves one to the dead-letter queue after `max_receive_count`
receives. This does the same, except that a failed message comes back after a short exponential wait
(`retry_base_seconds` doubled per receive) rather than the queue's full visibility timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import structlog
from prometheus_client import Gauge

from dwp.platform import aws
from dwp.platform.messaging import settle_batch
from dwp.platform.settings import Settings

log = structlog.get_logger("workers.poller")

Handler = Callable[[dict[str, Any], Any], Any]

# SQS's ApproximateNumberOfMessages of each queue and of its dead-letter queue, asked every
# `depth_interval_seconds` (not per message): how far behind the consumer is, and what needs a person.
QUEUE_DEPTH = Gauge("dwp_sqs_queue_depth", "Messages waiting in the queue (approximate, from SQS)", ["queue"])
DLQ_DEPTH = Gauge(
    "dwp_sqs_dlq_depth", "Messages in the queue's dead-letter queue (approximate, from SQS)", ["queue"]
)


@dataclass
class LocalContext:
    """The parts of Lambda's context object that Powertools reads."""

    function_name: str
    timeout_seconds: int = 60
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "local"
    log_stream_name: str = "local"
    _started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:local:000000000000:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_seconds - (time.monotonic() - self._started)) * 1000))


def lambda_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One SQS message as Lambda's SQS event gives it."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value.get("DataType", "String"),
            }
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


class LambdaSqsPoller:
    def __init__(
        self,
        settings: Settings,
        queue: str,
        handler: Handler,
        *,
        function_name: str,
        timeout_seconds: int = 60,
        wait_seconds: int = 2,
        retry_base_seconds: int = 1,
        dead_letter_queue: str | None = None,
        depth_interval_seconds: float = 30.0,
    ) -> None:
        self._settings, self._queue, self._handler = settings, queue, handler
        self._dlq = dead_letter_queue or f"{queue}-dlq"
        self._depth_interval = depth_interval_seconds
        self._depth_measured_at: float | None = None
        self._function_name, self._timeout = function_name, timeout_seconds
        self._wait, self._retry_base = wait_seconds, retry_base_seconds
        self._url: str | None = None
        self._arn = ""
        self.batches = 0
        self.handled = 0
        self.failed = 0

    def _resolve(self) -> str:
        sqs = aws.client("sqs", self._settings)
        url = aws.queue_url(self._settings, self._queue)
        self._arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        return url

    async def poll_once(self) -> int:
        sqs = aws.client("sqs", self._settings)
        if self._url is None:
            self._url = await asyncio.to_thread(self._resolve)
        response = await asyncio.to_thread(
            sqs.receive_message,
            QueueUrl=self._url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=self._wait,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = response.get("Messages", [])
        if not messages:
            return 0
        event = {"Records": [lambda_record(m, self._arn, self._settings.aws_region) for m in messages]}
        context = LocalContext(self._function_name, self._timeout)
        answer = await asyncio.to_thread(self._handler, event, context)
        failed = {f["itemIdentifier"] for f in (answer or {}).get("batchItemFailures", [])}
        self.batches += 1
        self.failed += len(failed)
        self.handled += len(messages) - len(failed)
        await settle_batch(sqs, self._url, messages, failed, retry_base=self._retry_base)
        return len(messages)

    async def measure_depth(self) -> tuple[int, int]:
        """Ask SQS how many messages wait in the queue and in its dead-letter queue; set the gauges."""

        def ask() -> tuple[int, int]:
            sqs = aws.client("sqs", self._settings)
            depths = []
            for name in (self._queue, self._dlq):
                attributes = sqs.get_queue_attributes(
                    QueueUrl=aws.queue_url(self._settings, name),
                    AttributeNames=["ApproximateNumberOfMessages"],
                )["Attributes"]
                depths.append(int(attributes["ApproximateNumberOfMessages"]))
            return depths[0], depths[1]

        waiting, dead = await asyncio.to_thread(ask)
        QUEUE_DEPTH.labels(self._queue).set(waiting)
        DLQ_DEPTH.labels(self._queue).set(dead)
        return waiting, dead

    async def _measure_depth_when_due(self) -> None:
        now = time.monotonic()
        if self._depth_measured_at is not None and now - self._depth_measured_at < self._depth_interval:
            return
        self._depth_measured_at = now
        try:
            await self.measure_depth()
        except Exception as exc:  # the endpoint may be down; the poll's own warning says so
            log.debug("worker.depth_failed", queue=self._queue, error=type(exc).__name__)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self._measure_depth_when_due()
            try:
                await self.poll_once()
            except Exception as exc:  # the endpoint may be down; keep polling
                log.warning(
                    "worker.poll_failed", queue=self._queue, error=f"{type(exc).__name__}: {exc}"[:300]
                )
                self._url = None
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=2)
