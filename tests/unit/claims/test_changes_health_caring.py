"""A health condition and caring as changes of circumstances (D&A Regs 2013 Sch 1 Part 3 for UC): which
need a decision maker (an assessment) first, the fields each needs, how the answers change, and the
carer element's figures worked by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from dwp.claims.domain import changes as C
from dwp.claims.domain.answers import Caring, CaringAnswers, ClaimType, HealthAnswers, PersonHealth
from dwp.claims.domain.errors import InvalidAnswers
from dwp.claims.domain.household import uc_circumstances
from dwp.claims.domain.model import Outcome
from tests.unit.claims.conftest import decide, submitted

K = C.ChangeKind
TODAY = date(2026, 10, 1)


def awarded(claim_type: ClaimType = ClaimType.UNIVERSAL_CREDIT):  # type: ignore[no-untyped-def]
    return decide(submitted(claim_type), Outcome.AWARD).claim  # claim date 10 June 2026


def change(kind: C.ChangeKind, on: date = date(2026, 8, 20), **kw: object) -> C.ChangeDetails:
    return C.ChangeDetails(kind=kind, happened_on=on, **kw)  # type: ignore[arg-type]


def fields(claim, details) -> list[str]:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidAnswers) as refused:
        C.check_change(claim, details, today=TODAY)
    return [p.field for p in refused.value.problems]


def test_a_uc_health_condition_waits_for_an_assessment_and_asks_the_citizen_to_book_it() -> None:
    claim = awarded()
    worse = change(K.HEALTH_CONDITION_CHANGED, condition_affects_work=True, can_work="no")
    C.check_change(claim, worse, today=TODAY)
    needed = C.decision_needed(claim, worse)
    assert needed is not None
    assert needed.todo == "book_work_capability_assessment"
    assert "41(1)" in needed.rule
    assert "health" not in needed.reason.replace("health_condition_changed", "")  # codes, no details
    health = C.apply_change(claim, worse).answers.get("health")
    assert isinstance(health, HealthAnswers)
    assert (health.you.condition_affects_work, health.you.can_work) == (True, "no")
    # The answers never bring the LCW or LCWRA element themselves: the assessment's outcome does.
    body = uc_circumstances(C.apply_change(claim, worse), period_start=date(2026, 8, 10))
    assert body["adults"][0]["capability"] == "fit"
    # Better now: still a decision maker's (a relevant change, reg 41(1)(b)), nothing to book.
    better = change(K.HEALTH_CONDITION_CHANGED, condition_affects_work=False)
    assert (needed := C.decision_needed(claim, better)) is not None
    assert needed.todo is None
    # It counts from the first day of the assessment period it happened in (para 20).
    effective = C.effective(claim, worse, reported_on=date(2026, 9, 1), advantageous=False)
    assert (effective.from_day, effective.rule) == (date(2026, 8, 10), C.SOURCE_UC)


def test_an_esa_fit_note_period_is_evidence_for_the_decision_maker() -> None:
    claim = awarded(ClaimType.NEW_STYLE_ESA)
    note = change(K.HEALTH_CONDITION_CHANGED, condition_affects_work=True, fit_note_until=date(2026, 11, 19))
    C.check_change(claim, note, today=TODAY)
    needed = C.decision_needed(claim, note)
    assert needed is not None
    assert (needed.todo, needed.todo_subject) == ("upload_evidence", "fit_note")
    after = C.apply_change(claim, note).answers.get("fit_note")
    assert after is not None
    assert after.fit_note is not None  # type: ignore[union-attr]
    assert (after.fit_note.starts_on, after.fit_note.ends_on) == (date(2026, 8, 20), date(2026, 11, 19))  # type: ignore[union-attr]
    fit = change(K.HEALTH_CONDITION_CHANGED, condition_affects_work=False)
    assert (C.decision_needed(claim, fit) or C.DecisionNeeded("", "upload_evidence", "", "")).todo is None


def test_health_and_caring_changes_name_each_missing_or_wrong_field() -> None:
    uc, esa, jsa = awarded(), awarded(ClaimType.NEW_STYLE_ESA), awarded(ClaimType.NEW_STYLE_JSA)
    assert fields(uc, change(K.HEALTH_CONDITION_CHANGED)) == ["condition_affects_work"]
    assert fields(uc, change(K.HEALTH_CONDITION_CHANGED, condition_affects_work=True)) == ["can_work"]
    early = change(K.HEALTH_CONDITION_CHANGED, condition_affects_work=True, fit_note_until=date(2026, 8, 1))
    assert fields(esa, early) == ["fit_note_until"]
    uc_note = change(
        K.HEALTH_CONDITION_CHANGED, condition_affects_work=True, can_work="some", fit_note_until=TODAY
    )
    assert fields(uc, uc_note) == ["fit_note_until"]
    assert fields(jsa, change(K.HEALTH_CONDITION_CHANGED, condition_affects_work=True)) == ["kind"]
    assert fields(uc, change(K.STARTED_CARING)) == [
        "caring_hours_per_week",
        "cared_for_gets_qualifying_benefit",
    ]
    assert fields(
        uc, change(K.STARTED_CARING, caring_hours_per_week=0, cared_for_gets_qualifying_benefit=True)
    ) == ["caring_hours_per_week"]
    assert fields(uc, change(K.STOPPED_CARING, whose="partner")) == ["whose"]  # a single claim
    for benefit in (esa, jsa):
        assert "kind" in fields(benefit, change(K.STARTED_CARING, caring_hours_per_week=40,
                                                cared_for_gets_qualifying_benefit=True))  # fmt: skip
        assert "kind" in fields(benefit, change(K.STOPPED_CARING))


def test_starting_and_stopping_caring_moves_the_carer_element_the_benefits_service_sees() -> None:
    claim = awarded()
    caring = change(K.STARTED_CARING, caring_hours_per_week=35, cared_for_gets_qualifying_benefit=True)
    C.check_change(claim, caring, today=TODAY)
    assert C.decision_needed(claim, caring) is None  # the benefits service revises it from the answers
    carer = C.apply_change(claim, caring)
    assert carer.answers.get("caring") == CaringAnswers((Caring(35, True, "you"),))
    assert uc_circumstances(carer, period_start=date(2026, 8, 10))["adults"][0]["carer"] is True
    # 34 hours, or a person cared for without a qualifying benefit, is not regular and substantial.
    for short in (
        change(K.STARTED_CARING, caring_hours_per_week=34, cared_for_gets_qualifying_benefit=True),
        change(K.STARTED_CARING, caring_hours_per_week=50, cared_for_gets_qualifying_benefit=False),
    ):
        body = uc_circumstances(C.apply_change(claim, short), period_start=date(2026, 8, 10))
        assert body["adults"][0]["carer"] is False
    stopped = C.apply_change(carer, change(K.STOPPED_CARING, on=date(2026, 9, 15)))
    assert stopped.answers.get("caring") == CaringAnswers(())
    assert uc_circumstances(stopped, period_start=date(2026, 9, 10))["adults"][0]["carer"] is False
    # Stopping is never in the claimant's favour: from the period it happened in, even told late (para
    # 20); starting, told late, counts from the period it was told in (para 21), so no arrears before.
    assert C.advantageous_by_kind(change(K.STOPPED_CARING)) is False
    late = C.effective(carer, change(K.STOPPED_CARING, on=date(2026, 9, 15)),
                       reported_on=date(2026, 11, 1), advantageous=False)  # fmt: skip
    assert (late.from_day, late.late) == (date(2026, 9, 10), True)
    told_late = C.effective(claim, caring, reported_on=date(2026, 10, 20), advantageous=True)
    assert (told_late.from_day, told_late.rule) == (date(2026, 10, 10), C.SOURCE_UC_LATE)


def test_stopping_caring_the_claim_does_not_show_is_refused_naming_the_kind() -> None:
    with pytest.raises(InvalidAnswers) as refused:
        C.apply_change(awarded(), change(K.STOPPED_CARING))
    assert [p.field for p in refused.value.problems] == ["kind"]


def test_a_carer_element_revision_worked_by_hand() -> None:
    """The carer element is 209.34 a month in 2026/27 (benefit-rules.md). Caring from 20 August, told on
    1 September (in time, para 20): the period 10 August - 9 September moves from 400.00 to 609.34;
    it is paid on 16 September, so nothing is arrears yet. Told on 1 October instead, the 10 August
    period was paid: in the claimant's favour and late, it counts from 10 September (para 21) and the
    10 August period keeps its award."""
    claim = awarded()
    caring = change(K.STARTED_CARING, caring_hours_per_week=35, cared_for_gets_qualifying_benefit=True)
    revision = C.PeriodRevision(date(2026, 8, 10), date(2026, 9, 9), 40_000, 40_000 + 20_934, False)
    in_time = C.outcome(
        C.effective(claim, caring, reported_on=date(2026, 9, 1), advantageous=True), [revision]
    )
    assert (in_time.arrears_pence, in_time.overpayment_pence) == (0, 0)
    assert [r.now_pence for r in in_time.revisions] == [60_934]
    paid = C.PeriodRevision(date(2026, 8, 10), date(2026, 9, 9), 40_000, 60_934, True)
    later = C.PeriodRevision(date(2026, 9, 10), date(2026, 10, 9), 40_000, 60_934, False)
    late = C.outcome(C.effective(claim, caring, reported_on=TODAY, advantageous=True), [paid, later])
    assert [r.period_start for r in late.revisions] == [date(2026, 9, 10)]
    assert late.arrears_pence == 0
    # A paid period the change counts in (a caseworker's revision from 10 August) owes the difference as
    # arrears: 209.34.
    arrears = C.outcome(C.Effective(date(2026, 8, 10), C.SOURCE_UC, False), [paid])
    assert arrears.arrears_pence == 20_934


def test_an_unchanged_health_answer_keeps_the_partners() -> None:
    claim = awarded()
    partner = PersonHealth(True, can_work="no")
    sections = dict(claim.answers.sections)
    sections["health"] = HealthAnswers(PersonHealth(False), partner)
    claim = replace(claim, answers=replace(claim.answers, sections=sections))
    after = C.apply_change(
        claim, change(K.HEALTH_CONDITION_CHANGED, condition_affects_work=True, can_work="some")
    )
    health = after.answers.get("health")
    assert isinstance(health, HealthAnswers)
    assert health.partner == partner
    assert health.you.can_work == "some"
