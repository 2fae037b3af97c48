"""What the claims service does when the workers tell it about events, over HTTP on SQLite and
PostgreSQL, with benefits and integrations running (integrations against the HMRC simulator):

- the automatic path: a claim with a to-do open is left alone (and says why); once nothing needs a
  person it is awarded as automated, with HMRC's earnings and the right to a person's review, once
  however often it is asked; with benefits stopped it waits with one work item (202, never a 500) and
  goes on when asked again;
- a returned payment: one work item and one to-do however often it is told, refused for another
  person's claim and for hostile input;
- the claims inbox's own calls (`dwp.workers.claims_inbox.ClaimsInbox`) against the real routes.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from dwp.claims.domain import lifecycle as L
from dwp.claims.domain.answers import ClaimType
from dwp.claims.domain.model import Actor, Claim, TodoKind
from dwp.claims.repository import ClaimsRepository
from dwp.contracts.events import ClaimSubmitted, EventEnvelope, PaymentsPaymentReturned
from dwp.platform.http import CircuitBreakers, ResilientClient
from dwp.workers.claims_inbox import POLICY, ClaimsInbox
from tests.integration import test_claims_casework_api as casework_api
from tests.integration.test_claims_casework_api import Stack, problem
from tests.unit.claims.conftest import CLAIMANT, START, submitted

pytestmark = pytest.mark.integration
stack = casework_api.stack
nhs_key_file = casework_api.nhs_key_file
"""The casework API test's fixtures: claims, benefits and integrations in process, HMRC's simulator."""

SYSTEM = Actor("claims", "system")


async def ready(stack: Stack, *left: TodoKind, claim_type: ClaimType = ClaimType.UNIVERSAL_CREDIT) -> Claim:
    """A submitted claim whose to-dos are done but those of the kinds `left`, stored with its work."""
    story = submitted(claim_type)
    claim = replace(
        story.claim,
        id=str(uuid.uuid4()),
        claimant=replace(story.claim.claimant, citizen_id=stack.citizen_id, date_of_birth=date(1985, 4, 12)),
    )
    at = START + timedelta(hours=12)
    for todo in claim.todos:
        if todo.open and todo.kind not in left and todo.kind != TodoKind.BOOK_WORK_CAPABILITY_ASSESSMENT:
            actor = SYSTEM if todo.kind in (TodoKind.UPLOAD_EVIDENCE, TodoKind.VERIFY_IDENTITY) else CLAIMANT
            claim = L.complete_todo(claim, todo.id, actor=actor, at=at).claim
    async with stack.database.transaction() as connection:
        repo = ClaimsRepository(connection, stack.cipher)
        await repo.add(claim, claim.created_at)
        for t in story.transitions:
            for item in t.work_items:
                await repo.add_work_item(replace(item, id=str(uuid.uuid4()), claim_id=claim.id))
    return claim


def automatic(claim_id: str) -> str:
    return f"/v1/internal/claims/{claim_id}/automatic-decision"


async def test_the_automatic_path_waits_for_the_citizen_then_awards_as_automated_once(stack: Stack) -> None:
    waiting = await ready(stack, TodoKind.ACCEPT_CLAIMANT_COMMITMENT)
    left = await stack.claims.post(automatic(waiting.id), headers=stack.workers())
    assert left.status_code == 200, left.text
    assert left.json()["left_for_a_person"] == "waiting for the citizen: accept_claimant_commitment"
    assert left.json()["status"] == "submitted"

    claim = await ready(stack)
    decided = await stack.claims.post(automatic(claim.id), headers=stack.workers())
    assert decided.status_code == 200, decided.text
    body = decided.json()
    assert (body["status"], body["left_for_a_person"]) == ("awarded", None)
    decision = body["decision"]
    assert decision["automated"] is True
    assert "human_review" in {r["kind"] for r in decision["rights"]}
    assert decision["amount_pence"] == body["assessment"]["award_pence"]
    again = await stack.claims.post(automatic(claim.id), headers=stack.workers())
    assert again.json()["left_for_a_person"] == "the claim is awarded"
    read = await stack.claims.get(
        f"/v1/claims/casework/claims/{claim.id}", params={"purpose": "check"}, headers=stack.staff()
    )
    assert len([d for d in read.json()["decisions"] if d["kind"] == "initial"]) == 1
    assert all(i["done_at"] is not None for i in await stack.work_items(claim.id))
    # Only the workers may ask; a caseworker or a citizen may not.
    problem(await stack.claims.post(automatic(claim.id), headers=stack.staff()), 403)
    problem(await stack.claims.post(automatic("no-such-claim"), headers=stack.workers()), 404)


async def test_with_benefits_stopped_the_automatic_path_waits_with_a_work_item_then_goes_on(
    stack: Stack,
) -> None:
    claim = await ready(stack)
    stack.benefits.stopped = True
    for _ in range(2):
        answer = await stack.claims.post(automatic(claim.id), headers=stack.workers())
        assert answer.status_code == 202, answer.text
        assert answer.json()["waiting_on"] == "benefits"
    [held] = [i for i in await stack.work_items(claim.id) if i["kind"] == "provider_unavailable"]
    assert held["done_at"] is None
    stack.benefits.stopped = False
    stack.upstreams.benefits.breakers = CircuitBreakers()  # a restarted task's fresh breaker
    done = await stack.claims.post(automatic(claim.id), headers=stack.workers())
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "awarded"
    [after] = [i for i in await stack.work_items(claim.id) if i["kind"] == "provider_unavailable"]
    assert after["done_at"] is not None


async def test_new_style_jsa_is_awarded_automatically_on_the_ni_record_hmrc_holds(stack: Stack) -> None:
    """Sarah, paid monthly by the council since 2021, claims on 10 June 2026: HMRC's record for 2023-24
    and 2024-25 meets the contribution conditions, so the automatic path awards the weekly rate."""
    claim = await ready(stack, claim_type=ClaimType.NEW_STYLE_JSA)
    decided = await stack.claims.post(automatic(claim.id), headers=stack.workers())
    assert decided.status_code == 200, decided.text
    body = decided.json()
    assert (body["status"], body["left_for_a_person"]) == ("awarded", None)
    assert body["assessment"]["amounts"]["contribution_conditions_met"] is True
    assert body["decision"]["amount_pence"] == body["assessment"]["award_pence"] > 0
    audit = await stack.claims.get(
        f"/v1/claims/casework/claims/{claim.id}/audit", params={"purpose": "check"}, headers=stack.staff()
    )
    assert audit.status_code == 200


def returned(claim: Claim, citizen_id: str, **kw: Any) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "citizen_id": citizen_id,
        "claim_id": claim.id,
        "award_id": "award-1",
        "instruction_id": f"instr-{uuid.uuid4()}",
        "stage": "returned",
        "reason_code": "ARUCS-0",
        "occurred_at": "2026-07-20T10:00:00Z",
        **kw,
    }


async def test_a_returned_payment_is_one_work_item_and_one_to_do_however_often_it_is_told(
    stack: Stack,
) -> None:
    claim = await ready(stack)
    path = "/v1/internal/payment-returns"
    body = returned(claim, stack.citizen_id)
    first = await stack.claims.post(path, json=body, headers=stack.workers())
    again = await stack.claims.post(path, json={**body, "event_id": "another"}, headers=stack.workers())
    assert (first.status_code, again.status_code) == (201, 200), (first.text, again.text)
    assert first.json() == {**again.json(), "created": True}
    queue = await stack.claims.get(
        "/v1/claims/casework/work-items", params={"kind": "payment_returned"}, headers=stack.staff()
    )
    assert [i["id"] for i in queue.json()["items"]].count(first.json()["work_item_id"]) == 1
    read = await stack.claims.get(
        f"/v1/claims/casework/claims/{claim.id}",
        params={"purpose": "returned payment"},
        headers=stack.staff(),
    )
    todos = [t for t in read.json()["todos"] if t["kind"] == "check_bank_details"]
    assert [t["id"] for t in todos] == [first.json()["todo_id"]]
    # Another person's claim is not found; hostile input is a problem document, never a 500.
    problem(
        await stack.claims.post(path, json=returned(claim, str(uuid.uuid4())), headers=stack.workers()), 404
    )
    for hostile in ({"reason_code": "x\x00"}, {"stage": "lost"}, {"extra": 1}, {"occurred_at": "9999-99-99"}):
        problem(await stack.claims.post(path, json={**body, **hostile}, headers=stack.workers()), 422)
    problem(await stack.claims.post(path, json=body, headers=stack.staff()), 403)


async def test_the_claims_inbox_forwards_events_to_the_real_routes(stack: Stack) -> None:
    class WorkersToken:
        async def token(self) -> str:
            return stack.token("service", subject="workers")

        def invalidate(self, token: str) -> None:
            pass

    inbox = ClaimsInbox(
        ResilientClient(
            "claims", "http://claims.test", http=stack.claims, tokens=WorkersToken(), policy=POLICY
        )
    )
    claim = await ready(stack)
    submitted_event = EventEnvelope.wrap(
        ClaimSubmitted(claim_id=claim.id, benefit="universal_credit", claim_date=str(claim.claim_date)),
        source="claims",
    )
    first = await inbox.handle(submitted_event)
    assert (first.outcome, first.detail) == ("decided", "awarded")
    second = await inbox.handle(submitted_event)  # the same event delivered again
    assert (second.outcome, second.detail) == ("left", "the claim is awarded")
    event = PaymentsPaymentReturned(
        citizen_id=stack.citizen_id,
        claim_id=claim.id,
        award_id="award-1",
        instruction_id=f"instr-{uuid.uuid4()}",
        stage="rejected",
        reason_code="FPS-1114",
    )
    envelope = EventEnvelope.wrap(event, source="payments")
    refs = {(await inbox.handle(envelope)).detail for _ in range(2)}
    assert len(refs) == 1
    items = [i for i in await stack.work_items(claim.id) if i["kind"] == "payment_returned"]
    assert [i["id"] for i in items] == list(refs)
