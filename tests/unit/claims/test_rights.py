"""Mandatory reconsideration and appeal: the time limits at their boundaries (month ends, leap years,
UK time), a different decision maker, appeals only after a reconsideration notice, and the rights every
decision notice states."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dwp.claims.domain import lifecycle as L
from dwp.claims.domain import rights
from dwp.claims.domain.dates import add_months, uk_date
from dwp.claims.domain.errors import (
    LateReasonsRequired,
    NotReconsiderable,
    ReconsiderationRequired,
    SameDecisionMaker,
    TooLate,
)
from dwp.claims.domain.model import DecisionKind, Outcome, Status
from dwp.claims.domain.work import WorkKind, assign

from .conftest import (
    CASEWORKER_A,
    CASEWORKER_B,
    CLAIMANT,
    LEADER,
    SYSTEM,
    Story,
    decide,
    reach,
    reconsidered,
    submitted,
)


@pytest.mark.parametrize(
    ("notified", "ask_by", "late_until"),
    [
        (date(2026, 1, 15), date(2026, 2, 15), date(2027, 2, 15)),
        (date(2027, 1, 31), date(2027, 2, 28), date(2028, 2, 29)),  # into a leap February 13 months on
        (date(2028, 1, 31), date(2028, 2, 29), date(2029, 2, 28)),
        (date(2028, 1, 30), date(2028, 2, 29), date(2029, 2, 28)),
        (date(2028, 2, 29), date(2028, 3, 29), date(2029, 3, 29)),
        (date(2026, 3, 31), date(2026, 4, 30), date(2027, 4, 30)),
        (date(2026, 12, 31), date(2027, 1, 31), date(2028, 1, 31)),
        (date(2026, 11, 30), date(2026, 12, 30), date(2027, 12, 30)),
    ],
)
def test_the_window_ends_on_the_corresponding_day_or_the_last_day_of_a_shorter_month(
    notified: date, ask_by: date, late_until: date
) -> None:
    assert rights.window(notified) == (ask_by, late_until)
    assert rights.check_in_time(ask_by, notified, "") is False
    assert rights.check_in_time(ask_by + timedelta(days=1), notified, "I was in hospital") is True
    with pytest.raises(LateReasonsRequired) as late:
        rights.check_in_time(ask_by + timedelta(days=1), notified, "  ")
    assert late.value.field == "late_reasons"
    assert rights.check_in_time(late_until, notified, "I was in hospital") is True
    with pytest.raises(TooLate) as too_late:
        rights.check_in_time(late_until + timedelta(days=1), notified, "I was in hospital")
    assert too_late.value.field == "requested_on"


def test_asking_before_the_decision_was_notified_cannot_be() -> None:
    with pytest.raises(NotReconsiderable):
        rights.check_in_time(date(2026, 1, 14), date(2026, 1, 15), "")


@given(st.dates(date(2000, 1, 1), date(2090, 12, 31)), st.integers(0, 500))
def test_in_time_late_or_too_late_partitions_every_day(notified: date, days_after: int) -> None:
    asked = notified + timedelta(days=days_after)
    in_time_until, late_until = add_months(notified, 1), add_months(notified, 13)
    if asked <= in_time_until:
        assert rights.check_in_time(asked, notified, "") is False
    elif asked <= late_until:
        assert rights.check_in_time(asked, notified, "reasons") is True
    else:
        with pytest.raises(TooLate):
            rights.check_in_time(asked, notified, "reasons")


@given(st.dates(date(2000, 1, 1), date(2090, 12, 31)), st.integers(0, 40))
def test_a_month_later_is_never_more_than_a_month_and_keeps_the_day_when_it_can(
    day: date, months: int
) -> None:
    later = add_months(day, months)
    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == months
    assert later.day == day.day or (later.day < day.day and (later + timedelta(days=1)).day == 1)


def test_uk_date_is_the_uk_calendar_day() -> None:
    # 23:30 UTC on 28 March 2027 is 00:30 on 29 March in British Summer Time.
    assert uk_date(datetime(2027, 3, 28, 23, 30, tzinfo=UTC)) == date(2027, 3, 29)
    assert uk_date(datetime(2027, 1, 10, 23, 30, tzinfo=UTC)) == date(2027, 1, 10)
    with pytest.raises(ValueError, match="time zone"):
        uk_date(datetime(2027, 1, 10, 23, 30))


def _decided_on(notified: datetime) -> Story:
    story = submitted()
    story.apply(L.start_assessment(story.claim, actor=CASEWORKER_A, at=story.tick()))
    story.now = notified
    story.apply(
        L.disallow(story.claim, actor=CASEWORKER_A, at=notified, decision_id="d1", reasons=("capital",))
    )
    return story


def test_a_request_on_the_last_uk_day_is_in_time_and_the_next_uk_day_is_late() -> None:
    story = _decided_on(datetime(2027, 2, 28, 10, 0, tzinfo=UTC))
    last_day = datetime(2027, 3, 28, 22, 59, tzinfo=UTC)  # 23:59 BST on 28 March
    t = L.request_reconsideration(
        story.claim, actor=CLAIMANT, at=last_day, grounds="wrong", new_id=story.new_id
    )
    assert t.claim.challenges[-1].late is False
    next_day = datetime(2027, 3, 28, 23, 30, tzinfo=UTC)  # 00:30 BST on 29 March
    with pytest.raises(LateReasonsRequired):
        L.request_reconsideration(
            story.claim, actor=CLAIMANT, at=next_day, grounds="wrong", new_id=story.new_id
        )
    late = L.request_reconsideration(
        story.claim,
        actor=CLAIMANT,
        at=next_day,
        grounds="wrong",
        late_reasons="I was ill",
        new_id=story.new_id,
    )
    assert late.claim.challenges[-1].late is True
    assert late.claim.challenges[-1].reasons == "I was ill"
    assert late.audit.after["late"] is True


def test_thirteen_months_on_is_too_late_even_with_reasons() -> None:
    story = _decided_on(datetime(2027, 1, 31, 10, 0, tzinfo=UTC))
    on_time_late = datetime(2028, 2, 29, 12, 0, tzinfo=UTC)
    assert (
        L.request_reconsideration(
            story.claim, actor=CLAIMANT, at=on_time_late, grounds="g", late_reasons="ill", new_id=story.new_id
        )
        .claim.challenges[-1]
        .late
    )
    with pytest.raises(TooLate):
        L.request_reconsideration(
            story.claim,
            actor=CLAIMANT,
            at=on_time_late + timedelta(days=1),
            grounds="g",
            late_reasons="ill",
            new_id=story.new_id,
        )


def test_a_reconsideration_is_decided_by_a_different_decision_maker() -> None:
    story = reach(Status.RECONSIDERATION)
    original = story.claim.latest_decision
    assert original is not None
    assert original.made_by == CASEWORKER_A.subject
    with pytest.raises(SameDecisionMaker) as same:
        L.decide_reconsideration(
            story.claim,
            actor=CASEWORKER_A,
            at=story.tick(),
            decision_id="mr",
            outcome=Outcome.DISALLOW,
            reasons=("x",),
        )
    assert same.value.field == "decided_by"
    work = next(
        t for t in story.transitions if t.work_items and t.work_items[0].kind == WorkKind.RECONSIDERATION
    )
    item = work.work_items[0]
    assert item.not_assignable_to == {CASEWORKER_A.subject}
    with pytest.raises(Exception, match="different decision maker"):
        assign(item, to=CASEWORKER_A.subject, by=LEADER)
    assert assign(item, to=CASEWORKER_B.subject, by=CASEWORKER_B).assigned_to == CASEWORKER_B.subject
    notice = L.decide_reconsideration(
        story.claim,
        actor=CASEWORKER_B,
        at=story.tick(),
        decision_id="mr",
        outcome=Outcome.DISALLOW,
        reasons=("x",),
    )
    assert notice.claim.latest_decision is not None
    assert notice.claim.latest_decision.kind == DecisionKind.RECONSIDERATION


def test_an_automatic_decision_is_reconsidered_by_any_person() -> None:
    story = decide(submitted(), Outcome.AWARD, SYSTEM)
    story.apply(
        L.request_reconsideration(
            story.claim, actor=CLAIMANT, at=story.tick(), grounds="g", new_id=story.new_id
        )
    )
    t = L.decide_reconsideration(
        story.claim,
        actor=CASEWORKER_A,
        at=story.tick(),
        decision_id="mr",
        outcome=Outcome.AWARD,
        reasons=("x",),
        amount_pence=10,
    )
    assert t.claim.status == Status.AWARDED


@pytest.mark.parametrize("outcome", [Outcome.AWARD, Outcome.DISALLOW])
def test_an_appeal_comes_only_after_a_reconsideration_notice(outcome: Outcome) -> None:
    story = decide(submitted(), outcome)
    with pytest.raises(ReconsiderationRequired) as raised:
        L.appeal(story.claim, actor=CLAIMANT, at=story.tick(), new_id=story.new_id)
    assert raised.value.field == "decision"
    story = reconsidered(outcome)
    t = L.appeal(story.claim, actor=CLAIMANT, at=story.tick(), new_id=story.new_id)
    assert t.claim.status == Status.APPEAL
    response = t.work_items[0]
    assert response.kind == WorkKind.APPEAL_RESPONSE
    assert response.due is not None
    assert response.due.on == uk_date(story.now) + timedelta(days=28)


def test_a_reconsideration_notice_is_appealed_not_reconsidered_and_nothing_twice() -> None:
    story = reconsidered(Outcome.DISALLOW)
    with pytest.raises(NotReconsiderable, match="appealed"):
        L.request_reconsideration(
            story.claim, actor=CLAIMANT, at=story.tick(), grounds="g", new_id=story.new_id
        )
    story.apply(L.appeal(story.claim, actor=CLAIMANT, at=story.tick(), new_id=story.new_id))
    story.apply(
        L.record_appeal_outcome(
            story.claim,
            actor=CASEWORKER_A,
            at=story.tick(),
            decision_id="ft",
            outcome=Outcome.DISALLOW,
            reasons=("r",),
        )
    )
    with pytest.raises(ReconsiderationRequired):
        L.appeal(story.claim, actor=CLAIMANT, at=story.tick(), new_id=story.new_id)
    with pytest.raises(NotReconsiderable):
        L.request_reconsideration(
            story.claim, actor=CLAIMANT, at=story.tick(), grounds="g", new_id=story.new_id
        )


def test_an_appeal_is_late_after_a_month_and_too_late_after_thirteen() -> None:
    story = reconsidered(Outcome.DISALLOW)
    notice = story.claim.latest_decision
    assert notice is not None
    late_at = datetime.combine(
        add_months(notice.notified_on, 1) + timedelta(days=1), datetime.min.time(), UTC
    )
    late_at += timedelta(hours=12)
    with pytest.raises(LateReasonsRequired):
        L.appeal(story.claim, actor=CLAIMANT, at=late_at, new_id=story.new_id)
    assert (
        L.appeal(story.claim, actor=CLAIMANT, at=late_at, late_reasons="post", new_id=story.new_id)
        .claim.challenges[-1]
        .late
    )
    too_late = datetime.combine(
        add_months(notice.notified_on, 13) + timedelta(days=1), datetime.min.time(), UTC
    )
    with pytest.raises(TooLate):
        L.appeal(
            story.claim,
            actor=CLAIMANT,
            at=too_late + timedelta(hours=12),
            late_reasons="post",
            new_id=story.new_id,
        )


def _every_decision() -> list[tuple[str, Story]]:
    stories = [
        ("automatic award", decide(submitted(), Outcome.AWARD, SYSTEM)),
        ("award by a person", decide(submitted(), Outcome.AWARD)),
        ("disallowance", decide(submitted(), Outcome.DISALLOW)),
        ("reconsideration notice", reconsidered(Outcome.AWARD)),
    ]
    appealed = reconsidered(Outcome.DISALLOW)
    appealed.apply(L.appeal(appealed.claim, actor=CLAIMANT, at=appealed.tick(), new_id=appealed.new_id))
    appealed.apply(
        L.record_appeal_outcome(
            appealed.claim,
            actor=CASEWORKER_A,
            at=appealed.tick(),
            decision_id="ft",
            outcome=Outcome.AWARD,
            reasons=("tribunal",),
            amount_pence=5,
        )
    )
    stories.append(("tribunal decision", appealed))
    reviewed = reach(Status.HUMAN_REVIEW)
    reviewed.apply(
        L.decide_human_review(
            reviewed.claim,
            actor=CASEWORKER_A,
            at=reviewed.tick(),
            decision_id="hr",
            outcome=Outcome.AWARD,
            reasons=("checked",),
            amount_pence=9,
        )
    )
    stories.append(("person's review", reviewed))
    return stories


@pytest.mark.parametrize(("name", "story"), _every_decision(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_decision_notice_states_its_rights(name: str, story: Story) -> None:
    decision = story.claim.latest_decision
    assert decision is not None
    kinds = [r.kind for r in decision.rights]
    ask_by, late_until = rights.window(decision.notified_on)
    if decision.kind in (DecisionKind.INITIAL, DecisionKind.HUMAN_REVIEW):
        mr = decision.rights[0]
        assert mr.kind == "mandatory_reconsideration"
        assert (mr.ask_by, mr.late_until) == (ask_by, late_until)
        assert ("human_review" in kinds) == decision.automated
    elif decision.kind == DecisionKind.RECONSIDERATION:
        assert kinds == ["appeal"]
        assert (decision.rights[0].ask_by, decision.rights[0].late_until) == (ask_by, late_until)
    else:
        assert kinds == ["upper_tribunal"]
    assert all(r.source for r in decision.rights)
    made = [e for e in story.transitions[-1].events if type(e).__name__ == "DecisionMade"]
    assert made, "a decision notice is an event the notifications worker sends"


def test_an_automatic_decision_is_recorded_as_automated_and_never_disallows() -> None:
    story = submitted()
    story.apply(L.start_assessment(story.claim, actor=SYSTEM, at=story.tick()))
    with pytest.raises(Exception, match="never disallows"):
        L.disallow(story.claim, actor=SYSTEM, at=story.tick(), decision_id="d", reasons=("no",))
    for move in (L.decide_human_review, L.decide_reconsideration, L.record_appeal_outcome):
        assert "system" not in L.RULES[move.__name__].by
    awarded = L.award(
        story.claim, actor=SYSTEM, at=story.tick(), decision_id="d", reasons=("ok",), amount_pence=7
    )
    decision = awarded.claim.latest_decision
    assert decision is not None
    assert decision.automated
    assert awarded.audit.after["automated"] is True
    by_person = L.award(
        story.claim, actor=CASEWORKER_A, at=story.tick(), decision_id="d", reasons=("ok",), amount_pence=7
    )
    assert by_person.claim.latest_decision is not None
    assert not by_person.claim.latest_decision.automated


def test_a_person_reviews_an_automatic_decision_on_request_only() -> None:
    by_person = decide(submitted(), Outcome.AWARD)
    with pytest.raises(Exception, match="automatic decision"):
        L.request_human_review(
            by_person.claim, actor=CLAIMANT, at=by_person.tick(), reason="", new_id=by_person.new_id
        )
    story = decide(submitted(), Outcome.AWARD, SYSTEM)
    t = L.request_human_review(
        story.claim, actor=CLAIMANT, at=story.tick(), reason="check it", new_id=story.new_id
    )
    assert t.claim.status == Status.HUMAN_REVIEW
    assert t.work_items[0].kind == WorkKind.HUMAN_REVIEW
    story.apply(t)
    reviewed = L.decide_human_review(
        story.claim,
        actor=CASEWORKER_A,
        at=story.tick(),
        decision_id="hr",
        outcome=Outcome.DISALLOW,
        reasons=("r",),
    )
    assert reviewed.claim.status == Status.DISALLOWED
    assert reviewed.claim.latest_decision is not None
    assert not reviewed.claim.latest_decision.automated


def test_decisions_need_reasons_and_an_award_its_amount() -> None:
    story = reach(Status.UNDER_ASSESSMENT)
    with pytest.raises(Exception, match="reasons") as no_reasons:
        L.disallow(story.claim, actor=CASEWORKER_A, at=story.tick(), decision_id="d", reasons=())
    assert no_reasons.value.field == "reasons"  # type: ignore[attr-defined]
    with pytest.raises(Exception, match="amount"):
        L.award(
            story.claim, actor=CASEWORKER_A, at=story.tick(), decision_id="d", reasons=("r",), amount_pence=-1
        )


def test_only_the_claimant_asks_and_only_a_caseworker_decides() -> None:
    story = reach(Status.DISALLOWED)
    with pytest.raises(Exception, match="no such claim"):
        L.request_reconsideration(
            story.claim,
            actor=replace(CLAIMANT, subject="someone-else"),
            at=story.tick(),
            grounds="g",
            new_id=story.new_id,
        )
    with pytest.raises(Exception, match="claimant"):
        L.request_reconsideration(
            story.claim, actor=CASEWORKER_A, at=story.tick(), grounds="g", new_id=story.new_id
        )


def test_an_automatic_nil_award_is_a_disallowance_in_all_but_name_and_is_refused() -> None:
    story = reach(Status.UNDER_ASSESSMENT)
    with pytest.raises(Exception, match="nil award") as raised:
        L.award(
            story.claim, actor=SYSTEM, at=story.tick(), decision_id="d", reasons=("calc",), amount_pence=0
        )
    assert raised.value.field == "actor"  # type: ignore[attr-defined]
    by_person = L.award(
        story.claim, actor=CASEWORKER_A, at=story.tick(), decision_id="d", reasons=("c",), amount_pence=0
    )
    assert by_person.claim.status == Status.AWARDED


def test_the_tribunal_makes_the_appeal_decision_and_the_caseworker_records_it() -> None:
    story = reach(Status.APPEAL)
    t = L.record_appeal_outcome(
        story.claim,
        actor=CASEWORKER_A,
        at=story.tick(),
        decision_id="ft",
        outcome=Outcome.AWARD,
        reasons=("r",),
        amount_pence=3,
    )
    assert t.claim.latest_decision is not None
    assert t.claim.latest_decision.made_by == L.TRIBUNAL
    assert t.audit.actor_subject == CASEWORKER_A.subject


@given(st.dates(date(2020, 1, 1), date(2030, 12, 31)), st.integers(0, 40))
def test_assessment_periods_tile_the_calendar(first_day: date, n: int) -> None:
    from dwp.claims.domain.dates import assessment_period_end, assessment_period_start, period_containing

    start, end = assessment_period_start(first_day, n), assessment_period_end(first_day, n)
    assert end >= start
    assert assessment_period_start(first_day, n + 1) == end + timedelta(days=1)
    assert 27 <= (end - start).days + 1 <= 31
    for day in (start, end, start + (end - start) / 2):
        assert period_containing(first_day, day) == (n, start, end)


@pytest.mark.parametrize(
    ("first_day", "day", "ends"),
    [
        (date(2027, 1, 31), date(2027, 2, 27), True),
        (date(2027, 1, 31), date(2027, 2, 28), False),
        (date(2027, 1, 31), date(2027, 3, 30), True),
        (date(2026, 6, 10), date(2026, 7, 9), True),
        (date(2026, 6, 10), date(2026, 6, 9), False),
    ],
)
def test_the_monthly_run_finds_awards_whose_period_ends_on_a_day(
    first_day: date, day: date, ends: bool
) -> None:
    from dwp.claims.domain.dates import period_ends_on

    assert period_ends_on(first_day, day) is ends


def test_a_decision_keeps_the_assessment_whose_explanation_its_notice_shows() -> None:
    story = reach(Status.UNDER_ASSESSMENT)
    t = L.award(
        story.claim,
        actor=SYSTEM,
        at=story.tick(),
        decision_id="d",
        reasons=("calc",),
        amount_pence=41_234,
        assessment_id="assessment-9",
    )
    assert t.claim.latest_decision is not None
    assert (t.claim.latest_decision.assessment_id, t.claim.latest_decision.amount_pence) == (
        "assessment-9",
        41_234,
    )
