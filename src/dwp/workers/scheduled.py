"""Scheduled jobs that ask a service to do its own work over HTTP, with the workers' service token:

- the payment run (`payment_run_handler`, SQS `dwp-payment-run`, started by EventBridge Scheduler every
  working day at 05:00 UK time, `catalog.FUNCTIONS`): `POST /v1/internal/payments/runs` with `through`
  the run's day plus `LEAD_DAYS`, so each payment is instructed before its payment day (Bacs takes three
  working days from input to settlement; the run is idempotent, so days covered twice pay nothing
  twice). A run that found the payment system down fails its record, which SQS gives back after the
  queue's visibility timeout (and after five receives leaves in `dwp-payment-run-dlq`);
- retention (`run_retention`; `retention_run_handler`, SQS `dwp-retention-run`, started by EventBridge
  Scheduler every day at 03:30 UK time on AWS, `dwp run retention` locally): each service's
  `POST /v1/internal/<service>/retention/runs`, so each deletes its own records by its own code. A
  run that fails (a service down) fails its record, which SQS gives back after the visibility timeout
  (and after five receives leaves in `dwp-retention-run-dlq`); a run resumes where another stopped.

No service's code or tables are read here (DESIGN.md 9).
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from dwp.platform.http import ResilientClient, RetryPolicy, ServiceTokens, TokenSource, shared_client
from dwp.platform.settings import Settings, get_settings

UK = ZoneInfo("Europe/London")
SERVICE_NAME = "workers"
LEAD_DAYS = 3
"""A payment due within this many days is instructed now (Bacs: input, processing, then entry day)."""
RETENTION_SERVICES = ("citizen", "claims", "payments")
POLICY = RetryPolicy(attempts=3, total_seconds=600.0, attempt_seconds=300.0, backoff_max=5.0)
"""A run of a payment day or a retention sweep may take minutes; a retry of either is safe."""

logger = Logger(service="payment-run")


class PaymentSystemDown(Exception):
    """The payments service could not reach the payment system: the instructions wait, pending."""


def uk_today() -> date:
    return datetime.now(UTC).astimezone(UK).date()


async def _post(
    settings: Settings, service: str, path: str, body: dict[str, Any], tokens: TokenSource | None
) -> dict[str, Any]:
    async with shared_client() as http:
        tokens = tokens or ServiceTokens.for_service(SERVICE_NAME, settings, http=http)
        client = ResilientClient.for_service(service, settings, http=http, tokens=tokens, policy=POLICY)
        try:
            # Both runs are idempotent (a payment is its instruction id; a deletion finds what is left).
            response = await client.request("POST", path, json=body, idempotent=True)
        finally:
            await client.aclose()
    answer: dict[str, Any] = response.json()
    return answer


async def run_payments(
    settings: Settings, *, through: date, tokens: TokenSource | None = None
) -> dict[str, Any]:
    """One payment run: every payment due on or before `through` (the payments service's report)."""
    body = {"through": through.isoformat()}
    return await _post(settings, "payments", "/v1/internal/payments/runs", body, tokens)


async def run_retention(
    settings: Settings,
    *,
    services: tuple[str, ...] = RETENTION_SERVICES,
    as_of: date | None = None,
    tokens: TokenSource | None = None,
) -> dict[str, dict[str, Any]]:
    """Each service's retention run, one after another; each service's report by name."""
    body = {"as_of": as_of.isoformat()} if as_of else {}
    return {s: await _post(settings, s, f"/v1/internal/{s}/retention/runs", body, tokens) for s in services}


def through_for(body: str, today: date) -> date:
    """The day a start message runs to: `{"through": "YYYY-MM-DD"}` as given, else (the schedule's own
    message) `today` plus the lead time."""
    message = json.loads(body)
    if not isinstance(message, dict):
        raise ValueError("a payment run message is a JSON object")
    if "through" in message:
        return date.fromisoformat(str(message["through"]))
    return today + timedelta(days=LEAD_DAYS)


_processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@logger.inject_lambda_context(clear_state=True)
def payment_run_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    """SQS `dwp-payment-run`: each record is one run; a run that left instructions waiting for the
    payment system fails its record, so SQS gives it back later."""
    settings = get_settings()

    def record_handler(record: SQSRecord) -> dict[str, Any]:
        through = through_for(record.body, uk_today())  # a poison message fails here, alone
        report = asyncio.run(run_payments(settings, through=through))
        logger.info("payment_run", through=through.isoformat(), **report)
        if report.get("system_unavailable"):
            raise PaymentSystemDown(
                f"{report.get('still_pending', 0)} instructions wait for the payment system"
            )
        return report

    return process_partial_response(
        event=event, record_handler=record_handler, processor=_processor, context=context
    )


def retention_as_of(body: str) -> date | None:
    """The day a retention start message runs as of: `{"as_of": "YYYY-MM-DD"}` as given (each service
    refuses a day after its today), else (the schedule's own message) None: each service's today."""
    message = json.loads(body)
    if not isinstance(message, dict):
        raise ValueError("a retention run message is a JSON object")
    return date.fromisoformat(str(message["as_of"])) if "as_of" in message else None


_retention_processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@logger.inject_lambda_context(clear_state=True)
def retention_run_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    """SQS `dwp-retention-run`: each record is one run of the three services' retention, one after
    another; a service that cannot be reached fails the record, so SQS gives it back later."""
    settings = get_settings()

    def record_handler(record: SQSRecord) -> dict[str, Any]:
        as_of = retention_as_of(record.body)  # a poison message fails here, alone
        reports = asyncio.run(run_retention(settings, as_of=as_of))
        for service, report in reports.items():
            logger.info("retention_run", service=service, rules=report.get("rules"))
        return reports

    return process_partial_response(
        event=event, record_handler=record_handler, processor=_retention_processor, context=context
    )
