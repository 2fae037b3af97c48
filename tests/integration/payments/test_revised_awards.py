"""An award's terms reach payments through the claims inbox (a decision to award, then each change of
circumstances), over the real claims, benefits and payments apps and the payment system simulator, on
SQLite and PostgreSQL: the next payment pays the revised amount, an overpayment is recovered inside the
15% cap, arrears are paid with the next payment, and nothing is sent or paid twice."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

import httpx
import pytest
from fastapi import FastAPI

from dwp.claims.domain.dates import assessment_period_end, assessment_period_start
from dwp.contracts.events import ClaimChangeReported, ClaimDecisionMade, EventEnvelope
from dwp.payments import service
from dwp.payments.domain.schedule import instruction_id
from dwp.payments.payment_system import HttpPaymentSystem
from dwp.platform.http import ResilientClient
from dwp.platform.settings import Settings
from dwp.workers.claims_inbox import POLICY, ClaimsInbox
from tests.integration import test_claims_casework_api as casework
from tests.integration import test_claims_changes_api as changes
from tests.integration.conftest import bearer, service_token
from tests.integration.payments.test_instructions import at_simulator, fresh_account, simulator, system
from tests.integration.test_claims_casework_api import Stack

pytestmark = pytest.mark.integration

stack = casework.stack
nhs_key_file = casework.nhs_key_file
__all__ = ["simulator", "system"]  # fixtures, used by name


class WorkersToken:
    def __init__(self, mint: Callable[[], str]) -> None:
        self._mint = mint

    async def token(self) -> str:
        return self._mint()

    def invalidate(self, token: str) -> None:
        pass


def inbox_for(stack: Stack, client: httpx.AsyncClient) -> ClaimsInbox:
    token = WorkersToken(lambda: stack.token("service", subject="workers"))
    return ClaimsInbox(
        ResilientClient("claims", "http://claims.test", http=stack.claims, tokens=token, policy=POLICY),
        ResilientClient("payments", "http://payments.test", http=client, tokens=token),
    )


async def award_of(client: httpx.AsyncClient, tokens: Callable, citizen: str, claim_id: str) -> dict:
    answer = await client.get(
        f"/v1/payments/citizens/{citizen}/payments", headers=bearer(tokens(citizen_id=citizen))
    )
    assert answer.status_code == 200, answer.text
    [award] = [a for a in answer.json()["items"] if a["claim_id"] == claim_id]
    return award


async def test_a_change_told_late_is_recovered_from_the_next_payment_inside_the_cap(
    stack: Stack,
    client: httpx.AsyncClient,
    tokens: Callable,
    bootstrapped: Settings,
    payments_app: FastAPI,
    simulator: str,
    system: HttpPaymentSystem,
) -> None:
    ctx = payments_app.state.payments_context
    claim, amount, etag = await changes.awarded(stack)
    citizen = stack.citizen_id
    given = await client.put(
        f"/v1/payments/citizens/{citizen}/bank-details",
        json=fresh_account("Sarah Jones"),
        headers=bearer(tokens(citizen_id=citizen)),
    )
    assert given.status_code == 200, given.text
    inbox = inbox_for(stack, client)
    decided = EventEnvelope.wrap(
        ClaimDecisionMade(
            claim_id=claim.id, decision_id="d-1", kind="initial", outcome="award", automated=False
        ),
        source="claims",
    )
    sent = await inbox.handle(decided)
    assert (sent.outcome, sent.detail) == ("award_sent", "version 1")
    # The four stored periods (from 10 June 2026) are paid 16 July, 16 August, 16 September, 16 October.
    await service.run_payments(ctx, system, through=date(2026, 10, 20))
    ids = [instruction_id(claim.id, n) for n in range(4)]
    seen = (await at_simulator(simulator))["instructions"]
    assert [(seen[i]["paid"], seen[i]["pence"]) for i in ids] == [(1, amount)] * 4

    # Savings over £16,000 since 15 August, told on 20 October: the periods from 10 August and from
    # 10 September had no entitlement (UC Regs 2013 reg 18), so 2 x the award was overpaid.
    reported = await stack.claims.post(
        f"/v1/claims/{claim.id}/changes",
        json={"kind": "savings_changed", "happened_on": "2026-08-15", "savings_pence": 2_000_000},
        headers=changes.citizen(stack, **{"If-Match": etag}),
    )
    assert reported.status_code == 201, reported.text
    change = reported.json()
    overpaid = change["overpayment_pence"]
    assert overpaid == sum(r["was_pence"] - r["now_pence"] for r in change["revisions"]) > 0
    event = EventEnvelope.wrap(
        ClaimChangeReported(
            claim_id=claim.id,
            change_id=change["id"],
            kind="savings_changed",
            effective_from=change["effective_from"],
            status=change["status"],
            overpayment=True,
            arrears=False,
        ),
        source="claims",
    )
    revised = await inbox.handle(event)
    assert (revised.outcome, revised.detail) == ("award_sent", "version 2")
    # Delivered again: the same terms, the same version.
    assert (await inbox.handle(event)).detail == "version 2"
    award = await award_of(client, tokens, citizen, claim.id)
    # No later period yet: it all waits to be recovered; the paid payments show what was paid.
    assert award["overpayment_outstanding_pence"] == overpaid
    assert [p["net_pence"] for p in award["payments"]] == [amount] * 4

    # The monthly run stores the period from 10 October (say the savings were spent: the award again).
    start, end = assessment_period_start(claim.claim_date, 4), assessment_period_end(claim.claim_date, 4)
    stored = await stack.claims.put(
        f"/v1/internal/claims/{claim.id}/assessment-periods/{end.isoformat()}/statement",
        json={
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
            "award_pence": amount,
            "run_date": end.isoformat(),
        },
        headers=stack.workers(),
    )
    assert stored.status_code == 201, stored.text
    assert (await inbox.handle(event)).detail == "version 3"
    award = await award_of(client, tokens, citizen, claim.id)
    fifth = award["payments"][4]
    # The cap is 15% of the standard allowance the decision's assessment worked out (the single 25 or
    # over rate of 2026/27, £424.90: 15% is 6,373.5p, so 6,373p), and nothing else is deducted.
    cap = 42_490 * 1_500 // 10_000
    assert cap == 6_373
    assert fifth["deductions"] == [{"code": "overpayment-recovery", "pence": min(cap, overpaid)}]
    assert fifth["net_pence"] == amount - min(cap, overpaid)
    assert award["overpayment_outstanding_pence"] == overpaid - min(cap, overpaid)

    # Paid on Monday 16 November at the recovered amount, once, however many runs.
    await service.run_payments(ctx, system, through=date(2026, 11, 20))
    await service.run_payments(ctx, system, through=date(2026, 11, 20))
    seen = (await at_simulator(simulator))["instructions"]
    fifth_id = instruction_id(claim.id, 4)
    assert (seen[fifth_id]["paid"], seen[fifth_id]["pence"]) == (1, amount - min(cap, overpaid))
    assert (await award_of(client, tokens, citizen, claim.id))["payments"][4]["status"] == "paid"
    # And what was left is still to recover, not recovered twice from the payment already made.
    assert (await award_of(client, tokens, citizen, claim.id))["overpayment_outstanding_pence"] == (
        overpaid - min(cap, overpaid)
    )


async def test_revised_terms_pay_the_arrears_with_the_next_payment_once(
    client: httpx.AsyncClient,
    tokens: Callable,
    bootstrapped: Settings,
    payments_app: FastAPI,
    simulator: str,
    system: HttpPaymentSystem,
) -> None:
    # An award from 1 September 2026 of £610 a month: paid 7 October. A revision (an official error
    # put right) raises the first period to £700 and adds the second at £610: the second payment, on
    # Friday 6 November, is £610 + £90 arrears = £700.
    ctx = payments_app.state.payments_context
    citizen = str(uuid.uuid4())
    given = await client.put(
        f"/v1/payments/citizens/{citizen}/bank-details",
        json=fresh_account(),
        headers=bearer(tokens(citizen_id=citizen)),
    )
    assert given.status_code == 200, given.text
    award_id, claim_id = str(uuid.uuid4()), str(uuid.uuid4())
    terms = {
        "claim_id": claim_id,
        "citizen_id": citizen,
        "benefit": "universal_credit",
        "first_day": "2026-09-01",
        "period_amounts": [61_000],
    }
    path = f"/v1/internal/payments/awards/{award_id}"
    claims_token = bearer(service_token(bootstrapped, "claims"))
    assert (await client.put(path, json=terms, headers=claims_token)).status_code == 200
    await service.run_payments(ctx, system, through=date(2026, 10, 31))
    revised = {**terms, "period_amounts": [70_000, 61_000]}
    again = await client.put(path, json=revised, headers=claims_token)
    assert again.json()["version"] == 2
    award = await award_of(client, tokens, citizen, claim_id)
    assert [(p["net_pence"], p["arrears_pence"]) for p in award["payments"]] == [(61_000, 0), (70_000, 9_000)]
    for _ in range(2):
        await service.run_payments(ctx, system, through=date(2026, 11, 30))
    seen = (await at_simulator(simulator))["instructions"]
    assert [
        (seen[instruction_id(award_id, n)]["pence"], seen[instruction_id(award_id, n)]["paid"])
        for n in (0, 1)
    ] == [
        (61_000, 1),
        (70_000, 1),
    ]
    # The same terms again change nothing: no third payment, no arrears left.
    assert (await client.put(path, json=revised, headers=claims_token)).json()["version"] == 2
    award = await award_of(client, tokens, citizen, claim_id)
    assert [p["status"] for p in award["payments"]] == ["paid", "paid"]
    assert award["overpayment_outstanding_pence"] == 0
