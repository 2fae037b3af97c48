"""New Style JSA and ESA changes of circumstances by benefit week (D&A Regs 2013 Sch 1 Part 1), worked by
hand: the week a change counts from, each week's amount before and after, and what was paid too much or
too little when it is told late.

Every award here is from Wednesday 10 June 2026 (the conftest's claim date), so benefit weeks run
Wednesday to Tuesday and fortnights are 10-23 June (paid 24 June), 24 June-7 July (paid 8 July), 8-21 July
(paid 22 July), 22 July-4 August (paid 5 August), 5-18 August (paid 19 August), 19 August-1 September
(paid 2 September). The weekly rates are the 2026/27 ones (rates/2026-27.toml): New Style JSA and the ESA
assessment phase at 25 or over £95.55; JSA deducts a pension above £50 a week pound for pound; ESA's
permitted work higher limit is £203.50 for under 16 hours.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from dwp.claims.domain import changes as C
from dwp.claims.domain.answers import Amount, ClaimType, WorkIncomeAnswers
from dwp.claims.domain.errors import InvalidAnswers
from dwp.claims.domain.model import Outcome
from tests.unit.claims.conftest import decide, submitted

FIRST = date(2026, 6, 10)
RATE = 9_555


def awarded(claim_type: ClaimType):  # type: ignore[no-untyped-def]
    return decide(submitted(claim_type), Outcome.AWARD).claim


def weeks(from_day: date, through: date, before: int, after: int, was: int = RATE) -> list[C.WeekFigures]:
    return [C.WeekFigures(w, was, before, after) for w in C.weeks_from(FIRST, from_day, through)]


def revise(
    change: C.ChangeDetails, claim_type: ClaimType, told: date, before: int, after: int, was: int = RATE
) -> C.Outcome:
    """What the service does, with the benefits service's weekly amounts given: the weeks from the one
    the change counts from (against the claimant) to the one it is told in, then the law's effective day."""
    claim = awarded(claim_type)
    start = C.effective(claim, change, reported_on=told, advantageous=False).from_day
    ends = change.happened_on if C.ends_entitlement(claim, change) else None
    through = told + timedelta(days=7) if ends else told
    revisions = C.revise_weeks(FIRST, weeks(start, through, before, after, was), ends_on=ends, today=told)
    favour = C.advantageous_by_kind(change)
    if favour is None:
        moved = [r for r in revisions if r.now_pence != r.was_pence]
        favour = bool(moved) and moved[0].now_pence > moved[0].was_pence
    return C.outcome(C.effective(claim, change, reported_on=told, advantageous=favour), revisions)


def pension(on: date, weekly_pence: int) -> C.ChangeDetails:
    return C.ChangeDetails(C.ChangeKind.PENSION_CHANGED, on, pension=Amount(weekly_pence, "weekly"))


def test_a_week_is_paid_the_day_after_its_fortnight_ends() -> None:
    # The week from 1 July is in the fortnight 24 June - 7 July: paid on Wednesday 8 July.
    assert not C.week_paid(FIRST, date(2026, 7, 1), date(2026, 7, 7))
    assert C.week_paid(FIRST, date(2026, 7, 1), date(2026, 7, 8))
    assert C.week_paid(FIRST, date(2026, 6, 24), date(2026, 7, 8))  # its fortnight's first week too
    assert C.weeks_from(FIRST, date(2026, 7, 3), date(2026, 7, 20)) == [
        date(2026, 7, 1),
        date(2026, 7, 8),
        date(2026, 7, 15),
    ]


def test_jsa_pension_rising_mid_week_told_on_time_changes_no_paid_week() -> None:
    # A pension of £80 a week from Friday 17 July: £30 over the £50 threshold comes off, £95.55 is £65.55
    # from the first day of that benefit week, Wednesday 15 July (para 1). Told on Monday 20 July: that
    # week's fortnight is paid on 22 July, so nothing paid was too much; the payment pays £65.55 for it.
    result = revise(
        pension(date(2026, 7, 17), 8_000), ClaimType.NEW_STYLE_JSA, date(2026, 7, 20), RATE, 6_555
    )
    assert (result.effective.from_day, result.effective.rule) == (date(2026, 7, 15), C.SOURCE_WEEK)
    assert [(r.period_start, r.was_pence, r.now_pence, r.paid) for r in result.revisions] == [
        (date(2026, 7, 15), RATE, 6_555, False)
    ]
    assert (result.overpayment_pence, result.arrears_pence, result.cause) == (0, 0, None)


def test_jsa_pension_rising_told_six_weeks_late_is_the_claimants_overpayment_for_the_paid_weeks() -> None:
    # The same pension told on Friday 28 August (six weeks on; more than a month after 17 July): still
    # from 15 July, since it is against the claimant. Weeks from 15 July to the one from 26 August are
    # £65.55; of them 15, 22 and 29 July and 5 and 12 August were paid (on 22 July, 5 and 19 August):
    # 5 x £30.00 = £150.00 paid too much, the claimant's (told late). 19 and 26 August are paid on
    # 2 September at the new amount.
    result = revise(
        pension(date(2026, 7, 17), 8_000), ClaimType.NEW_STYLE_JSA, date(2026, 8, 28), RATE, 6_555
    )
    assert result.effective.late
    assert [r.paid for r in result.revisions] == [True] * 5 + [False] * 2
    assert all(r.now_pence == 6_555 for r in result.revisions)
    assert (result.overpayment_pence, result.arrears_pence, result.cause) == (15_000, 0, "claimant")
    lines = C.explanation(C.ChangeKind.PENSION_CHANGED, result, weekly=True)
    assert "Benefit week 2026-07-15 to 2026-07-21: £95.55 is now £65.55." in lines
    assert (
        lines[-1]
        == "We paid you £150.00 too much because those weeks were paid before you told us about the change."
    )


def test_jsa_pension_stopping_told_in_the_month_brings_arrears_told_later_only_from_the_week_told() -> None:
    # £95.55 less £30 (an £80 pension) is £65.55 a week; the pension stops on Friday 17 July.
    stop = pension(date(2026, 7, 17), 0)
    # Told on Monday 10 August, within the month: from 15 July (para 1). 15, 22 and 29 July were paid
    # (22 July and 5 August) at £65.55: 3 x £30.00 = £90.00 arrears, with the next payment.
    on_time = revise(stop, ClaimType.NEW_STYLE_JSA, date(2026, 8, 10), 6_555, RATE, was=6_555)
    assert (on_time.effective.from_day, on_time.arrears_pence, on_time.overpayment_pence) == (
        date(2026, 7, 15),
        9_000,
        0,
    )
    # Told on Friday 28 August, six weeks on and in the claimant's favour: from the first day of the
    # benefit week it was told in, Wednesday 26 August (para 6 with reg 36): no arrears for the weeks
    # before it, and the week from 26 August is paid at £95.55 on 2 September.
    late = revise(stop, ClaimType.NEW_STYLE_JSA, date(2026, 8, 28), 6_555, RATE, was=6_555)
    assert (late.effective.from_day, late.effective.rule) == (date(2026, 8, 26), C.SOURCE_WEEK_LATE)
    assert [(r.period_start, r.now_pence, r.paid) for r in late.revisions] == [
        (date(2026, 8, 26), RATE, False)
    ]
    assert (late.arrears_pence, late.overpayment_pence) == (0, 0)


def test_esa_permitted_work_changes_nothing_and_work_over_the_limit_is_nil_from_the_benefit_week() -> None:
    # Starting work on Thursday 2 July for £150 a week, 10 hours: permitted work (under £203.50 and
    # under 16 hours, ESA Regs 2013 reg 39), so the benefits service's amount is £95.55 either way.
    permitted = C.ChangeDetails(
        C.ChangeKind.STARTED_WORK,
        date(2026, 7, 2),
        employer="Acme",
        hours_per_week=10,
        pay=Amount(15_000, "weekly"),
    )
    same = revise(permitted, ClaimType.NEW_STYLE_ESA, date(2026, 7, 20), RATE, RATE)
    assert all(r.now_pence == r.was_pence for r in same.revisions)
    assert (same.overpayment_pence, same.arrears_pence) == (0, 0)
    # £250 a week is over the limit: nil from Wednesday 1 July (para 1; ESA's permitted work is not one
    # of the changes that end entitlement on the day here). Told on 20 July: the week from 1 July was
    # paid on 8 July: £95.55 too much; 8 and 15 July are not yet paid (22 July).
    over = revise(
        C.ChangeDetails(
            C.ChangeKind.STARTED_WORK,
            date(2026, 7, 2),
            employer="Acme",
            hours_per_week=10,
            pay=Amount(25_000, "weekly"),
        ),
        ClaimType.NEW_STYLE_ESA,
        date(2026, 7, 20),
        RATE,
        0,
    )
    assert over.effective.from_day == date(2026, 7, 1)
    assert [(r.period_start, r.now_pence, r.paid) for r in over.revisions] == [
        (date(2026, 7, 1), 0, True),
        (date(2026, 7, 8), 0, False),
        (date(2026, 7, 15), 0, False),
    ]
    assert (over.overpayment_pence, over.cause) == (RATE, "official_error")


def test_jsa_full_time_work_ends_entitlement_on_the_day_with_a_part_week() -> None:
    # 30 hours' work from Friday 3 July ends JSA that day (para 4; JSA Regs 2013 reg 42). The week from
    # Wednesday 1 July pays its 2 days (1 and 2 July): £95.55 x 2 / 7 = £27.30 (JSA Regs 2013 reg 64);
    # every week after is nil, the one after the week it was told in too (so the award runs on at nil).
    # Told on Monday 20 July: the week from 1 July was paid on 8 July at £95.55: £68.25 too much.
    full_time = C.ChangeDetails(
        C.ChangeKind.STARTED_WORK,
        date(2026, 7, 3),
        employer="Acme",
        hours_per_week=30,
        pay=Amount(60_000, "weekly"),
    )
    result = revise(full_time, ClaimType.NEW_STYLE_JSA, date(2026, 7, 20), RATE, 0)
    assert (result.effective.from_day, result.effective.rule) == (date(2026, 7, 3), C.SOURCE_ENDS)
    assert [(r.period_start, r.now_pence, r.paid) for r in result.revisions] == [
        (date(2026, 7, 1), 2_730, True),
        (date(2026, 7, 8), 0, False),
        (date(2026, 7, 15), 0, False),
        (date(2026, 7, 22), 0, False),
    ]
    assert result.overpayment_pence == RATE - 2_730 == 6_825


def test_a_part_week_is_n_sevenths_to_the_nearest_penny() -> None:
    assert C.part_week(9_555, 2) == 2_730  # 19,110 / 7 = 2,730 exactly
    assert C.part_week(7_565, 3) == 3_242  # 22,695 / 7 = 3,242.14...
    assert C.part_week(7_565, 1) == 1_081  # 1,080.71... rounds up
    assert (C.part_week(9_555, 0), C.part_week(9_555, 7)) == (0, 9_555)


def test_a_pension_change_is_for_new_style_only_refused_in_the_future_before_the_claim_or_negative() -> None:
    jsa = awarded(ClaimType.NEW_STYLE_JSA)
    today = date(2026, 11, 1)
    for happened, field in ((date(2026, 11, 2), "happened_on"), (date(2026, 6, 9), "happened_on")):
        with pytest.raises(InvalidAnswers) as refused:
            C.check_change(jsa, pension(happened, 8_000), today=today)
        assert [p.field for p in refused.value.problems] == [field]
    with pytest.raises(InvalidAnswers) as missing:
        C.check_change(jsa, C.ChangeDetails(C.ChangeKind.PENSION_CHANGED, date(2026, 7, 1)), today=today)
    assert [p.field for p in missing.value.problems] == ["pension"]
    with pytest.raises(InvalidAnswers) as too_much:
        C.check_change(jsa, pension(date(2026, 7, 1), C.MOST_PENCE + 1), today=today)
    assert [p.field for p in too_much.value.problems] == ["pension"]
    with pytest.raises(InvalidAnswers) as uc:
        C.check_change(awarded(ClaimType.UNIVERSAL_CREDIT), pension(date(2026, 7, 1), 8_000), today=today)
    assert [p.field for p in uc.value.problems] == ["kind"]
    # Applied: the JSA answers' pensions are the one amount told (none when it is nil).
    work = C.apply_change(jsa, pension(date(2026, 7, 1), 8_000)).answers.get("income")
    assert isinstance(work, WorkIncomeAnswers)
    assert work.pensions == (Amount(8_000, "weekly"),)
    stopped = C.apply_change(jsa, pension(date(2026, 7, 1), 0)).answers.get("income")
    assert isinstance(stopped, WorkIncomeAnswers)
    assert stopped.pensions == ()
