"""The workers process's queue gauges: N messages waiting and M dead-lettered on the embedded endpoint
read as N and M, measured once per interval and not per message, and served on `/metrics`."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
from prometheus_client import REGISTRY

from dwp.platform import aws
from dwp.workers.app import build_app
from dwp.workers.poller import LambdaSqsPoller


def _queues(settings: Any) -> str:
    """A queue and its dead-letter queue of this test's own, so no other test's messages count."""
    sqs = aws.client("sqs", settings)
    name = f"depth-{uuid.uuid4().hex[:8]}"
    sqs.create_queue(QueueName=f"{name}-dlq")
    sqs.create_queue(QueueName=name)
    return name


def _send(settings: Any, queue: str, count: int) -> None:
    sqs = aws.client("sqs", settings)
    url = aws.queue_url(settings, queue)
    for number in range(count):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": number}))


async def test_depth_gauges_read_the_queue_and_its_dead_letter_queue(make_settings: Any) -> None:
    settings = make_settings()
    name = _queues(settings)
    _send(settings, name, 4)
    _send(settings, f"{name}-dlq", 2)
    poller = LambdaSqsPoller(settings, name, lambda event, context: None, function_name="depth")
    assert await poller.measure_depth() == (4, 2)
    assert REGISTRY.get_sample_value("dwp_sqs_queue_depth", {"queue": name}) == 4
    assert REGISTRY.get_sample_value("dwp_sqs_dlq_depth", {"queue": name}) == 2


async def test_depth_is_measured_once_per_interval_not_per_poll(make_settings: Any) -> None:
    settings = make_settings()
    name = _queues(settings)
    poller = LambdaSqsPoller(settings, name, lambda event, context: None, function_name="depth")
    await poller._measure_depth_when_due()
    assert REGISTRY.get_sample_value("dwp_sqs_queue_depth", {"queue": name}) == 0
    _send(settings, name, 3)
    await poller._measure_depth_when_due()  # within the 30 s interval: SQS is not asked again
    assert REGISTRY.get_sample_value("dwp_sqs_queue_depth", {"queue": name}) == 0
    poller._depth_measured_at = None  # the interval has passed
    await poller._measure_depth_when_due()
    assert REGISTRY.get_sample_value("dwp_sqs_queue_depth", {"queue": name}) == 3


async def test_workers_serve_metrics(make_settings: Any) -> None:
    app = build_app(make_settings())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://workers") as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    assert "dwp_sqs_queue_depth" in response.text
