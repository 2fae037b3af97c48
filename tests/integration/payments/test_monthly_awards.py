"""The monthly run hands each award it stores to payments, and the award's nation comes from the home's
postcode: over the real claims, benefits and payments apps (SQLite and PostgreSQL), the workers' monthly
run (`dwp.workers.monthly.MonthlyRun`, its page mode) and claims inbox, and the payment system simulator.
HMRC's earnings come from the integrations stand-in (`tests.fakes.claims_internal.integrations_app`).

- A period the monthly run stores reaches payments in the same shard (one bulk read at claims, one bulk
  store at payments a page), so the payment due 7 days after it ends pays that period's award.
- Running the day again sends nothing new (the same terms, the same version) and pays nothing twice;
  a worker killed after the store and before payments has its shard redone, and the award reaches
  payments once.
- A Scottish home (EH1) has its payment due on St Andrew's Day (Monday 30 November 2026) paid on Friday
  27 November; the same day for a home in England (LS6) is not moved.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from dwp.claims.domain import answers as A
from dwp.claims.domain.dates import assessment_period_end
from dwp.claims.domain.model import Claim
from dwp.claims.repository import ClaimsRepository
from dwp.contracts.events import ClaimDecisionMade, EventEnvelope
from dwp.payments import service
from dwp.payments.domain.schedule import instruction_id
from dwp.payments.payment_system import HttpPaymentSystem
from dwp.platform.http import ResilientClient
from dwp.platform.settings import Settings
from dwp.workers.monthly import BATCH_POLICY, PAGE_POLICY, HttpUpstreams, MonthlyRun, Shard, ShardReport
from tests.fakes.claims_internal import IntegrationsState, integrations_app
from tests.integration import test_claims_casework_api as casework
from tests.integration.conftest import bearer
from tests.integration.payments.test_instructions import at_simulator, fresh_account, simulator, system
from tests.integration.payments.test_revised_awards import WorkersToken, award_of, inbox_for
from tests.integration.test_claims_casework_api import BENEFITS_URL, Stack
from tests.unit.claims.conftest import submitted, uc_answers

pytestmark = pytest.mark.integration

stack = casework.stack
nhs_key_file = casework.nhs_key_file
__all__ = ["simulator", "system"]  # fixtures, used by name

INTEGRATIONS = "http://integrations.test"
CLAIM_DAY = date(2026, 10, 24)
"""Periods from the 24th: the first ends Monday 23 November and is due Monday 30 November, St Andrew's
Day (a bank holiday in Scotland only); the second ends 23 December, due Wednesday 30 December."""


class NoQueues:
    """The notifications queue (not under test here: tests/integration/test_monthly_run.py counts it)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, queue: str, bodies: list[tuple[str, str]]) -> None:
        self.sent += bodies


class Killed(BaseException):
    """This worker dies (SIGKILL) here: nothing after it in the shard happens."""


class KilledBeforePayments(HttpUpstreams):
    """Claims stores the page, then the worker dies before it hands the awards to payments."""

    async def pay_awards(self, items: list[Any]) -> list[Any]:
        raise Killed


async def awarded_at(stack: Stack, postcode: str | None) -> tuple[Claim, int]:
    """A UC award from 24 October 2026 for a home at `postcode`, decided by a caseworker: its first period
    stored with the decision."""
    story = submitted()
    housing = uc_answers()["housing"]
    assert isinstance(housing, A.HousingAnswers)
    sections = {**story.claim.answers.sections, "housing": replace(housing, postcode=postcode)}
    claim = replace(
        story.claim,
        id=str(uuid.uuid4()),
        claim_date=CLAIM_DAY,
        answers=A.Answers(sections),
        claimant=replace(story.claim.claimant, citizen_id=stack.citizen_id, date_of_birth=date(1985, 4, 12)),
    )
    async with stack.database.transaction() as connection:
        repo = ClaimsRepository(connection, stack.cipher)
        await repo.add(claim, claim.created_at)
        for t in story.transitions:
            for item in t.work_items:
                await repo.add_work_item(replace(item, id=str(uuid.uuid4()), claim_id=claim.id))
    base = f"/v1/claims/casework/claims/{claim.id}"
    started = await stack.claims.post(f"{base}/assessment/start", headers=stack.staff())
    assert started.status_code in (200, 201), started.text
    decided = await stack.claims.post(
        f"{base}/decisions", json={"outcome": "award", "reasons": ["Entitled"]}, headers=stack.staff()
    )
    assert decided.status_code == 201, decided.text
    return claim, decided.json()["decision"]["amount_pence"]


async def paid_to(client: httpx.AsyncClient, tokens: Callable, citizen: str) -> None:
    given = await client.put(
        f"/v1/payments/citizens/{citizen}/bank-details",
        json=fresh_account("Morag Reid"),
        headers=bearer(tokens(citizen_id=citizen)),
    )
    assert given.status_code == 200, given.text


async def decided(stack: Stack, client: httpx.AsyncClient, claim: Claim) -> str | None:
    event = EventEnvelope.wrap(
        ClaimDecisionMade(
            claim_id=claim.id, decision_id="d-1", kind="initial", outcome="award", automated=False
        ),
        source="claims",
    )
    handled = await inbox_for(stack, client).handle(event)
    assert handled.outcome == "award_sent", handled
    return handled.detail


def upstreams(stack: Stack, client: httpx.AsyncClient, hmrc: httpx.AsyncClient, benefits: httpx.AsyncClient,
              kind: type[HttpUpstreams] = HttpUpstreams) -> HttpUpstreams:  # fmt: skip
    """The run's services as the workers reach them, with the workers' service token."""
    token = WorkersToken(lambda: stack.token("service", subject="workers"))
    return kind(
        ResilientClient("claims", "http://claims.test", http=stack.claims, tokens=token, policy=BATCH_POLICY),
        ResilientClient("integrations", INTEGRATIONS, http=hmrc, tokens=token, policy=BATCH_POLICY),
        ResilientClient("benefits", BENEFITS_URL, http=benefits, tokens=token, policy=PAGE_POLICY),
        ResilientClient("payments", "http://payments.test", http=client, tokens=token, policy=BATCH_POLICY),
    )  # fmt: skip


@pytest.fixture
async def services(stack: Stack) -> Any:
    hmrc = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=integrations_app(IntegrationsState())), base_url=INTEGRATIONS
    )  # fmt: skip
    benefits = httpx.AsyncClient(transport=stack.benefits, base_url=BENEFITS_URL)
    async with hmrc, benefits:
        yield hmrc, benefits


async def run_day(up: HttpUpstreams, day: date) -> ShardReport:
    run = MonthlyRun(up, NoQueues(), patience=1)
    return await run.run_shard(Shard(day=day, shard=0, shards=1, run_id=str(uuid.uuid4())))


async def test_the_monthly_run_gives_payments_the_period_it_stored_and_a_second_run_sends_nothing_new(
    stack: Stack,
    client: httpx.AsyncClient,
    tokens: Callable,
    bootstrapped: Settings,
    payments_app: FastAPI,
    simulator: str,
    system: HttpPaymentSystem,
    services: Any,
) -> None:
    ctx = payments_app.state.payments_context
    claim, amount = await awarded_at(stack, "LS6 1AA")
    await paid_to(client, tokens, stack.citizen_id)
    assert await decided(stack, client, claim) == "version 1"
    before = await award_of(client, tokens, stack.citizen_id, claim.id)
    assert [p["period_end"] for p in before["payments"]] == ["2026-11-23"]

    # The run for 23 December: the second period is reassessed, stored and, in the same shard, given to
    # payments (its terms read back from claims: both periods, as claims now holds them).
    day = assessment_period_end(CLAIM_DAY, 1)
    assert day == date(2026, 12, 23)
    report = await run_day(upstreams(stack, client, *services), day)
    assert (report.awards, report.calculated, report.failed) == (1, 1, [])
    assert (report.sent_to_payments, report.unchanged_at_payments) == (1, 0)
    award = await award_of(client, tokens, stack.citizen_id, claim.id)
    [second] = [p for p in award["payments"] if p["period_end"] == "2026-12-23"]
    stored = await stack.claims.get(
        f"/v1/internal/claims/{claim.id}/award-for-payment", headers=stack.workers()
    )
    terms = stored.json()["terms"]
    assert terms["period_amounts"][1] == second["gross_pence"]
    # HMRC reported pay above the £427 work allowance in the period the run stored, so its award took
    # earnings off (UC Regs reg 22(1)(b)): an overpayment may now be recovered at 25% of the £424.90
    # standard allowance (O&R Regs 2013 reg 11(2)(b), (4)), 10,622.5p, so 10,622p; the overall cap is
    # still 15% (6,373p), from the decision's amounts.
    assert (terms["overpayment_recovery_limit_pence"], terms["deduction_cap_pence"]) == (10_622, 6_373)
    # Due 7 days after the period ends: Wednesday 30 December, a working day.
    assert (second["due_on"], second["pay_on"], second["status"]) == ("2026-12-30", "2026-12-30", "due")

    # The same day again: nothing stored twice, the same terms (no new version), nothing new sent.
    again = await run_day(upstreams(stack, client, *services), day)
    assert (again.calculated, again.already_stored, again.failed) == (0, 1, [])
    assert (again.sent_to_payments, again.unchanged_at_payments) == (0, 1)

    # Both payments paid once, however many payment runs cover them.
    for _ in range(2):
        await service.run_payments(ctx, system, through=date(2027, 1, 2))
    seen = (await at_simulator(simulator))["instructions"]
    assert [(seen[instruction_id(claim.id, n)]["paid"], seen[instruction_id(claim.id, n)]["pence"])
            for n in (0, 1)] == [(1, amount), (1, second["net_pence"])]  # fmt: skip


async def test_a_worker_killed_before_payments_has_its_shard_redone_and_the_award_reaches_payments_once(
    stack: Stack,
    client: httpx.AsyncClient,
    tokens: Callable,
    bootstrapped: Settings,
    payments_app: FastAPI,
    services: Any,
) -> None:
    claim, _amount = await awarded_at(stack, None)
    await paid_to(client, tokens, stack.citizen_id)
    assert await decided(stack, client, claim) == "version 1"
    day = assessment_period_end(CLAIM_DAY, 1)

    with pytest.raises(Killed):
        await run_day(upstreams(stack, client, *services, kind=KilledBeforePayments), day)
    # Claims stored the period; payments has not heard of it.
    award = await award_of(client, tokens, stack.citizen_id, claim.id)
    assert [p["period_end"] for p in award["payments"]] == ["2026-11-23"]

    # SQS gives the shard back: the stored award is not reassessed, but is given to payments.
    redone = await run_day(upstreams(stack, client, *services), day)
    assert (redone.calculated, redone.already_stored, redone.failed) == (0, 1, [])
    assert redone.sent_to_payments == 1
    award = await award_of(client, tokens, stack.citizen_id, claim.id)
    assert [p["period_end"] for p in award["payments"]] == ["2026-11-23", "2026-12-23"]
    # Redone once more (the message delivered twice): the same version, nothing new.
    twice = await run_day(upstreams(stack, client, *services), day)
    assert (twice.sent_to_payments, twice.unchanged_at_payments) == (0, 1)
    assert (await decided(stack, client, claim)) == "version 2"


@pytest.mark.parametrize(
    ("postcode", "nation", "pay_on", "moved"),
    [
        # Monday 30 November 2026 is St Andrew's Day, a bank holiday in Scotland only: paid Friday 27th.
        ("EH1 1YZ", "scotland", "2026-11-27", ["2026-11-30 is Saint Andrew's Day", "2026-11-29 is Sunday",
                                               "2026-11-28 is Saturday"]),
        # In England it is a working day: not moved.
        ("LS6 1AA", "england-and-wales", "2026-11-30", []),
    ],
)  # fmt: skip
async def test_a_scottish_home_is_paid_before_st_andrews_day_and_an_english_one_on_it(
    stack: Stack,
    client: httpx.AsyncClient,
    tokens: Callable,
    bootstrapped: Settings,
    payments_app: FastAPI,
    postcode: str,
    nation: str,
    pay_on: str,
    moved: list[str],
) -> None:
    claim, _amount = await awarded_at(stack, postcode)
    read = await stack.claims.get(
        f"/v1/internal/claims/{claim.id}/award-for-payment", headers=stack.workers()
    )
    assert read.status_code == 200, read.text
    assert read.json()["terms"]["nation"] == nation
    await paid_to(client, tokens, stack.citizen_id)
    assert await decided(stack, client, claim) == "version 1"
    [first] = (await award_of(client, tokens, stack.citizen_id, claim.id))["payments"]
    assert (first["due_on"], first["pay_on"]) == ("2026-11-30", pay_on)
    assert first["moved_because"] == moved


async def test_the_bulk_read_answers_each_claim_in_order(stack: Stack) -> None:
    claim, _amount = await awarded_at(stack, "EH1 1YZ")
    unknown = str(uuid.uuid4())
    answer = await stack.claims.post(
        "/v1/internal/awards-for-payment", json={"claim_ids": [unknown, claim.id]}, headers=stack.workers()
    )
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    assert [(i["claim_id"], i["outcome"]) for i in items] == [(unknown, "not_found"), (claim.id, "award")]
    terms = items[1]["award"]["terms"]
    assert terms["nation"] == "scotland"
    # HMRC reported no pay in the first period, so the decision's award took no earnings off: an
    # overpayment is recovered at the standard rate, 15% of the £424.90 standard allowance (O&R Regs 2013
    # reg 11(2)(c)): 6,373.5p, so 6,373p, the same as the overall cap.
    assert (terms["overpayment_recovery_limit_pence"], terms["deduction_cap_pence"]) == (6_373, 6_373)
    twice = await stack.claims.post(
        "/v1/internal/awards-for-payment", json={"claim_ids": [claim.id, claim.id]}, headers=stack.workers()
    )
    assert twice.status_code == 422, twice.text
    assert twice.headers["content-type"].startswith("application/problem+json")


async def test_the_bulk_store_answers_each_award_and_one_it_refuses_does_not_stop_the_rest(
    client: httpx.AsyncClient, bootstrapped: Settings
) -> None:
    from tests.integration.conftest import service_token
    from tests.integration.payments.test_payments_api import award

    workers = bearer(service_token(bootstrapped, "workers"))
    mine, theirs = str(uuid.uuid4()), str(uuid.uuid4())
    taken, fresh, bad = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    first = await client.put(f"/v1/internal/payments/awards/{taken}", json=award(theirs), headers=workers)
    assert first.status_code == 200, first.text
    page = {
        "items": [
            {"award_id": taken, "terms": award(mine)},  # another person's award id
            {"award_id": fresh, "terms": award(mine)},
            {"award_id": bad, "terms": award(mine, first_day="9999-12-01")},  # no payment day can be paid
        ]
    }
    answer = await client.post("/v1/internal/payments/awards", json=page, headers=workers)
    assert answer.status_code == 200, answer.text
    assert [(i["award_id"], i["outcome"], i["version"]) for i in answer.json()["items"]] == [
        (taken, "refused", None),
        (fresh, "stored", 1),
        (bad, "refused", None),
    ]
    assert answer.json()["items"][0]["detail"].startswith("citizen_id")
    again = await client.post("/v1/internal/payments/awards", json=page, headers=workers)
    assert [i["outcome"] for i in again.json()["items"]] == ["refused", "unchanged", "refused"]
    twice = {"items": [page["items"][1], page["items"][1]]}
    doubled = await client.post("/v1/internal/payments/awards", json=twice, headers=workers)
    assert doubled.status_code == 422, doubled.text
    assert doubled.headers["content-type"].startswith("application/problem+json")


async def test_a_claim_id_that_is_no_id_is_a_422_naming_it_not_a_500(stack: Stack) -> None:
    for bad in ("claim\x00id", "a" * 65, "../x", ""):
        answer = await stack.claims.post(
            "/v1/internal/awards-for-payment", json={"claim_ids": [bad]}, headers=stack.workers()
        )
        assert answer.status_code == 422, (bad, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
