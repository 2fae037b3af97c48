"""Dead-letter queues for an operator: what is waiting in each, and putting it back on its queue.

`redrive` moves messages itself (receive from the DLQ, send to the source queue, then delete from the
DLQ) rather than with SQS's `StartMessageMoveTask`: the embedded endpoint (moto) does not run move
tasks, and one way for both keeps the local runbook the same as production's. A message is deleted from
the DLQ only after the source queue accepted it, so a failure part way leaves it in one queue or both
(a duplicate that the consumers' idempotency absorbs), never in neither.
"""

from __future__ import annotations

from dataclasses import dataclass

from dwp.platform import aws, catalog
from dwp.platform.settings import Settings


@dataclass(frozen=True)
class DeadLetters:
    queue: str
    dlq: str
    waiting: int
    """Messages in the dead-letter queue (SQS's approximate count: visible and in flight)."""


def queue_named(name: str) -> catalog.Queue:
    """A queue of the catalogue by its name, with or without the `dwp-` prefix or the `-dlq` suffix."""
    wanted = name.removesuffix("-dlq")
    for queue in catalog.all_queues():
        if wanted in (queue.name, queue.name.removeprefix(f"{catalog.PREFIX}-")):
            return queue
    known = ", ".join(q.name for q in catalog.all_queues())
    raise KeyError(f"no queue {name!r}: the queues are {known}")


def list_dead_letters(settings: Settings) -> list[DeadLetters]:
    sqs = aws.client("sqs", settings)
    found = []
    for queue in catalog.all_queues():
        url = aws.queue_url(settings, queue.dlq_name)
        attributes = sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        waiting = int(attributes.get("ApproximateNumberOfMessages", 0)) + int(
            attributes.get("ApproximateNumberOfMessagesNotVisible", 0)
        )
        found.append(DeadLetters(queue.name, queue.dlq_name, waiting))
    return found


def redrive(settings: Settings, name: str, *, limit: int | None = None) -> int:
    """Move the messages of a queue's DLQ back to the queue; how many were moved."""
    queue = queue_named(name)
    sqs = aws.client("sqs", settings)
    source = aws.queue_url(settings, queue.dlq_name)
    target = aws.queue_url(settings, queue.name)
    moved = 0
    while limit is None or moved < limit:
        batch = sqs.receive_message(
            QueueUrl=source,
            MaxNumberOfMessages=min(10, limit - moved) if limit is not None else 10,
            WaitTimeSeconds=1,
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not batch:
            break
        for message in batch:
            attributes = message.get("MessageAttributes") or {}
            sqs.send_message(
                QueueUrl=target,
                MessageBody=message["Body"],
                **({"MessageAttributes": attributes} if attributes else {}),
            )
            sqs.delete_message(QueueUrl=source, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
    return moved
