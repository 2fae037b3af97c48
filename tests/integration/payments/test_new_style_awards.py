"""New Style JSA and ESA from decision to payment, over the real claims, benefits, integrations and
payments apps and the payment system simulator, on SQLite and PostgreSQL: an award reaches payments by
benefit week through the claims inbox and is paid by the fortnight in arrears; a change of circumstances
told six weeks late revises the weeks by the benefits service's weekly amounts (D&A Regs 2013 Sch 1
para 1), the overpayment of the weeks already paid is recorded with its cause, and payments pays the
next fortnight at the new amount, once. Bad input (a change in the future, before the claim, a kind New
Style does not take) is a problem document.

Sarah (born 12 April 1985, so 25 or over) claims New Style JSA on Wednesday 10 June 2026: HMRC's record
meets the contribution conditions and the automatic path awards £95.55 a week (2026/27). Fortnights are
paid the day after they end: 24 June, 8 and 22 July, 5 and 19 August, 2 September, all Wednesdays.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from dwp.claims.domain.answers import ClaimType
from dwp.contracts.events import ClaimChangeReported, ClaimDecisionMade, EventEnvelope
from dwp.payments import service
from dwp.payments.domain.schedule import instruction_id
from dwp.payments.payment_system import HttpPaymentSystem
from dwp.platform.settings import Settings
from tests.integration import test_claims_casework_api as casework
from tests.integration import test_claims_changes_api as changes
from tests.integration.conftest import bearer, service_token
from tests.integration.payments.test_instructions import at_simulator, fresh_account, simulator, system
from tests.integration.payments.test_revised_awards import award_of, inbox_for
from tests.integration.test_claims_casework_api import Stack, problem
from tests.integration.test_claims_flow import automatic, ready

pytestmark = pytest.mark.integration

stack = casework.stack
nhs_key_file = casework.nhs_key_file
__all__ = ["simulator", "system"]  # fixtures, used by name

RATE = 9_555
"""New Style JSA, 25 or over, 2026/27 (rates/2026-27.toml; JSA Regs 2013 reg 49)."""


def clock(stack: Stack, day: str) -> None:
    app: Any = stack.claims._transport.app  # type: ignore[attr-defined]
    moment = datetime.fromisoformat(f"{day}T11:00:00+00:00").astimezone(UTC)
    app.state.claims_context.clock = lambda: moment


async def awarded_jsa(stack: Stack, client: httpx.AsyncClient, tokens: Callable) -> str:
    clock(stack, "2026-06-12")
    claim = await ready(stack, claim_type=ClaimType.NEW_STYLE_JSA)
    decided = await stack.claims.post(automatic(claim.id), headers=stack.workers())
    assert decided.status_code == 200, decided.text
    assert decided.json()["decision"]["amount_pence"] == RATE
    given = await client.put(
        f"/v1/payments/citizens/{stack.citizen_id}/bank-details",
        json=fresh_account("Sarah Jones"),
        headers=bearer(tokens(citizen_id=stack.citizen_id)),
    )
    assert given.status_code == 200, given.text
    return claim.id


async def etag_of(stack: Stack, claim_id: str) -> str:
    read = await stack.claims.get(f"/v1/claims/{claim_id}", headers=changes.citizen(stack))
    assert read.status_code == 200, read.text
    return read.headers["etag"]


async def test_a_jsa_award_is_paid_by_the_fortnight_and_a_late_pension_is_an_overpayment_of_the_paid_weeks(
    stack: Stack,
    client: httpx.AsyncClient,
    tokens: Callable,
    bootstrapped: Settings,
    payments_app: FastAPI,
    simulator: str,
    system: HttpPaymentSystem,
) -> None:
    ctx = payments_app.state.payments_context
    claim_id = await awarded_jsa(stack, client, tokens)
    inbox = inbox_for(stack, client)

    # The decision reaches payments by benefit week: 26 weeks (JSA's 182 days, Jobseekers Act 1995
    # s.5(1)) at £95.55, paid as 13 fortnights of £191.10.
    terms = await stack.claims.get(
        f"/v1/internal/claims/{claim_id}/award-for-payment", headers=stack.workers()
    )
    assert terms.status_code == 200, terms.text
    body = terms.json()["terms"]
    assert (body["benefit"], body["first_day"], body["period_amounts"]) == ("new_style_jsa", "2026-06-10", [])
    assert body["week_amounts"] == [RATE] * 26
    decided = EventEnvelope.wrap(
        ClaimDecisionMade(
            claim_id=claim_id, decision_id="d-1", kind="initial", outcome="award", automated=True
        ),
        source="claims",
    )
    sent = await inbox.handle(decided)
    assert (sent.outcome, sent.detail) == ("award_sent", "version 1")
    award = await award_of(client, tokens, stack.citizen_id, claim_id)
    assert [(p["period_start"], p["pay_on"], p["net_pence"]) for p in award["payments"][:2]] == [
        ("2026-06-10", "2026-06-24", 2 * RATE),
        ("2026-06-24", "2026-07-08", 2 * RATE),
    ]
    assert len(award["payments"]) == 13

    # Five fortnights paid, to 19 August.
    await service.run_payments(ctx, system, through=datetime(2026, 8, 20).date())
    seen = (await at_simulator(simulator))["instructions"]
    assert [
        (seen[instruction_id(claim_id, n)]["paid"], seen[instruction_id(claim_id, n)]["pence"])
        for n in range(5)
    ] == [(1, 2 * RATE)] * 5

    # A pension of £80 a week from Friday 17 July, told on Friday 28 August (six weeks on, more than a
    # month): against her, so from the first day of that benefit week, Wednesday 15 July (para 1):
    # £80 - £50 = £30 a week off, £65.55 a week. Of the weeks from 15 July, those to 18 August were paid
    # (15, 22, 29 July, 5 and 12 August): 5 x £30.00 = £150.00 paid too much, the claimant's.
    clock(stack, "2026-08-28")
    path = f"/v1/claims/{claim_id}/changes"
    pension = {
        "kind": "pension_changed",
        "happened_on": "2026-07-17",
        "pension": {"pence": 8_000, "frequency": "weekly"},
    }
    reported = await stack.claims.post(
        path, json=pension, headers=changes.citizen(stack, **{"If-Match": await etag_of(stack, claim_id)})
    )
    assert reported.status_code == 201, reported.text
    change = reported.json()
    assert (change["status"], change["effective_from"], change["rule"][-12:]) == (
        "revised",
        "2026-07-15",
        "Sch 1 para 1",
    )
    assert [(r["period_start"], r["was_pence"], r["now_pence"], r["paid"]) for r in change["revisions"]] == [
        (start, RATE, 6_555, paid)
        for start, paid in (
            ("2026-07-15", True),
            ("2026-07-22", True),
            ("2026-07-29", True),
            ("2026-08-05", True),
            ("2026-08-12", True),
            ("2026-08-19", False),
            ("2026-08-26", False),
        )
    ]
    assert (change["overpayment_pence"], change["overpayment_cause"], change["arrears_pence"]) == (
        15_000,
        "claimant",
        0,
    )
    assert any(
        line == "Benefit week 2026-07-15 to 2026-07-21: £95.55 is now £65.55."
        for line in change["explanation"]
    )

    # The revised weeks reach payments: the weeks before 15 July as they were, every week from it (those
    # the change stored and the ones the award runs on at) £65.55.
    terms = await stack.claims.get(
        f"/v1/internal/claims/{claim_id}/award-for-payment", headers=stack.workers()
    )
    assert terms.json()["terms"]["week_amounts"] == [RATE] * 5 + [6_555] * 21
    event = EventEnvelope.wrap(
        ClaimChangeReported(
            claim_id=claim_id,
            change_id=change["id"],
            kind="pension_changed",
            effective_from=change["effective_from"],
            status=change["status"],
            overpayment=True,
            arrears=False,
        ),
        source="claims",
    )
    assert (await inbox.handle(event)).detail == "version 2"
    assert (await inbox.handle(event)).detail == "version 2"  # delivered again: the same terms
    award = await award_of(client, tokens, stack.citizen_id, claim_id)
    # Payments comes to the same £150.00 from what it instructed and recovers it from the fortnights not
    # yet sent, at most two weeks of 40% of the age-related amount (O&R Regs 2013 reg 12(2)): 40% of
    # £95.55 is £38.22, up to £38.25 a week, £76.50 a fortnight: £76.50 from the sixth fortnight and the
    # £73.50 left from the seventh, so nothing is left outstanding once the schedule is planned.
    assert award["overpayment_outstanding_pence"] == 0
    sixth = award["payments"][5]
    recovered = [{"code": "overpayment-recovery", "pence": 7_650}]
    assert award["payments"][6]["deductions"] == [{"code": "overpayment-recovery", "pence": 7_350}]
    # The citizen sees what each fortnight pays for: its two weeks (the third fortnight: 8 July as it
    # was, 15 July revised).
    assert award["payments"][2]["week_amounts_pence"] == [RATE, 6_555]
    assert sixth["week_amounts_pence"] == [6_555, 6_555]
    assert (sixth["period_start"], sixth["pay_on"], sixth["net_pence"], sixth["deductions"]) == (
        "2026-08-19",
        "2026-09-02",
        2 * 6_555 - 7_650,
        recovered,
    )
    for _ in range(2):
        await service.run_payments(ctx, system, through=datetime(2026, 9, 3).date())
    seen = (await at_simulator(simulator))["instructions"]
    assert (seen[instruction_id(claim_id, 5)]["paid"], seen[instruction_id(claim_id, 5)]["pence"]) == (
        1,
        2 * 6_555 - 7_650,
    )
    assert [seen[instruction_id(claim_id, n)]["paid"] for n in range(5)] == [1] * 5  # nothing paid twice


async def test_a_jsa_change_in_the_future_before_the_claim_or_of_a_uc_kind_is_refused(
    stack: Stack, client: httpx.AsyncClient, tokens: Callable, payments_app: FastAPI
) -> None:
    claim_id = await awarded_jsa(stack, client, tokens)
    clock(stack, "2026-08-28")
    etag = await etag_of(stack, claim_id)
    path = f"/v1/claims/{claim_id}/changes"
    weekly = {"pence": 8_000, "frequency": "weekly"}
    for body, field in (
        ({"kind": "pension_changed", "happened_on": "2026-08-29", "pension": weekly}, "happened_on"),
        ({"kind": "pension_changed", "happened_on": "2026-06-09", "pension": weekly}, "happened_on"),
        ({"kind": "pension_changed", "happened_on": "9999-12-31", "pension": weekly}, "happened_on"),
        ({"kind": "pension_changed", "happened_on": "2026-07-17"}, "pension"),
        ({"kind": "savings_changed", "happened_on": "2026-07-17", "savings_pence": 1}, "kind"),
    ):
        refused = problem(
            await stack.claims.post(path, json=body, headers=changes.citizen(stack, **{"If-Match": etag})),
            422,
        )
        assert field in json_fields(refused), (body, refused)
    for hostile in (
        {"pence": -1, "frequency": "weekly"},
        {"pence": "80", "frequency": "weekly"},
        {"pence": 1, "frequency": "daily"},
    ):
        body = {"kind": "pension_changed", "happened_on": "2026-07-17", "pension": hostile}
        problem(
            await stack.claims.post(path, json=body, headers=changes.citizen(stack, **{"If-Match": etag})),
            422,
        )
    # Nothing refused changed the claim: the ETag still works, and on time an unchanged amount says so.
    clock(stack, "2026-07-20")
    told = await stack.claims.post(
        path,
        json={
            "kind": "pension_changed",
            "happened_on": "2026-07-17",
            "pension": {"pence": 5_000, "frequency": "weekly"},
        },
        headers=changes.citizen(stack, **{"If-Match": etag}),
    )
    assert told.status_code == 201, told.text
    # £50 a week is not above the threshold: nothing comes off (Jobseekers Act 1995 s.4(1)(b)).
    assert (told.json()["status"], told.json()["overpayment_pence"]) == ("no_change_to_amount", 0)


def json_fields(problem_body: dict[str, Any]) -> str:
    return str(problem_body.get("errors", "")) + str(problem_body.get("detail", ""))


async def test_esa_permitted_work_changes_no_week_and_work_over_the_limit_is_nil_from_its_benefit_week(
    stack: Stack, client: httpx.AsyncClient, tokens: Callable, payments_app: FastAPI
) -> None:
    # New Style ESA from 10 June 2026, assessment phase at 25 or over, £95.55, less half of the £5 by which
    # her £90 pension passes £85 (WRA 2007 s.3): £2.50, so £93.05 a week, for 52 whole weeks (365 days
    # outside the support group, WRA 2007 s.1A).
    clock(stack, "2026-06-12")
    claim = await ready(stack, claim_type=ClaimType.NEW_STYLE_ESA)
    decided = await stack.claims.post(automatic(claim.id), headers=stack.workers())
    assert decided.status_code == 200, decided.text
    assert decided.json()["decision"]["amount_pence"] == 9_305
    terms = await stack.claims.get(
        f"/v1/internal/claims/{claim.id}/award-for-payment", headers=stack.workers()
    )
    assert terms.json()["terms"]["benefit"] == "new_style_esa"
    assert terms.json()["terms"]["week_amounts"] == [9_305] * 52

    # Work from Thursday 2 July at £150 a week for 10 hours, told on 20 July: permitted work (under
    # £203.50 and 16 hours, ESA Regs 2013 reg 39), so no week changes.
    clock(stack, "2026-07-20")
    path = f"/v1/claims/{claim.id}/changes"
    work = {"kind": "started_work", "happened_on": "2026-07-02", "employer": "Acme Ltd", "hours_per_week": 10}
    permitted = await stack.claims.post(
        path,
        json={**work, "pay": {"pence": 15_000, "frequency": "weekly"}},
        headers=changes.citizen(stack, **{"If-Match": await etag_of(stack, claim.id)}),
    )
    assert permitted.status_code == 201, permitted.text
    assert (permitted.json()["status"], permitted.json()["overpayment_pence"]) == ("no_change_to_amount", 0)
    # The pay rising to £250 a week from the same day is over the limit (reg 37, 39): nil from the
    # benefit week of 1 July (para 1). The week from 1 July was paid on 8 July: £93.05 too much.
    over = await stack.claims.post(
        path,
        json={**work, "employer": "Acme Two Ltd", "pay": {"pence": 25_000, "frequency": "weekly"}},
        headers=changes.citizen(stack, **{"If-Match": await etag_of(stack, claim.id)}),
    )
    assert over.status_code == 201, over.text
    body = over.json()
    assert (body["effective_from"], body["status"]) == ("2026-07-01", "revised")
    assert [(r["period_start"], r["now_pence"], r["paid"]) for r in body["revisions"]] == [
        ("2026-07-01", 0, True),
        ("2026-07-08", 0, False),
        ("2026-07-15", 0, False),
    ]
    assert (body["overpayment_pence"], body["overpayment_cause"]) == (9_305, "official_error")
    terms = await stack.claims.get(
        f"/v1/internal/claims/{claim.id}/award-for-payment", headers=stack.workers()
    )
    assert terms.json()["terms"]["week_amounts"] == [9_305] * 3 + [0] * 49


@pytest.mark.parametrize(
    "terms",
    [
        {"benefit": "universal_credit", "week_amounts": [9_555]},
        {"benefit": "new_style_jsa", "week_amounts": [9_555], "period_amounts": [19_110]},
        {"benefit": "new_style_esa", "week_amounts": [9_555, -1]},
        {"benefit": "new_style_esa", "week_amounts": [1] * 601},
        {"benefit": "new_style_esa", "week_amounts": ["9555"]},
    ],
)
async def test_weeks_payments_cannot_take_are_a_problem_document(
    client: httpx.AsyncClient, bootstrapped: Settings, terms: dict[str, Any]
) -> None:
    body = {"claim_id": "c-1", "citizen_id": "p-1", "first_day": "2026-06-10", "period_amounts": [], **terms}
    answer = await client.put(
        "/v1/internal/payments/awards/a-1", json=body, headers=bearer(service_token(bootstrapped, "claims"))
    )
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
