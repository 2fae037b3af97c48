"""The caseworker side and the assessment as use cases, on the in-memory unit of work: the queue and its
paging, taking and escalating work, evidence, the assessment through fake upstreams (down, no match),
decisions with their period award, the automatic path that only awards, audited reads, held
registrations, the scaling figure and the monthly run's routes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from dwp.claims import casework
from dwp.claims.casework import Waiting, WorkItemNotFound, WorkItemTaken
from dwp.claims.domain import answers as A
from dwp.claims.domain.dates import period_ends_on
from dwp.claims.domain.errors import (
    AutomatedDisallowForbidden,
    CannotAssign,
    NotPermitted,
    SameDecisionMaker,
    StaleVersion,
)
from dwp.claims.domain.model import Claim, Outcome, Status, TodoKind
from dwp.claims.domain.work import QueueFilter, WorkItem, WorkKind
from dwp.contracts import claims as contract
from dwp.contracts.citizens import CitizenIdentity
from tests.fakes.casework import CaseworkTestContext, FakeUpstreams
from tests.fakes.clock import FakeClock

from .conftest import CASEWORKER_A, CASEWORKER_B, CLAIMANT, LEADER, START, submitted

CITIZEN_ID = "c0ffee00-0000-4000-8000-000000000001"
PERSON = CitizenIdentity(
    id=CITIZEN_ID,
    given_name="Sarah",
    family_name="Jones",
    date_of_birth=date(1990, 5, 17),
    national_insurance_number="AB123456C",
)


def _seed(ctx: CaseworkTestContext, claim_type: A.ClaimType = A.ClaimType.UNIVERSAL_CREDIT) -> Claim:
    story = submitted(claim_type)
    claim = replace(story.claim, claimant=replace(story.claim.claimant, citizen_id=CITIZEN_ID))
    ctx.data.claims[claim.id] = claim
    for t in story.transitions:
        for item in t.work_items:
            ctx.data.work[item.id] = item
    return claim


def _item(ctx: CaseworkTestContext, item_id: str = "w-1", **kw: object) -> WorkItem:
    values: dict[str, object] = {
        "id": item_id,
        "kind": WorkKind.ASSESS_CLAIM,
        "claim_id": "claim-1",
        "benefit": A.ClaimType.UNIVERSAL_CREDIT,
        "claim_status": Status.SUBMITTED,
        "created_at": START,
    }
    values.update(kw)
    item = WorkItem(**values)  # type: ignore[arg-type]
    ctx.data.work[item.id] = item
    return item


@pytest.fixture
def ctx() -> CaseworkTestContext:
    return CaseworkTestContext.fresh(FakeClock(START + timedelta(days=1), tick=timedelta(seconds=1)))


@pytest.fixture
def upstreams() -> FakeUpstreams:
    return FakeUpstreams(people={CITIZEN_ID: PERSON})


# --- the queue and work items ------------------------------------------------------------------------


async def test_two_caseworkers_take_the_same_item_one_wins_the_other_is_told_it_is_taken(
    ctx: CaseworkTestContext,
) -> None:
    _item(ctx)
    taken = await casework.take_work_item(ctx, item_id="w-1", actor=CASEWORKER_A)
    assert (taken.assigned_to, taken.version) == ("staff-a", 2)
    with pytest.raises(WorkItemTaken):
        await casework.take_work_item(ctx, item_id="w-1", actor=CASEWORKER_B)
    assert ctx.data.work["w-1"].assigned_to == "staff-a"
    # Taking one's own again is harmless; a team leader may take it over.
    await casework.take_work_item(ctx, item_id="w-1", actor=CASEWORKER_A)
    assert (await casework.take_work_item(ctx, item_id="w-1", actor=LEADER)).assigned_to == "staff-lead"


async def test_a_change_made_against_an_old_version_is_refused_as_stale(ctx: CaseworkTestContext) -> None:
    _item(ctx)
    await casework.take_work_item(ctx, item_id="w-1", actor=CASEWORKER_A, expected_version=1)
    with pytest.raises(StaleVersion):
        await casework.escalate_work_item(
            ctx, item_id="w-1", reason="complex", actor=CASEWORKER_A, expected_version=1
        )
    with pytest.raises(WorkItemNotFound):
        await casework.take_work_item(ctx, item_id="nope", actor=CASEWORKER_A)


async def test_escalation_needs_a_reason_and_sends_the_item_to_team_leaders(ctx: CaseworkTestContext) -> None:
    _item(ctx)
    with pytest.raises(CannotAssign):
        await casework.escalate_work_item(ctx, item_id="w-1", reason="  ", actor=CASEWORKER_A)
    with pytest.raises(CannotAssign):
        await casework.escalate_work_item(ctx, item_id="w-1", reason="odd\u202e", actor=CASEWORKER_A)
    item = await casework.escalate_work_item(
        ctx, item_id="w-1", reason="capital is unclear", actor=CASEWORKER_A
    )
    assert item.escalated
    assert item.assigned_to is None
    with pytest.raises(NotPermitted):
        await casework.take_work_item(ctx, item_id="w-1", actor=CASEWORKER_B)
    with pytest.raises(NotPermitted):
        await casework.assign_work_item(ctx, item_id="w-1", to="staff-b", actor=CASEWORKER_A)
    given = await casework.assign_work_item(ctx, item_id="w-1", to="staff-b", actor=LEADER)
    assert given.assigned_to == "staff-b"
    assert [r.action for r in ctx.data.audit] == ["escalate_work_item", "assign_work_item"]


async def test_the_queue_filters_and_pages_without_losing_or_repeating_an_item(
    ctx: CaseworkTestContext,
) -> None:
    for n in range(7):
        _item(
            ctx,
            f"w-{n}",
            created_at=START - timedelta(days=n),
            benefit=A.ClaimType.NEW_STYLE_JSA if n % 3 == 0 else A.ClaimType.UNIVERSAL_CREDIT,
            assigned_to="staff-a" if n == 1 else None,
        )
    seen: list[str] = []
    cursor = None
    while True:
        page = await casework.work_queue(ctx, actor=CASEWORKER_A, query=QueueFilter(), limit=3, cursor=cursor)
        seen += [i.id for i in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [f"w-{n}" for n in range(6, -1, -1)]  # oldest first when nothing is due
    jsa = await casework.work_queue(
        ctx, actor=CASEWORKER_A, query=QueueFilter(benefits=frozenset({A.ClaimType.NEW_STYLE_JSA}))
    )
    assert [i.id for i in jsa.items] == ["w-6", "w-3", "w-0"]
    free = await casework.work_queue(
        ctx, actor=CASEWORKER_A, query=QueueFilter(assigned=False, older_than_days=3)
    )
    assert [i.id for i in free.items] == ["w-6", "w-5", "w-4", "w-3"]
    with pytest.raises(NotPermitted):
        await casework.work_queue(ctx, actor=CLAIMANT, query=QueueFilter())
    with pytest.raises(casework.ClaimsError):
        await casework.work_queue(ctx, actor=CASEWORKER_A, query=QueueFilter(), cursor="2026-01-01|garbage|x")


# --- evidence, assessment and decisions ----------------------------------------------------------------


async def test_asking_for_evidence_adds_a_to_do_each_and_moves_the_claim_and_its_work(
    ctx: CaseworkTestContext,
) -> None:
    claim = _seed(ctx)
    new = await casework.request_evidence(
        ctx,
        claim_id=claim.id,
        evidence=("tenancy_agreement", "payslips"),
        reason="rent and pay",
        actor=CASEWORKER_A,
        expected_version=claim.version,
    )
    assert new.status == Status.AWAITING_EVIDENCE
    uploads = [t.subject for t in new.open_todos(TodoKind.UPLOAD_EVIDENCE)]
    assert {"tenancy_agreement", "payslips"} <= set(uploads)
    assert {w.claim_status for w in ctx.data.work.values() if w.claim_id == claim.id} <= {
        Status.AWAITING_EVIDENCE
    }
    assert any(type(e).__name__ == "ClaimTodoAdded" for e in ctx.uow.store.published())
    with pytest.raises(StaleVersion):
        await casework.start_assessment(
            ctx, claim_id=claim.id, reason="go on", actor=CASEWORKER_A, expected_version=claim.version
        )


async def test_when_benefits_is_down_the_claim_waits_with_one_work_item_and_nothing_changes(
    ctx: CaseworkTestContext, upstreams: FakeUpstreams
) -> None:
    claim = _seed(ctx)
    claim = await casework.start_assessment(ctx, claim_id=claim.id, actor=CASEWORKER_A)
    upstreams.benefits = "down"
    first = await casework.decide_with_assessment(
        ctx, upstreams, claim_id=claim.id, actor=CASEWORKER_A, reasons=("entitled",)
    )
    again = await casework.assess(ctx, upstreams, claim_id=claim.id, actor=CASEWORKER_A)
    assert isinstance(first, Waiting)
    assert isinstance(again, Waiting)
    assert first.provider == "benefits"
    assert first.work_item_id == again.work_item_id
    assert first.retry_after == 30
    waiting = [w for w in ctx.data.work.values() if w.kind == WorkKind.PROVIDER_UNAVAILABLE]
    assert len(waiting) == 1
    assert waiting[0].note == "waiting for benefits"
    assert ctx.data.claims[claim.id].status == Status.UNDER_ASSESSMENT
    assert ctx.data.claims[claim.id].decisions == ()
    # Back up: the decision goes through, and the waiting item is done with it.
    upstreams.benefits = "up"
    done = await casework.decide_with_assessment(
        ctx, upstreams, claim_id=claim.id, actor=CASEWORKER_A, reasons=("entitled",)
    )
    assert not isinstance(done, Waiting)
    assert not ctx.data.work[waiting[0].id].open


async def test_when_hmrc_has_no_match_the_citizen_is_asked_for_payslips(
    ctx: CaseworkTestContext, upstreams: FakeUpstreams
) -> None:
    claim = _seed(ctx)
    await casework.start_assessment(ctx, claim_id=claim.id, actor=CASEWORKER_A)
    upstreams.integrations = "no-match"
    result = await casework.assess(ctx, upstreams, claim_id=claim.id, actor=CASEWORKER_A)
    assert isinstance(result, Waiting)
    assert result.todo_ids
    stored = ctx.data.claims[claim.id]
    assert stored.status == Status.AWAITING_EVIDENCE
    assert [t.subject for t in stored.todos if t.id in result.todo_ids] == ["payslips"]


async def test_a_caseworker_award_records_the_decision_the_first_period_and_the_live_award(
    ctx: CaseworkTestContext, upstreams: FakeUpstreams
) -> None:
    claim = _seed(ctx)
    await casework.start_assessment(ctx, claim_id=claim.id, actor=CASEWORKER_A)
    upstreams.payments = [
        {
            "employer_name": "Corner Shop Ltd",
            "employer_paye_reference": "123/AB456",
            "paid_on": "2026-06-25",
            "gross": 95_000,
            "income_tax": -1_000,
            "national_insurance": 2_000,
            "tax_year": "2026-27",
        }
    ]
    result = await casework.decide_with_assessment(
        ctx, upstreams, claim_id=claim.id, actor=CASEWORKER_A, reasons=("entitled on the figures",)
    )
    assert not isinstance(result, Waiting)
    decided, assessed = result
    assert assessed is not None
    assert assessed.earnings_access_id == "access-1"
    decision = decided.latest_decision
    assert decision is not None
    assert not decision.automated
    assert (decision.outcome, decision.amount_pence, decision.assessment_id) == (
        Outcome.AWARD,
        41_000,
        f"assessment-{claim.id}",
    )
    [(claim_id, stored)] = ctx.data.decisions.values()
    assert claim_id == claim.id
    assert stored.id == decision.id
    [period] = ctx.data.periods.values()
    assert (period.period_start, period.award_pence, period.source) == (claim.claim_date, 41_000, "casework")
    assert ctx.data.uc_awards[claim.id] == (claim.claim_date, True)
    assert upstreams.calls == ["citizen", "integrations", "benefits"]


async def test_a_disallowance_is_a_persons_with_reasons_and_has_no_award(
    ctx: CaseworkTestContext, upstreams: FakeUpstreams
) -> None:
    claim = _seed(ctx)
    await casework.start_assessment(ctx, claim_id=claim.id, actor=CASEWORKER_A)
    result = await casework.decide_with_assessment(
        ctx,
        upstreams,
        claim_id=claim.id,
        actor=CASEWORKER_A,
        reasons=("capital over £16,000",),
        outcome=Outcome.DISALLOW,
    )
    assert not isinstance(result, Waiting)
    assert result[0].status == Status.DISALLOWED
    assert result[1] is None
    assert upstreams.calls == []
    assert ctx.data.periods == {}
    assert ctx.data.uc_awards[claim.id][1] is False


async def test_the_automatic_path_awards_as_automated_with_the_right_to_a_persons_review(
    ctx: CaseworkTestContext, upstreams: FakeUpstreams
) -> None:
    claim = _seed(ctx)
    result = await casework.decide_automatically(ctx, upstreams, claim_id=claim.id)
    assert not isinstance(result, Waiting)
    decision = result[0].latest_decision
    assert decision is not None
    assert decision.automated
    assert decision.outcome == Outcome.AWARD
    assert "human_review" in {r.kind for r in decision.rights}


async def test_the_automatic_path_never_disallows_a_nil_award_is_left_for_a_person(
    ctx: CaseworkTestContext, upstreams: FakeUpstreams
) -> None:
    claim = _seed(ctx)
    upstreams.uc_award_pence = 0
    result = await casework.decide_automatically(ctx, upstreams, claim_id=claim.id)
    assert not isinstance(result, Waiting)
    stored = ctx.data.claims[claim.id]
    assert stored.decisions == ()
    assert stored.status == Status.UNDER_ASSESSMENT
    notes = [w.note for w in ctx.data.work.values() if w.kind == WorkKind.ASSESS_CLAIM and w.open]
    assert "nil award: a decision maker decides" in notes
    # Nor can the system be made to disallow through the decision route.
    with pytest.raises(NotPermitted):
        await casework.record_decision(
            ctx,
            claim_id=claim.id,
            stage="initial",
            outcome=Outcome.DISALLOW,
            reasons=("x",),
            actor=casework.Actor("claims", "system"),
        )
    assert AutomatedDisallowForbidden  # the domain's own guard is tested in test_lifecycle_properties


async def test_an_unregistered_claimant_is_left_for_a_person_by_the_automatic_path(
    ctx: CaseworkTestContext, upstreams: FakeUpstreams
) -> None:
    claim = _seed(ctx)
    ctx.data.claims[claim.id] = replace(claim, claimant=replace(claim.claimant, citizen_id=None))
    await casework.decide_automatically(ctx, upstreams, claim_id=claim.id)
    assert ctx.data.claims[claim.id].decisions == ()
    assert any("not registered" in w.note for w in ctx.data.work.values())


async def test_a_reconsideration_is_decided_by_a_different_decision_maker(
    ctx: CaseworkTestContext, upstreams: FakeUpstreams
) -> None:
    claim = _seed(ctx)
    await casework.start_assessment(ctx, claim_id=claim.id, actor=CASEWORKER_A)
    await casework.decide_with_assessment(
        ctx, upstreams, claim_id=claim.id, actor=CASEWORKER_A, reasons=("capital",), outcome=Outcome.DISALLOW
    )
    from dwp.claims.domain import lifecycle as L

    stored = ctx.data.claims[claim.id]
    t = L.request_reconsideration(stored, actor=CLAIMANT, at=ctx.clock(), grounds="wrong", new_id=ctx.new_id)
    ctx.data.claims[claim.id] = t.claim
    with pytest.raises(SameDecisionMaker):
        await casework.record_decision(
            ctx,
            claim_id=claim.id,
            stage="reconsideration",
            outcome=Outcome.AWARD,
            reasons=("again",),
            amount_pence=100,
            actor=CASEWORKER_A,
        )
    new = await casework.record_decision(
        ctx,
        claim_id=claim.id,
        stage="reconsideration",
        outcome=Outcome.AWARD,
        reasons=("again",),
        amount_pence=100,
        actor=CASEWORKER_B,
    )
    assert new.status == Status.AWARDED
    assert new.latest_decision.made_by == "staff-b"
    assert len(ctx.data.decisions) == 2


# --- reads ------------------------------------------------------------------------------------------------


async def test_every_caseworker_read_and_audit_read_is_audited_with_its_purpose(
    ctx: CaseworkTestContext,
) -> None:
    claim = _seed(ctx)
    await casework.read_claim(ctx, claim_id=claim.id, actor=CASEWORKER_A, purpose="assess the claim")
    await casework.read_claim(ctx, claim_id=claim.id, actor=CASEWORKER_A, purpose="assess the claim")
    trail = await casework.audit_trail(ctx, claim_id=claim.id, actor=CASEWORKER_B, purpose="complaint")
    reads = [r for r in ctx.data.audit if r.action == "read"]
    assert [(r.actor_subject, r.reason) for r in reads] == [
        ("staff-a", "assess the claim"),
        ("staff-a", "assess the claim"),
        ("staff-b", "audit trail: complaint"),
    ]
    assert [r["action"] for r in trail if r["action"] == "read"] == ["read", "read"]
    with pytest.raises(NotPermitted):
        await casework.read_claim(ctx, claim_id=claim.id, actor=CLAIMANT, purpose="nosy")
    with pytest.raises(casework.ClaimsError):
        await casework.read_claim(ctx, claim_id=claim.id, actor=CASEWORKER_A, purpose="\x00")


async def test_the_overview_counts_claims_by_status_age_and_processing_time(
    ctx: CaseworkTestContext, upstreams: FakeUpstreams
) -> None:
    claim = _seed(ctx)
    await casework.start_assessment(ctx, claim_id=claim.id, actor=CASEWORKER_A)
    ctx.clock.advance(timedelta(days=9))  # type: ignore[attr-defined]
    await casework.decide_with_assessment(
        ctx, upstreams, claim_id=claim.id, actor=CASEWORKER_A, reasons=("ok",)
    )
    await casework.caseworker_seen(ctx, actor=CASEWORKER_A)
    view = await casework.overview(ctx, actor=CASEWORKER_A)
    assert view.by_status == {"awarded": 1}
    assert view.processing_days["count"] == 1
    assert view.processing_days["median"] == 10.0
    assert view.caseworkers_signed_in == 1


async def test_waiting_per_caseworker_counts_only_those_seen_in_the_last_15_minutes(
    ctx: CaseworkTestContext,
) -> None:
    for n in range(6):
        _item(ctx, f"w-{n}")
    assert (await casework.waiting_per_caseworker(ctx))[0] == 6.0  # nobody signed in: all against one
    await casework.caseworker_seen(ctx, actor=CASEWORKER_A)
    ctx.clock.advance(timedelta(minutes=10))  # type: ignore[attr-defined]
    await casework.caseworker_seen(ctx, actor=CASEWORKER_B)
    assert await casework.waiting_per_caseworker(ctx) == (3.0, 6, 2)
    ctx.clock.advance(timedelta(minutes=6))  # type: ignore[attr-defined]
    assert await casework.waiting_per_caseworker(ctx) == (6.0, 6, 1)
    await casework.caseworker_seen(ctx, actor=CLAIMANT)  # a citizen is not a caseworker
    assert (await casework.waiting_per_caseworker(ctx))[2] == 1


# --- held registrations and the monthly run -------------------------------------------------------------


async def test_a_held_registration_becomes_one_work_item_however_often_it_arrives(
    ctx: CaseworkTestContext,
) -> None:
    body = contract.HeldRegistration(
        hold_id="hold-1",
        citizen_id=CITIZEN_ID,
        reason="nino_registered",
        event_id="e-1",
        held_at=datetime(2026, 6, 10, 23, 30, tzinfo=UTC),
    )
    item, created = await casework.open_held_registration(ctx, body)
    again, created_again = await casework.open_held_registration(ctx, body)
    assert created
    assert not created_again
    assert item.id == again.id
    assert item.kind == WorkKind.HELD_REGISTRATION
    assert item.claim_id is None
    assert item.note.startswith("held since 2026-06-11")  # 23:30 UTC in June is the next UK day


@pytest.mark.parametrize(
    "day",
    [
        date(2027, 2, 28),
        date(2028, 2, 28),
        date(2028, 2, 29),
        date(2026, 4, 30),
        date(2026, 12, 31),
        date(2026, 7, 15),
    ],
)
def test_the_days_an_award_may_start_on_agree_with_the_period_rules(day: date) -> None:
    days = casework.period_days_ending_on(day)
    for first in (date(2025, 1, d) for d in range(1, 32)):
        assert period_ends_on(first, day) == (first.day in days), first


async def test_awards_due_and_the_statement_store_are_idempotent_by_claim_and_period(
    ctx: CaseworkTestContext, upstreams: FakeUpstreams
) -> None:
    claim = _seed(ctx)
    await casework.start_assessment(ctx, claim_id=claim.id, actor=CASEWORKER_A)
    upstreams.carried = {"cap_grace_period": True}
    await casework.decide_with_assessment(
        ctx, upstreams, claim_id=claim.id, actor=CASEWORKER_A, reasons=("ok",)
    )
    assert claim.claim_date is not None
    from dwp.claims.domain.dates import assessment_period_end, assessment_period_start

    second_start = assessment_period_start(claim.claim_date, 1)
    second_end = assessment_period_end(claim.claim_date, 1)
    shard = contract.shard_of(claim.id, 4)
    page = await casework.awards_due(
        ctx, upstreams, period_end=second_end, shard=shard, shards=4, cursor=None, limit=10
    )
    assert isinstance(page, contract.DueAwardsPage)
    [due] = page.items
    assert (due.period_start, due.period_end, due.statement_stored) == (second_start, second_end, False)
    assert due.carried_state == {"cap_grace_period": True}
    assert due.circumstances["cap_grace_period"] is True
    assert due.previous is not None
    assert due.previous.award_pence == 41_000
    assert due.earnings_subjects[0].national_insurance_number == "AB123456C"
    other = await casework.awards_due(
        ctx, upstreams, period_end=second_end, shard=(shard + 1) % 4, shards=4, cursor=None, limit=10
    )
    assert isinstance(other, contract.DueAwardsPage)
    assert other.items == []

    body = contract.PeriodStatement(
        period_start=second_start, period_end=second_end, award_pence=39_000, run_date=second_end
    )
    first = await casework.store_statement(ctx, claim_id=claim.id, period_end=second_end, body=body)
    again = await casework.store_statement(
        ctx, claim_id=claim.id, period_end=second_end, body=body.model_copy(update={"award_pence": 1})
    )
    assert first.created
    assert not again.created
    assert again.statement_id == first.statement_id
    assert again.award_pence == 39_000
    later = assessment_period_end(claim.claim_date, 3)
    with pytest.raises(casework.PeriodNotCurrent):
        await casework.store_statement(
            ctx,
            claim_id=claim.id,
            period_end=later,
            body=body.model_copy(update={"period_end": later, "period_start": second_end}),
        )
    upstreams.citizen = "down"
    waiting = await casework.awards_due(
        ctx,
        upstreams,
        period_end=assessment_period_end(claim.claim_date, 2),
        shard=shard,
        shards=4,
        cursor=None,
        limit=10,
    )
    assert isinstance(waiting, Waiting)
    assert waiting.provider == "citizen"


async def test_notification_facts_carry_ids_kinds_and_dates_never_free_text(
    ctx: CaseworkTestContext, upstreams: FakeUpstreams
) -> None:
    from dwp.claims.domain.journal import JournalEntry

    claim = _seed(ctx)
    await casework.start_assessment(ctx, claim_id=claim.id, actor=CASEWORKER_A)
    decided = await casework.decide_with_assessment(
        ctx, upstreams, claim_id=claim.id, actor=CASEWORKER_A, reasons=("your depression limits work",)
    )
    assert not isinstance(decided, Waiting)
    decision = decided[0].latest_decision
    assert decision is not None
    ctx.data.journal.append(JournalEntry("j-1", claim.id, "staff-a", "dwp", ctx.clock(), "private words"))
    todo = claim.todos[0]
    facts = await casework.notification_facts(
        ctx,
        claim_id=claim.id,
        todo_id=todo.id,
        decision_id=decision.id,
        entry_id="j-1",
        period_end=decided[1].period_end if decided[1] else None,
    )
    assert [(r.role, r.citizen_id) for r in facts.recipients] == [("claimant", CITIZEN_ID)]
    assert facts.todo is not None
    assert facts.todo.kind == todo.kind.value
    assert facts.decision is not None
    assert facts.decision.challenge_by == decision.rights[0].ask_by
    assert facts.message is not None
    assert facts.message.side == "dwp"
    assert facts.statement is not None
    assert facts.statement.award_pence == 41_000
    text = facts.model_dump_json()
    assert "depression" not in text
    assert "private words" not in text
    assert "AB123456C" not in text
    for part in ({"todo_id": "x"}, {"decision_id": "x"}, {"entry_id": "x"}, {"period_end": date(2020, 1, 1)}):
        with pytest.raises(casework.PartNotFound):
            await casework.notification_facts(ctx, claim_id=claim.id, **part)  # type: ignore[arg-type]


async def test_a_tribunals_outcome_is_recorded_by_a_caseworker_and_made_by_the_tribunal(
    ctx: CaseworkTestContext,
) -> None:
    from .conftest import reach

    story = reach(Status.APPEAL)
    claim = replace(story.claim, id="claim-appeal")
    ctx.data.claims[claim.id] = claim
    decided = await casework.record_decision(
        ctx,
        claim_id=claim.id,
        stage="appeal",
        outcome=Outcome.AWARD,
        reasons=("the tribunal allowed it",),
        amount_pence=30_000,
        actor=CASEWORKER_A,
    )
    decision = decided.latest_decision
    assert decision is not None
    assert (decided.status, decision.made_by, decision.kind.value) == (
        Status.AWARDED,
        "first-tier-tribunal",
        "appeal",
    )
    assert {r.kind for r in decision.rights} == {"upper_tribunal"}
    assert ctx.data.audit[-1].actor_subject == "staff-a"
