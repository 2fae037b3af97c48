"""`dwp dlq list` and `dwp dlq redrive`: what waits in each dead-letter queue, and putting it back."""

from __future__ import annotations

import json
import uuid

import pytest

from dwp.platform import aws, catalog
from dwp.platform.settings import Settings
from dwp.workers.dlq import list_dead_letters, queue_named, redrive

pytestmark = pytest.mark.integration


def test_a_dead_letter_is_listed_and_redriven_to_its_own_queue_once(bootstrapped: Settings) -> None:
    sqs = aws.client("sqs", bootstrapped)
    queue = catalog.ASSESSMENT_RUN_QUEUE
    dlq_url, url = aws.queue_url(bootstrapped, queue.dlq_name), aws.queue_url(bootstrapped, queue.name)
    body = json.dumps({"date": "2026-12-01", "marker": str(uuid.uuid4())})
    before = {d.queue: d.waiting for d in list_dead_letters(bootstrapped)}
    sqs.send_message(QueueUrl=dlq_url, MessageBody=body)
    after = {d.queue: d.waiting for d in list_dead_letters(bootstrapped)}
    assert set(after) == {q.name for q in catalog.all_queues()}
    assert after[queue.name] == before[queue.name] + 1

    assert redrive(bootstrapped, "assessment-run") >= 1
    assert {d.queue: d.waiting for d in list_dead_letters(bootstrapped)}[queue.name] == 0
    back = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
        "Messages"
    ):
        back += [m["Body"] for m in batch]
        for m in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert back.count(body) == 1


def test_queues_are_named_with_or_without_their_prefix_and_nothing_else() -> None:
    assert queue_named("notifications") == queue_named("dwp-notifications-dlq") == catalog.NOTIFICATIONS_QUEUE
    with pytest.raises(KeyError, match="the queues are"):
        queue_named("dwp-citizen-events")
