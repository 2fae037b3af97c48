"""The claims inbox: the events the claims service acts on, from its own topic and the payments topic,
forwarded to its internal routes over HTTP with the workers' service token (`dwp.contracts.claims`).

- `claims.submitted` and `claims.todo_done`: the automatic path
  (`POST /v1/internal/claims/{id}/automatic-decision`). The claims service decides only when nothing
  needs a person, and otherwise says why and changes nothing, so asking on every to-do done is safe and
  the same event twice decides once. While benefits or integrations is down or slow the claim waits
  with a work item and claims answers 202: the record fails here, so SQS brings it back (locally after
  a short backoff, on AWS after the queue's visibility timeout) until the service answers or the
  message reaches `dwp-claims-inbox-dlq` (the claim still waits with its work item: nothing is lost).
- `claims.decision_made` (an award) and `claims.change_reported`: the award's terms, as decided or as a
  change revised them, reach payments. The inbox reads them from claims
  (`GET /v1/internal/claims/{id}/award-for-payment`) and gives them, whole, to the payments service
  (`PUT /v1/internal/payments/awards/{award_id}`), which pays the next payment at the revised amount
  with any arrears, or recovers an overpayment inside the deductions cap. The same terms twice are
  the same version there, so a redelivered event changes nothing; payments down fails the record and
  SQS brings it back. New Style JSA and ESA come by benefit week (`week_amounts`). A claim not
  awarded, or with nothing stored to pay, is answered 409 by claims and done with.
- `payments.payment_returned`: a work item and a to-do (`POST /v1/internal/payment-returns`), once per
  instruction and stage whatever the number of deliveries.

Anything else on the topics is not for claims and is done with at once. A record that is not an event
envelope (a poison message) fails alone and, after its receives, is in the dead-letter queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from dwp.contracts import claims as contract
from dwp.contracts.events import (
    ClaimChangeReported,
    ClaimDecisionMade,
    ClaimSubmitted,
    ClaimTodoDone,
    EventEnvelope,
    PaymentsPaymentReturned,
)
from dwp.platform.http import (
    ResilientClient,
    RetryPolicy,
    ServiceTokens,
    TokenSource,
    UpstreamRejected,
    shared_client,
)
from dwp.platform.lambda_logging import function_logger, function_name
from dwp.platform.settings import Settings, get_settings
from dwp.workers.notifications import BackgroundLoop
from dwp.workers.runtime import RuntimeHolder

NAMESPACE = "DWP/Workers"
SERVICE_NAME = "workers"
SERVICE_NAME_LOCAL = "claims-inbox"
"""Its log lines' `service` when no function is named (on Lambda: `POWERTOOLS_SERVICE_NAME`)."""
AUTOMATIC_ON = frozenset({ClaimSubmitted.event_type, ClaimTodoDone.event_type})
POLICY = RetryPolicy(attempts=3, total_seconds=50.0, attempt_seconds=40.0, backoff_max=2.0)
"""The automatic path asks three services in turn (each within claims' own 8 s deadline): an attempt
may take longer than a person's request, and the whole stays inside the function's 60 s."""

# The platform's log fields (`dwp.platform.lambda_logging`), under its own name: Powertools loggers of one
# service name share their keys, so `function_logger()` here would share the notifications handler's.
logger = function_logger(function_name(SERVICE_NAME_LOCAL))
metrics = Metrics(namespace=NAMESPACE, service="claims-inbox")

Outcome = Literal["decided", "left", "waiting", "forwarded", "not_for_claims", "award_sent"]
AWARDS_PATH = "/v1/internal/payments/awards/{award_id}"
"""The payments service's route that takes an award's terms, whole (`dwp.contracts.payments`)."""


class ClaimWaits(Exception):
    """Claims waits on another service for this claim: the record fails so that SQS brings it back."""


@dataclass(frozen=True)
class Handled:
    outcome: Outcome
    claim_id: str | None = None
    detail: str | None = None


class ClaimsInbox:
    """The events claims acts on, each sent to its internal route."""

    def __init__(self, claims: ResilientClient, payments: ResilientClient | None = None) -> None:
        self._claims = claims
        self._payments = payments

    @classmethod
    def build(cls, settings: Settings, *, tokens: TokenSource | None = None) -> ClaimsInbox:
        """Make inside the event loop that will use it (its connections belong to that loop)."""
        http = shared_client()
        source = tokens or ServiceTokens.for_service(SERVICE_NAME, settings, http=http)
        return cls(
            ResilientClient.for_service("claims", settings, http=http, tokens=source, policy=POLICY),
            ResilientClient.for_service("payments", settings, http=http, tokens=source),
        )

    async def handle(self, envelope: EventEnvelope) -> Handled:
        if envelope.event_type in AUTOMATIC_ON:
            event = envelope.unwrap()
            assert isinstance(event, ClaimSubmitted | ClaimTodoDone)
            return await self._automatic(event.claim_id)
        if envelope.event_type == ClaimChangeReported.event_type:
            changed = ClaimChangeReported.model_validate(envelope.data)
            return await self._award_revised(changed.claim_id)
        if envelope.event_type == ClaimDecisionMade.event_type:
            decided = ClaimDecisionMade.model_validate(envelope.data)
            if decided.outcome == "award":
                return await self._award_revised(decided.claim_id)
        if envelope.event_type == PaymentsPaymentReturned.event_type:
            returned = PaymentsPaymentReturned.model_validate(envelope.data)
            return await self._returned(envelope, returned)
        return Handled("not_for_claims")

    async def _automatic(self, claim_id: str) -> Handled:
        path = contract.AUTOMATIC_DECISION_PATH.format(claim_id=claim_id)
        # Safe to send again: claims decides only once, and says so when asked again.
        response = await self._claims.request(
            "POST", path, headers={"Accept": "application/json"}, idempotent=True
        )
        body: dict[str, Any] = response.json()
        if response.status_code == 202:
            return Handled("waiting", claim_id, str(body.get("waiting_on", "a service")))
        outcome = contract.AutomaticOutcome.model_validate(body)
        if outcome.left_for_a_person is not None:
            return Handled("left", claim_id, outcome.left_for_a_person)
        return Handled("decided", claim_id, outcome.status)

    async def _award_revised(self, claim_id: str) -> Handled:
        path = contract.AWARD_FOR_PAYMENT_PATH.format(claim_id=claim_id)
        try:
            award = await self._claims.get_model(path, contract.AwardToPay)
        except UpstreamRejected as exc:
            if exc.status in (404, 409):  # no award with anything stored to pay: nothing for payments
                return Handled("not_for_claims", claim_id, f"claims answered {exc.status}")
            raise
        assert self._payments is not None, "the inbox that forwards awards has a payments client"
        # A PUT of the whole terms: safe to send again (the same terms are the same version).
        response = await self._payments.request(
            "PUT",
            AWARDS_PATH.format(award_id=award.award_id),
            json=award.terms.model_dump(mode="json", exclude_none=True),
            headers={"Accept": "application/json"},
        )
        return Handled("award_sent", claim_id, f"version {response.json().get('version')}")

    async def _returned(self, envelope: EventEnvelope, event: PaymentsPaymentReturned) -> Handled:
        body = contract.ReturnedPayment(
            event_id=envelope.event_id,
            citizen_id=event.citizen_id,
            claim_id=event.claim_id,
            award_id=event.award_id,
            instruction_id=event.instruction_id,
            stage=event.stage,
            reason_code=event.reason_code,
            occurred_at=envelope.occurred_at,
        )
        ref = await self._claims.post_model(
            contract.PAYMENT_RETURNS_PATH,
            body,
            contract.ReturnedPaymentRef,
            idempotency_key=f"payment-returned:{event.instruction_id}:{event.stage}",
        )
        return Handled("forwarded", event.claim_id, ref.work_item_id)


@dataclass
class ClaimsInboxRuntime:
    """Built once per Lambda container (or local worker) and reused for every batch."""

    inbox: ClaimsInbox
    loop: BackgroundLoop
    processor: BatchProcessor

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        inbox: ClaimsInbox | None = None,
        loop: BackgroundLoop | None = None,
        tokens: TokenSource | None = None,
    ) -> ClaimsInboxRuntime:
        loop = loop or BackgroundLoop()
        if inbox is None:

            async def build() -> ClaimsInbox:
                return ClaimsInbox.build(settings, tokens=tokens)

            inbox = loop.run(build())
        # All records failing is a partial response too (every id listed), as for the other functions.
        return cls(inbox, loop, BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False))

    def handle(self, event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
        def record_handler(record: SQSRecord) -> dict[str, Any]:
            envelope = EventEnvelope.model_validate_json(record.body)  # a poison message fails here
            logger.append_keys(event_id=envelope.event_id, event_type=envelope.event_type)
            seconds = max(1.0, context.get_remaining_time_in_millis() / 1000 - 5)
            handled = self.loop.run(self.inbox.handle(envelope), timeout=seconds)
            metrics.add_metric(name=f"ClaimsInbox_{handled.outcome}", unit=MetricUnit.Count, value=1)
            logger.info("claims_inbox.done", outcome=handled.outcome, claim_id=handled.claim_id,
                        detail=handled.detail)  # fmt: skip
            if handled.outcome == "waiting":
                raise ClaimWaits(f"claim {handled.claim_id} waits on {handled.detail}")
            return {"outcome": handled.outcome, "claim_id": handled.claim_id}

        return process_partial_response(
            event=event, record_handler=record_handler, processor=self.processor, context=context
        )


_holder = RuntimeHolder(lambda: ClaimsInboxRuntime.build(get_settings()))
runtime = _holder.get
use_runtime = _holder.use
"""Replace the process's runtime (tests, and the local worker with its own settings)."""


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def claims_inbox_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    """SQS `dwp-claims-inbox` -> the claims service's internal routes, one call per event."""
    return runtime().handle(event, context)
