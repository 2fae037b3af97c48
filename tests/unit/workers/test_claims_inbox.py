"""The claims inbox's Lambda handler with SQS-shaped batches, against a claims service that answers as
its internal routes do (the real service is in tests/integration/test_claims_flow.py): which event goes
to which route with which body, a waiting claim failing its record alone so that SQS brings it back, a
poison message failing alone, and events that are not for claims done with at once."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from dwp.contracts.events import (
    CitizenRegistered,
    ClaimSubmitted,
    ClaimTodoDone,
    Event,
    EventEnvelope,
    PaymentsPaymentReturned,
)
from dwp.platform.http import ResilientClient
from dwp.workers.claims_inbox import POLICY, ClaimsInbox, ClaimsInboxRuntime
from dwp.workers.notifications import BackgroundLoop
from dwp.workers.poller import LocalContext


class Claims:
    """The claims service's two internal routes as the inbox calls them, recording each request."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, Any] | None, str | None]] = []
        self.waiting: set[str] = set()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        self.requests.append((request.url.path, body, request.headers.get("idempotency-key")))
        assert request.headers["authorization"] == "Bearer workers-token"
        if request.url.path.endswith("/automatic-decision"):
            claim_id = request.url.path.split("/")[-2]
            if claim_id in self.waiting:
                return httpx.Response(202, json={"status": "waiting", "waiting_on": "benefits"})
            return httpx.Response(200, json={"claim_id": claim_id, "status": "awarded", "decision": {}})
        if request.url.path == "/v1/internal/payment-returns":
            return httpx.Response(201, json={"work_item_id": "w-1", "todo_id": "t-1", "created": True})
        return httpx.Response(404, json={"status": 404, "title": "Not found"})


class Token:
    async def token(self) -> str:
        return "workers-token"

    def invalidate(self, token: str) -> None:
        pass


@pytest.fixture
def claims() -> Claims:
    return Claims()


@pytest.fixture
def runtime(claims: Claims) -> Iterator[ClaimsInboxRuntime]:
    loop = BackgroundLoop()

    async def build() -> ClaimsInbox:
        http = httpx.AsyncClient(transport=httpx.MockTransport(claims))
        return ClaimsInbox(
            ResilientClient("claims", "http://claims.test", http=http, tokens=Token(), policy=POLICY)
        )

    yield ClaimsInboxRuntime.build(None, inbox=loop.run(build()), loop=loop)  # type: ignore[arg-type]
    loop.stop()


def record(body: str) -> dict[str, Any]:
    return {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": "handle",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": str(int(time.time() * 1000))},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:eu-west-2:000000000000:dwp-claims-inbox",
        "awsRegion": "eu-west-2",
    }


def wrapped(event: Event, source: str) -> dict[str, Any]:
    return record(EventEnvelope.wrap(event, source=source).model_dump_json())


def failures(runtime: ClaimsInboxRuntime, *records: dict[str, Any]) -> list[str]:
    answer = runtime.handle({"Records": list(records)}, LocalContext("claims-inbox"))  # type: ignore[arg-type]
    return [str(f["itemIdentifier"]) for f in answer["batchItemFailures"]]


def test_a_submitted_claim_and_a_to_do_done_ask_for_the_automatic_path(
    runtime: ClaimsInboxRuntime, claims: Claims
) -> None:
    submitted = wrapped(
        ClaimSubmitted(claim_id="c-1", benefit="universal_credit", claim_date="2026-07-01"), "claims"
    )
    done = wrapped(ClaimTodoDone(claim_id="c-2", todo_id="t", kind="accept_claimant_commitment"), "claims")
    assert failures(runtime, submitted, done) == []
    assert [path for path, _, _ in claims.requests] == [
        "/v1/internal/claims/c-1/automatic-decision",
        "/v1/internal/claims/c-2/automatic-decision",
    ]


def test_a_waiting_claim_fails_its_record_alone_and_the_rest_of_the_batch_is_done(
    runtime: ClaimsInboxRuntime, claims: Claims
) -> None:
    claims.waiting.add("c-wait")
    waiting = wrapped(
        ClaimSubmitted(claim_id="c-wait", benefit="new_style_jsa", claim_date="2026-07-01"), "claims"
    )
    fine = wrapped(
        ClaimSubmitted(claim_id="c-fine", benefit="new_style_esa", claim_date="2026-07-01"), "claims"
    )
    poison = record("{not an event")
    assert failures(runtime, waiting, poison, fine) == [waiting["messageId"], poison["messageId"]]
    assert "/v1/internal/claims/c-fine/automatic-decision" in [p for p, _, _ in claims.requests]
    # Once benefits answers, the same message (SQS brings it back) goes through.
    claims.waiting.clear()
    assert failures(runtime, waiting) == []


def test_a_returned_payment_is_forwarded_with_ids_and_codes_only(
    runtime: ClaimsInboxRuntime, claims: Claims
) -> None:
    event = PaymentsPaymentReturned(
        citizen_id="cit-1",
        claim_id="c-1",
        award_id="a-1",
        instruction_id="i-1",
        stage="returned",
        reason_code="ARUCS-3",
    )
    message = wrapped(event, "payments")
    assert failures(runtime, message) == []
    [(path, body, key)] = claims.requests
    assert path == "/v1/internal/payment-returns"
    assert body is not None
    assert {k: body[k] for k in ("citizen_id", "claim_id", "instruction_id", "stage", "reason_code")} == {
        "citizen_id": "cit-1", "claim_id": "c-1", "instruction_id": "i-1", "stage": "returned",
        "reason_code": "ARUCS-3",
    }  # fmt: skip
    assert body["event_id"] == json.loads(message["body"])["event_id"]
    assert key == "payment-returned:i-1:returned"


def test_events_that_are_not_for_claims_are_done_with_at_once(
    runtime: ClaimsInboxRuntime, claims: Claims
) -> None:
    other = wrapped(
        CitizenRegistered(citizen_id="x", preferred_language="en", contact_by=["email"]), "citizen"
    )
    assert failures(runtime, other) == []
    assert claims.requests == []


def test_the_inbox_logs_under_its_own_name_not_the_notifications_handlers() -> None:
    # Powertools loggers of one service name share their keys: the inbox's lines carried the
    # notifications handler's binding when both were made with `function_logger()`.
    from dwp.workers import claims_inbox, lambda_handlers

    assert claims_inbox.logger.service != lambda_handlers.logger.service
    lambda_handlers.logger.append_keys(notifications_only="yes")
    try:
        assert "notifications_only" in lambda_handlers.logger.get_current_keys()
        assert "notifications_only" not in claims_inbox.logger.get_current_keys()
    finally:
        lambda_handlers.logger.remove_keys(["notifications_only"])


def test_a_runtime_is_built_once_and_can_be_replaced() -> None:
    from dwp.workers.runtime import RuntimeHolder

    built: list[object] = []
    holder = RuntimeHolder(lambda: built.append(object()) or built[-1])
    assert holder.get() is holder.get()
    assert len(built) == 1
    replacement = object()
    holder.use(replacement)
    assert holder.get() is replacement
    holder.use(None)
    assert holder.get() is not replacement
    assert len(built) == 2
