"""Builders for claims domain tests: complete answers for each benefit, actors, and claims brought to
any status by the lifecycle's own moves (never by setting the status)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

import pytest

from dwp.claims.domain import answers as A
from dwp.claims.domain import lifecycle as L
from dwp.claims.domain.model import CASEWORKER, TEAM_LEADER, Actor, Claim, Claimant, Outcome, Status

CLAIMANT = Actor("onelogin-sub-1", "citizen")
OTHER_CITIZEN = Actor("onelogin-sub-2", "citizen")
CASEWORKER_A = Actor("staff-a", "caseworker", frozenset({CASEWORKER}))
CASEWORKER_B = Actor("staff-b", "caseworker", frozenset({CASEWORKER}))
LEADER = Actor("staff-lead", "caseworker", frozenset({CASEWORKER, TEAM_LEADER}))
SYSTEM = Actor("claims-auto", "system")
BORN = date(1990, 5, 17)
START = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)


def uc_answers(**overrides: object) -> dict[str, A.Section]:
    sections: dict[str, A.Section] = {
        "household": A.HouseholdAnswers(
            lives_with_partner=False,
            children=(A.ChildAnswer(date(2019, 3, 2), "F"),),
        ),
        "housing": A.HousingAnswers(
            tenure="social_rent",
            bedrooms=2,
            rent=A.Amount(12_500, "weekly"),
            service_charges=A.Amount(1_000, "weekly"),
            landlord=A.Landlord("housing_association", "Riverside Homes"),
        ),
        "income": A.IncomeAnswers(
            employments=(A.Employment("Corner Shop Ltd", date(2024, 1, 8), 20, A.Amount(95_000, "monthly")),),
        ),
        "capital": A.CapitalAnswers(savings_pence=120_000),
        "childcare": A.ChildcareAnswers(pays_for_childcare=False),
        "health": A.HealthAnswers(you=A.PersonHealth(condition_affects_work=False)),
        "caring": A.CaringAnswers(),
    }
    sections.update(overrides)  # type: ignore[arg-type]
    return sections


def jsa_answers() -> dict[str, A.Section]:
    return {
        "work_history": A.WorkHistoryAnswers(
            jobs=(A.Job("Warehouse Co", date(2019, 2, 1), date(2026, 5, 29), 37, "redundancy"),)
        ),
        "availability": A.AvailabilityAnswers(available_now=True, hours_per_week=40),
        "jobseeking": A.JobseekingAnswers(
            actively_seeking=True, kinds_of_work=("warehouse",), steps_taken=("CV",)
        ),
        "income": A.WorkIncomeAnswers(),
    }


def esa_answers() -> dict[str, A.Section]:
    return {
        "condition": A.ConditionAnswers("Back injury", date(2026, 5, 1)),
        "fit_note": A.FitNoteAnswers(True, A.FitNote(date(2026, 5, 2), date(2026, 7, 31))),
        "treatment": A.TreatmentAnswers(),
        "income": A.WorkIncomeAnswers(pensions=(A.Amount(9_000, "weekly"),)),
    }


ANSWERS = {
    A.ClaimType.UNIVERSAL_CREDIT: uc_answers,
    A.ClaimType.NEW_STYLE_JSA: jsa_answers,
    A.ClaimType.NEW_STYLE_ESA: esa_answers,
}


@dataclass
class Story:
    """A claim told move by move, with a clock that moves forward an hour a step."""

    claim: Claim
    now: datetime = START
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    transitions: list[L.Transition] = field(default_factory=list)

    def new_id(self) -> str:
        return f"id-{next(self.ids)}"

    def tick(self, delta: timedelta = timedelta(hours=1)) -> datetime:
        self.now += delta
        return self.now

    def apply(self, t: L.Transition) -> L.Transition:
        self.claim = t.claim
        self.transitions.append(t)
        return t


def draft(
    claim_type: A.ClaimType = A.ClaimType.UNIVERSAL_CREDIT,
    *,
    verified: bool = True,
    sections: dict[str, A.Section] | None = None,
) -> Story:
    claimant = Claimant(
        CLAIMANT.subject, identity_verified=verified, date_of_birth=BORN if verified else None
    )
    story = Story(L.start_claim(claim_id="claim-1", claim_type=claim_type, claimant=claimant, at=START).claim)
    for name, section in (sections or ANSWERS[claim_type]()).items():
        t, questions = L.save_section(story.claim, name, section, actor=CLAIMANT, at=story.tick())
        story.apply(t)
        for q in questions:
            story.apply(L.confirm_answer(story.claim, q.key, actor=CLAIMANT, at=story.tick()))
    return story


def submitted(claim_type: A.ClaimType = A.ClaimType.UNIVERSAL_CREDIT, **kw: object) -> Story:
    story = draft(claim_type, **kw)  # type: ignore[arg-type]
    story.apply(L.submit(story.claim, actor=CLAIMANT, at=story.tick(), declaration="v1", new_id=story.new_id))
    return story


def decide(story: Story, outcome: Outcome, actor: Actor = CASEWORKER_A) -> Story:
    if story.claim.status == Status.SUBMITTED:
        story.apply(L.start_assessment(story.claim, actor=actor, at=story.tick()))
    at = story.tick()
    if outcome == Outcome.AWARD:
        story.apply(
            L.award(
                story.claim,
                actor=actor,
                at=at,
                decision_id=story.new_id(),
                reasons=("entitled",),
                amount_pence=1,
            )
        )
    else:
        story.apply(
            L.disallow(story.claim, actor=actor, at=at, decision_id=story.new_id(), reasons=("capital",))
        )
    return story


def reconsidered(outcome: Outcome, first: Outcome = Outcome.DISALLOW) -> Story:
    story = decide(submitted(), first)
    story.apply(
        L.request_reconsideration(
            story.claim, actor=CLAIMANT, at=story.tick(), grounds="wrong", new_id=story.new_id
        )
    )
    story.apply(
        L.decide_reconsideration(
            story.claim,
            actor=CASEWORKER_B,
            at=story.tick(),
            decision_id=story.new_id(),
            outcome=outcome,
            reasons=("looked again",),
            amount_pence=100 if outcome == Outcome.AWARD else None,
        )
    )
    return story


def reach(status: Status) -> Story:
    """A claim in `status`, by the canonical path."""
    if status == Status.DRAFT:
        return draft()
    if status == Status.SUBMITTED:
        return submitted()
    story = submitted()
    if status == Status.AWAITING_EVIDENCE:
        story.apply(
            L.request_evidence(
                story.claim,
                actor=CASEWORKER_A,
                at=story.tick(),
                evidence=("payslip",),
                reason="pay",
                new_id=story.new_id,
            )
        )
        return story
    if status == Status.UNDER_ASSESSMENT:
        story.apply(L.start_assessment(story.claim, actor=CASEWORKER_A, at=story.tick()))
        return story
    if status == Status.WITHDRAWN:
        story.apply(L.withdraw(story.claim, actor=CLAIMANT, at=story.tick()))
        return story
    if status in (Status.AWARDED, Status.HUMAN_REVIEW):
        story = decide(story, Outcome.AWARD, SYSTEM)
        if status == Status.HUMAN_REVIEW:
            story.apply(
                L.request_human_review(
                    story.claim, actor=CLAIMANT, at=story.tick(), reason="", new_id=story.new_id
                )
            )
        return story
    if status == Status.DISALLOWED:
        return decide(story, Outcome.DISALLOW)
    if status == Status.RECONSIDERATION:
        story = decide(story, Outcome.DISALLOW)
        story.apply(
            L.request_reconsideration(
                story.claim, actor=CLAIMANT, at=story.tick(), grounds="wrong", new_id=story.new_id
            )
        )
        return story
    if status == Status.APPEAL:
        story = reconsidered(Outcome.DISALLOW)
        story.apply(L.appeal(story.claim, actor=CLAIMANT, at=story.tick(), new_id=story.new_id))
        return story
    if status == Status.CLOSED:
        story = decide(story, Outcome.AWARD)
        story.apply(L.close(story.claim, actor=CASEWORKER_A, at=story.tick(), reason="award ended"))
        return story
    raise AssertionError(status)


@pytest.fixture
def uc_draft() -> Story:
    return draft()


def with_status(claim: Claim, status: Status) -> Claim:
    """Only for forbidden-move tests that need an arbitrary status on an otherwise complete claim."""
    return replace(claim, status=status)
