"""The benefits assessment use cases on an in-memory unit of work, with the test's clock."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from dwp.benefits import service
from dwp.benefits.domain import Adult, Earnings, Household, one_month_later
from dwp.benefits.estimates import RTIPayment
from dwp.benefits.service import AssessClaim
from dwp.contracts.events import BenefitAssessed
from dwp.platform.auth import Actor
from dwp.platform.catalog import BENEFITS_EVENTS_TOPIC
from dwp.platform.idempotency import Claim, Remember, StoredResponse
from tests.fakes.benefits import in_memory_context
from tests.fakes.clock import FakeClock

NOW = datetime(2025, 7, 2, 9, 30, tzinfo=UTC)
STAFF = Actor("cw-1", "caseworker", "req-1")
START = date(2025, 6, 1)


def command(**overrides: object) -> AssessClaim:
    household = Household(
        START, one_month_later(START), (Adult(date(1985, 1, 1), earnings=Earnings(gross=150000)),)
    )
    values: dict = {"claim_id": "claim-1", "household": household, "payments": None, "inputs": {"as": "sent"}}
    values.update(overrides)
    return AssessClaim(**values)


@pytest.fixture
def env():
    return in_memory_context(FakeClock(NOW))


async def test_an_assessment_is_stored_and_published_in_one_commit(env) -> None:
    ctx, store = env
    assessment = await service.assess_claim(ctx, command(), actor=STAFF)
    assert store.data[assessment.id] == assessment
    assert (assessment.created_at, assessment.actor, assessment.request_id) == (NOW, "cw-1", "req-1")
    assert assessment.inputs == {"as": "sent"}
    assert assessment.tax_year == "2025-26"
    assert assessment.explanation
    assert store.published(BENEFITS_EVENTS_TOPIC) == [
        BenefitAssessed(
            assessment_id=assessment.id,
            claim_id="claim-1",
            benefit="universal_credit",
            period_start="2025-06-01",
            period_end=assessment.period_end.isoformat(),
            award_pence=assessment.award_pence,
        )
    ]
    assert await service.get_assessment(ctx, assessment_id=assessment.id) == assessment


async def test_hmrc_earnings_replace_the_declared_ones(env) -> None:
    ctx, _ = env
    declared = await service.assess_claim(ctx, command(), actor=STAFF)
    payments = [
        RTIPayment(adult=0, paid_on=date(2025, 6, 20), gross=120000, income_tax=5000, national_insurance=3000)
    ]
    from_rti = await service.assess_claim(ctx, command(payments=payments), actor=STAFF)
    assert from_rti.amounts["earned_income"] == 112000
    assert declared.amounts["earned_income"] != 112000


async def test_the_idempotent_answer_commits_with_the_assessment(env) -> None:
    ctx, store = env
    claim = Claim("cw-1", "key-1", "hash", "lease")
    assessment = await service.assess_claim(
        ctx, command(), actor=STAFF, remember=Remember(claim, lambda a: StoredResponse(201, {"id": a.id}))
    )
    assert store.responses == {("cw-1", "key-1"): StoredResponse(201, {"id": assessment.id})}


async def test_a_failed_publish_stores_nothing(env, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx, store = env

    async def outbox_fails(*_: object) -> str:
        raise ConnectionError("outbox gone")

    monkeypatch.setattr(service.events, "benefit_assessed", outbox_fails)
    with pytest.raises(ConnectionError):
        await service.assess_claim(ctx, command(), actor=STAFF)
    assert (store.data, store.events, store.commits) == ({}, [], 0)


async def test_an_unknown_assessment(env) -> None:
    ctx, _ = env
    with pytest.raises(service.AssessmentNotFound):
        await service.get_assessment(ctx, assessment_id="nope")
