"""The Lambda handlers the catalogue names (`catalog.FUNCTIONS`), on AWS Lambda Powertools.

Each takes an SQS event (`{"Records": [...]}`) and answers a partial batch response
(`{"batchItemFailures": [{"itemIdentifier": <messageId>}]}`): a record that fails is retried by SQS
on its own, and after the queue's `max_receive_count` receives moves to the dead-letter queue, while
the rest of its batch is done. Locally the `workers` process polls the same queues and calls these
same functions with the same event shape (`dwp.workers.poller`). Every log line is one JSON object in
the services' fields (timestamp, level, event, service, trace_id; `dwp.platform.lambda_logging`).

Notifications are idempotent per event on DynamoDB (the catalogue's idempotency table): the same event
delivered twice sends one message. A failed attempt leaves no record, so the retry sends; a retry
that may follow an accepted send (SQS delivering the event again) looks the event's reference up at
Notify first (`dwp.workers.notify`).

The monthly run (`assessment_run_handler`) is `dwp.workers.monthly`: a start message fans out into shard
messages on its own queue, and each shard is one record; a shard that fails is retried by SQS and then
lands in `dwp-assessment-run-dlq`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from notifications_python_client.notifications import NotificationsAPIClient

from dwp.contracts.events import EventEnvelope
from dwp.contracts.notify import LOCAL_API_KEY
from dwp.platform import aws, catalog
from dwp.platform.http import TokenSource
from dwp.platform.lambda_logging import configure_function_logging, function_logger
from dwp.platform.settings import Settings, get_settings
from dwp.workers.claims_inbox import claims_inbox_handler as claims_inbox_handler  # its Lambda entry point
from dwp.workers.monthly import (
    HttpUpstreams,
    MonthlyRun,
    Queues,
    SqsQueues,
    StartRun,
    Upstreams,
    parse_message,
)
from dwp.workers.notifications import BackgroundLoop, Directory, Notifications, ServiceDirectory
from dwp.workers.notify import NotifySender
from dwp.workers.ratelimit import SendLimiter
from dwp.workers.runtime import RuntimeHolder
from dwp.workers.scheduled import payment_run_handler, retention_run_handler

__all__ = [
    "assessment_run_handler",
    "claims_inbox_handler",
    "notifications_handler",
    "payment_run_handler",
    "retention_run_handler",
]
"""`claims_inbox_handler` lives in `dwp.workers.claims_inbox`, `payment_run_handler` and
`retention_run_handler` in `dwp.workers.scheduled`; every function's handler path is this module's."""

NAMESPACE = "DWP/Workers"
IDEMPOTENCY_SECONDS = 14 * 24 * 3600
"""As long as SQS keeps a message at most, so a replay from the dead-letter queue is still deduplicated."""

# One JSON object a line, in the services' fields (`dwp.platform.lambda_logging`); `service` is the
# function's catalogue name (POWERTOOLS_SERVICE_NAME, set by infra/), `workers` in the local process.
logger = function_logger()
if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
    # The modules the handlers call log through structlog: the same shape, not its console renderer.
    configure_function_logging()
metrics = Metrics(namespace=NAMESPACE, service="notifications")
monthly_metrics = Metrics(namespace=NAMESPACE, service="assessment-run")


def notify_api_key(settings: Settings) -> str:
    if key := os.environ.get("DWP_NOTIFY_API_KEY"):
        return key
    if settings.is_local:
        return LOCAL_API_KEY
    return aws.read_secret(settings, catalog.NOTIFY_API_KEY_SECRET)


@dataclass
class NotificationsRuntime:
    """What a Lambda container (or the local worker) builds once and reuses for every batch."""

    notifications: Notifications
    sender: NotifySender
    config: IdempotencyConfig
    persistence: DynamoDBPersistenceLayer
    processor: BatchProcessor

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        directory: Directory | None = None,
        notify: NotificationsAPIClient | None = None,
        sender: NotifySender | None = None,
    ) -> NotificationsRuntime:
        if sender is None:
            client = notify or NotificationsAPIClient(
                notify_api_key(settings), base_url=settings.service_url("notify"), timeout=10
            )
            per_minute = int(os.environ.get("DWP_NOTIFY_PER_MINUTE", catalog.NOTIFY_PER_MINUTE))
            sender = NotifySender(
                client,
                SendLimiter(settings.redis_url, per_minute=per_minute, cluster=settings.dwp_redis_cluster),
            )
        if directory is None:
            directory = ServiceDirectory(settings, BackgroundLoop())
        persistence = DynamoDBPersistenceLayer(
            table_name=catalog.IDEMPOTENCY_TABLE,
            key_attr="pk",
            expiry_attr="expires_at",
            boto3_client=aws.client("dynamodb", settings),
        )
        config = IdempotencyConfig(event_key_jmespath="event_id", expires_after_seconds=IDEMPOTENCY_SECONDS)
        # All records failing is answered as a partial response too (every id listed), not an exception,
        # so the local poller and Lambda treat it alike.
        processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        return cls(Notifications(directory, sender), sender, config, persistence, processor)

    def handle(self, event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
        self.config.register_lambda_context(context)

        @idempotent_function(
            data_keyword_argument="envelope",
            persistence_store=self.persistence,
            config=self.config,
            key_prefix="notifications",
        )
        def deliver_once(*, envelope: dict[str, Any], may_have_been_sent: bool) -> dict[str, Any]:
            parsed = EventEnvelope.model_validate(envelope)
            delivery = self.notifications.deliver(parsed, may_have_been_sent=may_have_been_sent)
            return {"outcome": delivery.outcome, "notification_id": delivery.notification_id,
                    "channel": delivery.channel, "language": delivery.language}  # fmt: skip

        def record_handler(record: SQSRecord) -> dict[str, Any]:
            envelope = EventEnvelope.model_validate_json(record.body)  # a poison message fails here
            receives = int(record.attributes.approximate_receive_count or "1")
            logger.append_keys(event_id=envelope.event_id, event_type=envelope.event_type)
            result: dict[str, Any] = deliver_once(
                envelope=envelope.model_dump(mode="json"), may_have_been_sent=receives > 1
            )
            metrics.add_metric(name=f"Notifications_{result['outcome']}", unit=MetricUnit.Count, value=1)
            logger.info("notification.done", **result)
            return result

        return process_partial_response(
            event=event, record_handler=record_handler, processor=self.processor, context=context
        )


_notifications = RuntimeHolder(lambda: NotificationsRuntime.build(get_settings()))
runtime = _notifications.get
use_runtime = _notifications.use
"""Replace the process's runtime (tests, and the local worker with its own settings)."""


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def notifications_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    """SQS `dwp-notifications` -> an email, text message or letter through GOV.UK Notify per event."""
    return runtime().handle(event, context)


@dataclass
class MonthlyRuntime:
    """The monthly run's clients, built once per Lambda container (or local worker) and reused."""

    run: MonthlyRun
    loop: BackgroundLoop
    processor: BatchProcessor

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        upstreams: Upstreams | None = None,
        queues: Queues | None = None,
        loop: BackgroundLoop | None = None,
        tokens: TokenSource | None = None,
        **options: Any,
    ) -> MonthlyRuntime:
        loop = loop or BackgroundLoop()
        if upstreams is None:

            async def build() -> Upstreams:
                return HttpUpstreams.build(settings, tokens=tokens)

            upstreams = loop.run(build())
        run = MonthlyRun(upstreams, queues or SqsQueues(settings), **options)
        return cls(run, loop, BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False))

    def handle(self, event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
        def record_handler(record: SQSRecord) -> dict[str, Any]:
            message = parse_message(record.body)  # a poison message fails here, alone
            if isinstance(message, StartRun):
                shards = self.run.fan_out(message)
                return {"started": shards[0].day.isoformat() if shards else None, "shards": len(shards)}
            logger.append_keys(date=message.day.isoformat(), shard=message.shard, shards=message.shards)
            # The shard may take the invocation's remaining time, less a margin to answer in.
            seconds = max(1.0, context.get_remaining_time_in_millis() / 1000 - 5)
            report = self.loop.run(self.run.run_shard(message), timeout=seconds)
            monthly_metrics.add_metric(
                name="AwardsReassessed", unit=MetricUnit.Count, value=report.calculated
            )
            monthly_metrics.add_metric(
                name="AwardsAlreadyStored", unit=MetricUnit.Count, value=report.already_stored
            )
            monthly_metrics.add_metric(
                name="AwardsSentToPayments", unit=MetricUnit.Count, value=report.sent_to_payments
            )
            return {
                "awards": report.awards,
                "calculated": report.calculated,
                "sent_to_payments": report.sent_to_payments,
                "queued": report.queued,
            }

        return process_partial_response(
            event=event, record_handler=record_handler, processor=self.processor, context=context
        )


_monthly = RuntimeHolder(lambda: MonthlyRuntime.build(get_settings()))
monthly_runtime = _monthly.get
use_monthly_runtime = _monthly.use
"""Replace the process's monthly run runtime (tests, and the local worker with its own settings)."""


@monthly_metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def assessment_run_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    """SQS `dwp-assessment-run`: a start message fans out into shards; each shard reassesses its awards
    (`dwp.workers.monthly`). A failed shard is listed in `batchItemFailures`, retried by SQS, and after
    the queue's receives is in its dead-letter queue."""
    return monthly_runtime().handle(event, context)
