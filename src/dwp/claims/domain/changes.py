"""Changes of circumstances: what a citizen tells DWP after an award, when it takes effect, how the
claim's answers change, and what a revision of the periods it touches comes to. Pure Python.

When a change takes effect is the law's, in the Universal Credit, PIP, JSA and ESA (Decisions and
Appeals) Regulations 2013 (SI 2013/381), Schedule 1:

- UC (Part 3, para 20): from the first day of the assessment period in which the change occurred.
- UC (Part 3, para 21): a change that is advantageous to the claimant and was told to DWP after the end
  of the assessment period in which it occurred takes effect from the first day of the assessment period
  in which it was told (so a late change in the claimant's favour brings no arrears for earlier periods).
  Whether it is advantageous is known only from the revision itself (`effective_start`).
- New Style JSA and ESA (Part 1, para 1): from the first day of the benefit week in which the change
  occurred; where entitlement ends because of it (para 4), from the day itself; an advantageous change
  told more than a month late (para 6, with reg 36's month), from the first day of the benefit week in
  which it was told. Para 3 (a reduced award from the next benefit week, where the Secretary of State
  thinks the benefit week it happened in impracticable) is not modelled: it is a decision maker's
  opinion case by case, and the revision here is worked out as the change is told, so nothing makes
  the week it happened in impracticable; a caseworker's supersession would apply it.

Some changes need a decision maker before they can change an award, and are recorded `waiting_for_
caseworker` with a work item and a to-do, never a guess (`decision_needed`):

- A health condition (UC): the LCW and LCWRA elements (UC Regs 2013 regs 23(2)(a), 27 and 28) follow a
  determination that the claimant has limited capability for work (and work-related activity) on an
  assessment (reg 39(1)(a), 40(1)(a)), which the Secretary of State may carry out for the first time or
  to see whether there has been a relevant change in the claimant's physical or mental condition (reg
  41(1)). So the claim's health answers change now and the award only when the assessment decides.
- A health condition (New Style ESA): whether the claimant has limited capability for work is also
  determined on an assessment (Welfare Reform Act 2007 s.8); a new fit note period is evidence for the
  decision maker, and a claimant no longer unfit for work ends the award only on their decision.

Caring (UC only) needs none: the carer element (regs 23(2)(b), 29 and 30: regular and substantial
caring for a severely disabled person, 35 hours a week, the person cared for getting a qualifying
disability benefit) is worked out by the benefits service from the caring answers, so starting or
stopping caring is revised like any other change, from the assessment period it happened in (para 20;
a late change in the claimant's favour from the period it was told in, para 21).

A disadvantageous change told late leaves an overpayment for the periods already paid: its cause is the
claimant's failure to tell (recoverable under the Social Security Administration Act 1992 s 71ZB). An
advantageous one told in time leaves arrears (an underpayment) for the periods already paid.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import Literal

from dwp.claims.domain.answers import (
    Amount,
    CapitalAnswers,
    Caring,
    CaringAnswers,
    ChildAnswer,
    ClaimType,
    ConditionAnswers,
    Employment,
    FitNote,
    FitNoteAnswers,
    HealthAnswers,
    HouseholdAnswers,
    HousingAnswers,
    IncomeAnswers,
    Partner,
    PersonHealth,
    Section,
    Tenure,
    Whose,
    WorkIncomeAnswers,
)
from dwp.claims.domain.dates import add_months, period_containing
from dwp.claims.domain.errors import ClaimsError, FieldProblem, InvalidAnswers
from dwp.claims.domain.model import Claim, Status
from dwp.claims.domain.text import text_problem

SOURCE_UC = "UC, PIP, JSA and ESA (Decisions and Appeals) Regulations 2013, Sch 1 para 20"
SOURCE_UC_LATE = "UC, PIP, JSA and ESA (Decisions and Appeals) Regulations 2013, Sch 1 para 21"
SOURCE_WEEK = "UC, PIP, JSA and ESA (Decisions and Appeals) Regulations 2013, Sch 1 para 1"
SOURCE_ENDS = "UC, PIP, JSA and ESA (Decisions and Appeals) Regulations 2013, Sch 1 para 4"
SOURCE_WEEK_LATE = "UC, PIP, JSA and ESA (Decisions and Appeals) Regulations 2013, Sch 1 para 6, reg 36"
SOURCE_PART_WEEK = "JSA Regs 2013 reg 64 (a part-week: N x the weekly amount / 7)"
SOURCE_FORTNIGHTLY = "UC, PIP, JSA and ESA (Claims and Payments) Regulations 2013, Part 4"
"""New Style JSA and ESA are paid fortnightly in arrears: a benefit week is paid the day after the
fortnight (from the award's first day) that holds it ends (payments' `schedule.py` has the same days)."""
WEEK_DAYS = 7
FORTNIGHT_DAYS = 14
PAYMENT_DAYS = 7
"""A UC period is paid within 7 days of its last day (Claims and Payments Regs 2013 reg 47(2))."""
FULL_TIME_HOURS = 16
"""New Style JSA ends with remunerative work of 16 hours a week or more (JSA Regs 2013 reg 42)."""
LONGEST_EMPLOYER = 120
MOST_PENCE = 100_000_000
"""A million pounds: more than any rent, pay or savings the service would be told of."""


class ChangeKind(StrEnum):
    MOVING_HOME = "moving_home"
    RENT_CHANGED = "rent_changed"
    PARTNER_JOINED = "partner_joined"
    PARTNER_LEFT = "partner_left"
    CHILD_BORN = "child_born"
    CHILD_LEFT = "child_left"
    STARTED_WORK = "started_work"
    STOPPED_WORK = "stopped_work"
    SAVINGS_CHANGED = "savings_changed"
    PENSION_CHANGED = "pension_changed"
    HEALTH_CONDITION_CHANGED = "health_condition_changed"
    STARTED_CARING = "started_caring"
    STOPPED_CARING = "stopped_caring"


UC_ONLY = frozenset(
    {
        ChangeKind.MOVING_HOME,
        ChangeKind.RENT_CHANGED,
        ChangeKind.PARTNER_JOINED,
        ChangeKind.PARTNER_LEFT,
        ChangeKind.CHILD_BORN,
        ChangeKind.CHILD_LEFT,
        ChangeKind.SAVINGS_CHANGED,
        ChangeKind.STARTED_CARING,
        ChangeKind.STOPPED_CARING,
    }
)
"""New Style JSA and ESA pay no amounts for a home, a partner, children, savings or caring (the carer
element is UC's: UC Regs 2013 reg 29)."""
NOT_JSA = frozenset({ChangeKind.HEALTH_CONDITION_CHANGED})
"""A health condition is a UC or New Style ESA change (limited capability for work); New Style JSA is
for those available for work, and pays nothing for a condition."""
CanWork = Literal["yes", "some", "no"]
NEW_STYLE_ONLY = frozenset({ChangeKind.PENSION_CHANGED})
"""An occupational or personal pension's new amount: New Style JSA deducts a pension above £50 a week
(Jobseekers Act 1995 s.4(1)(b)), ESA half of one above £85 (WRA 2007 s.3). On UC a pension is one of
the income answers, changed with the rest of them (not yet a change of its own)."""


class ChangeNotAllowed(ClaimsError):
    """The claim cannot take this change now (not awarded, or a change a caseworker must make)."""


@dataclass(frozen=True)
class ChangeDetails:
    """What the citizen said, as the API parsed it; which fields a kind needs is checked here."""

    kind: ChangeKind
    happened_on: date
    rent: Amount | None = None
    tenure: Tenure | None = None
    bedrooms: int | None = None
    date_of_birth: date | None = None
    sex: Literal["F", "M"] | None = None
    employer: str | None = None
    hours_per_week: int | None = None
    pay: Amount | None = None
    savings_pence: int | None = None
    pension: Amount | None = None
    """pension_changed: the claimant's occupational and personal pensions together, now (0: none)."""
    postcode: str | None = None
    """moving_home: the new home's postcode (checked at the edge): the LHA area of a private rent, and
    the nation whose bank holidays move payments."""
    condition_affects_work: bool | None = None
    """health_condition_changed: whether a health condition now affects the work the claimant can do."""
    can_work: CanWork | None = None
    """health_condition_changed (UC), when the condition affects work: can they work at all now."""
    fit_note_until: date | None = None
    """health_condition_changed (New Style ESA): the last day of the new fit note (None: not stated)."""
    caring_hours_per_week: int | None = None
    """started_caring: hours a week spent caring (35 or more is regular and substantial, reg 30)."""
    cared_for_gets_qualifying_benefit: bool | None = None
    """started_caring: the person cared for gets a benefit that makes them severely disabled for the
    carer element (the daily living part of PIP, DLA middle or highest care, Attendance Allowance)."""
    whose: Whose = "you"
    """started_caring, stopped_caring: whose caring it is (the partner's only on a joint claim)."""


@dataclass(frozen=True)
class Effective:
    """When a change takes effect, and the rule that says so."""

    from_day: date
    rule: str
    late: bool
    """Told after the end of the assessment period (UC) or more than a month after (JSA, ESA)."""


def _need(problems: list[FieldProblem], value: object, name: str) -> None:
    if value is None:
        problems.append(FieldProblem(name, f"Enter the {name.replace('_', ' ')} for this change", "missing"))


def _pence(problems: list[FieldProblem], amount: Amount | int | None, name: str) -> None:
    pence = amount.pence if isinstance(amount, Amount) else amount
    if pence is not None and not 0 <= pence <= MOST_PENCE:
        problems.append(FieldProblem(name, "Enter an amount between £0 and £1,000,000", "range"))


def check_change(claim: Claim, change: ChangeDetails, *, today: date) -> None:
    """Refuse what cannot be: a claim not awarded, a day in the future or before the claim, a kind
    the benefit has no amount for, the fields a kind needs missing or out of range."""
    if claim.status != Status.AWARDED or claim.claim_date is None:
        raise ChangeNotAllowed("a change of circumstances is reported on an awarded claim")
    problems: list[FieldProblem] = []
    if change.happened_on > today:
        problems.append(
            FieldProblem("happened_on", "The date the change happened must be today or in the past", "future")
        )
    elif change.happened_on < claim.claim_date:
        problems.append(
            FieldProblem(
                "happened_on",
                "The date the change happened must be after your claim began",
                "early",
            )
        )
    if claim.claim_type != ClaimType.UNIVERSAL_CREDIT and change.kind in UC_ONLY:
        problems.append(
            FieldProblem("kind", "Tell us about this change in your Universal Credit claim", "kind")
        )
    if claim.claim_type == ClaimType.UNIVERSAL_CREDIT and change.kind in NEW_STYLE_ONLY:
        problems.append(FieldProblem("kind", "Tell us about your pension in your income answers", "kind"))
    if claim.claim_type == ClaimType.NEW_STYLE_JSA and change.kind in NOT_JSA:
        problems.append(
            FieldProblem(
                "kind",
                "If a health condition stops you working, you can claim Employment and Support Allowance",
                "kind",
            )
        )
    k = change.kind
    if k in (ChangeKind.MOVING_HOME, ChangeKind.RENT_CHANGED):
        _need(problems, change.rent, "rent")
        _pence(problems, change.rent, "rent")
    if k == ChangeKind.MOVING_HOME:
        _need(problems, change.tenure, "tenure")
        _need(problems, change.bedrooms, "bedrooms")
        if change.bedrooms is not None and not 0 <= change.bedrooms <= 20:
            problems.append(FieldProblem("bedrooms", "Enter a number of bedrooms from 0 to 20", "range"))
    if k in (ChangeKind.PARTNER_JOINED, ChangeKind.CHILD_BORN, ChangeKind.CHILD_LEFT):
        _need(problems, change.date_of_birth, "date_of_birth")
        if change.date_of_birth is not None and change.date_of_birth > change.happened_on:
            problems.append(
                FieldProblem("date_of_birth", "The date of birth must be before the change", "order")
            )
    if k == ChangeKind.CHILD_BORN:
        _need(problems, change.sex, "sex")
        if change.date_of_birth is not None and change.date_of_birth != change.happened_on:
            problems.append(
                FieldProblem("date_of_birth", "A child's birth happened on their date of birth", "order")
            )
    if k in (ChangeKind.PARTNER_JOINED, ChangeKind.PARTNER_LEFT) and claim.joint:
        raise ChangeNotAllowed("a joint claim's couple changing is a new award: a caseworker makes it")
    if k in (ChangeKind.STARTED_WORK, ChangeKind.STOPPED_WORK):
        problem = text_problem("employer", change.employer or "", required=True, longest=LONGEST_EMPLOYER)
        if problem is not None:
            problems.append(problem)
    if k == ChangeKind.STARTED_WORK:
        _need(problems, change.hours_per_week, "hours_per_week")
        _need(problems, change.pay, "pay")
        _pence(problems, change.pay, "pay")
        if change.hours_per_week is not None and not 0 < change.hours_per_week <= 168:
            problems.append(FieldProblem("hours_per_week", "Enter hours from 1 to 168", "range"))
    if k == ChangeKind.PENSION_CHANGED:
        _need(problems, change.pension, "pension")
        _pence(problems, change.pension, "pension")
    if k == ChangeKind.SAVINGS_CHANGED:
        _need(problems, change.savings_pence, "savings_pence")
        _pence(problems, change.savings_pence, "savings_pence")
    if k == ChangeKind.HEALTH_CONDITION_CHANGED:
        _check_health(problems, claim, change)
    if k in (ChangeKind.STARTED_CARING, ChangeKind.STOPPED_CARING):
        _check_caring(problems, claim, change)
    if problems:
        raise InvalidAnswers(problems)


def _check_health(problems: list[FieldProblem], claim: Claim, change: ChangeDetails) -> None:
    _need(problems, change.condition_affects_work, "condition_affects_work")
    if claim.claim_type == ClaimType.UNIVERSAL_CREDIT and change.condition_affects_work:
        _need(problems, change.can_work, "can_work")
    if change.fit_note_until is not None:
        if claim.claim_type != ClaimType.NEW_STYLE_ESA:
            problems.append(
                FieldProblem("fit_note_until", "Upload a fit note with your evidence instead", "kind")
            )
        elif change.fit_note_until < change.happened_on:
            problems.append(
                FieldProblem("fit_note_until", "The fit note must end on or after the change", "order")
            )


def _check_caring(problems: list[FieldProblem], claim: Claim, change: ChangeDetails) -> None:
    if change.whose == "partner" and not claim.joint:
        problems.append(FieldProblem("whose", "Only a joint claim has a partner's caring", "kind"))
    if change.kind == ChangeKind.STARTED_CARING:
        _need(problems, change.caring_hours_per_week, "caring_hours_per_week")
        _need(problems, change.cared_for_gets_qualifying_benefit, "cared_for_gets_qualifying_benefit")
        hours = change.caring_hours_per_week
        if hours is not None and not 0 < hours <= 168:
            problems.append(FieldProblem("caring_hours_per_week", "Enter hours from 1 to 168", "range"))


@dataclass(frozen=True)
class DecisionNeeded:
    """A change that only a decision maker can turn into an award (an assessment first): the work item's
    note (codes, never health details), the to-do asked of the citizen (None: nothing of them), and the
    rule that says so."""

    reason: str
    todo: Literal["book_work_capability_assessment", "upload_evidence"] | None
    todo_subject: str
    rule: str


SOURCE_WCA = (
    "UC Regs 2013 regs 27, 28, 39(1), 40(1) and 41(1): the LCW and LCWRA elements follow an assessment"
)
SOURCE_ESA_LCW = "Welfare Reform Act 2007 s.8: limited capability for work is determined on an assessment"


def decision_needed(claim: Claim, change: ChangeDetails) -> DecisionNeeded | None:
    """Whether the change needs a decision maker (an assessment) before it can move the award; None when
    the benefits service can revise the award from the answers alone."""
    if change.kind != ChangeKind.HEALTH_CONDITION_CHANGED:
        return None
    if claim.claim_type == ClaimType.UNIVERSAL_CREDIT:
        # A condition that now limits work is referred for an assessment, which the citizen books; one
        # that no longer does is a decision maker's to look at (a relevant change, reg 41(1)(b)).
        asks = bool(change.condition_affects_work) and change.can_work != "yes"
        return DecisionNeeded(
            "health_condition_changed: work capability assessment",
            "book_work_capability_assessment" if asks else None,
            "",
            SOURCE_WCA,
        )
    # New Style ESA: a new fit note period is evidence the decision maker needs; a claimant now fit for
    # work is theirs to decide on.
    asks = bool(change.condition_affects_work)
    return DecisionNeeded(
        "health_condition_changed: limited capability for work",
        "upload_evidence" if asks else None,
        "fit_note" if asks else "",
        SOURCE_ESA_LCW,
    )


def benefit_week_start(claim_date: date, day: date) -> date:
    """The first day of the benefit week (7 days from the claim's first day) that holds `day`."""
    return day - timedelta(days=(day - claim_date).days % 7)


def effective(claim: Claim, change: ChangeDetails, *, reported_on: date, advantageous: bool) -> Effective:
    """When the change takes effect (Sch 1), given whether the revision is in the claimant's favour."""
    assert claim.claim_date is not None
    first = claim.claim_date
    if claim.claim_type == ClaimType.UNIVERSAL_CREDIT:
        _, start, end = period_containing(first, change.happened_on)
        late = reported_on > end
        if late and advantageous:
            return Effective(period_containing(first, reported_on)[1], SOURCE_UC_LATE, late)
        return Effective(start, SOURCE_UC, late)
    late = reported_on > add_months(change.happened_on, 1)
    if late and advantageous:
        return Effective(benefit_week_start(first, reported_on), SOURCE_WEEK_LATE, late)
    if ends_entitlement(claim, change):
        return Effective(change.happened_on, SOURCE_ENDS, late)
    return Effective(benefit_week_start(first, change.happened_on), SOURCE_WEEK, late)


def ends_entitlement(claim: Claim, change: ChangeDetails) -> bool:
    """Full-time work ends New Style JSA (16 hours or more); ESA's permitted work is a caseworker's."""
    return (
        claim.claim_type == ClaimType.NEW_STYLE_JSA
        and change.kind == ChangeKind.STARTED_WORK
        and (change.hours_per_week or 0) >= FULL_TIME_HOURS
    )


def advantageous_by_kind(change: ChangeDetails) -> bool | None:
    """Whether a kind of change can only raise an award (None: the revision tells)."""
    if change.kind in (ChangeKind.CHILD_BORN, ChangeKind.STOPPED_WORK):
        return True
    if change.kind in (ChangeKind.CHILD_LEFT, ChangeKind.STARTED_WORK, ChangeKind.STOPPED_CARING):
        return False
    return None


# --- New Style JSA and ESA: an award of benefit weeks, paid by the fortnight -------------------------


def week_paid(first_day: date, week_start: date, today: date) -> bool:
    """Whether a benefit week has been paid by `today`: it is paid, in arrears, the day after the
    fortnight that holds it ends (Claims and Payments Regs 2013, Part 4). A payment moved earlier for a
    weekend or bank holiday is counted on its due day: the overpayment recorded here is the law's
    figure, and payments settles on what it actually instructed."""
    fortnight = (week_start - first_day).days // FORTNIGHT_DAYS
    due = first_day + timedelta(days=FORTNIGHT_DAYS * (fortnight + 1))
    return due <= today


def weeks_from(first_day: date, from_day: date, through: date) -> list[date]:
    """The first days of the benefit weeks from the one holding `from_day` to the one holding `through`."""
    start = benefit_week_start(first_day, from_day)
    last = benefit_week_start(first_day, through)
    return [start + timedelta(days=WEEK_DAYS * n) for n in range((last - start).days // WEEK_DAYS + 1)]


def part_week(weekly_pence: int, days: int) -> int:
    """A part-week's amount: N days of the weekly amount, (N x X) / 7 (JSA Regs 2013 reg 64), to the
    nearest penny (a half penny up)."""
    return (2 * days * weekly_pence + WEEK_DAYS) // (2 * WEEK_DAYS)


@dataclass(frozen=True)
class WeekFigures:
    """One benefit week: what the award pays for it now, and the benefits service's amount for it with
    the circumstances before and after the change."""

    week_start: date
    was_pence: int
    before_pence: int
    after_pence: int


def revise_weeks(
    first_day: date, weeks: list[WeekFigures], *, ends_on: date | None, today: date
) -> list[PeriodRevision]:
    """Each week's award moved by the change's effect alone (after less before, never below nil), as
    for UC. Where the change ends entitlement (para 4) the week holding that day keeps its old amount
    for the days before it, a part-week (JSA Regs 2013 reg 64), and nothing after.

    Worked example: a JSA award of £95.55 a week from Wednesday 10 June 2026; full-time work from Friday
    3 July (the week of 1 July): 2 days (1 and 2 July) at £95.55 x 2 / 7 = £27.30, then nil."""
    revised = []
    for w in weeks:
        now = max(0, w.was_pence + w.after_pence - w.before_pence)
        end = w.week_start + timedelta(days=WEEK_DAYS - 1)
        if ends_on is not None and w.week_start <= ends_on <= end:
            now = part_week(w.was_pence, (ends_on - w.week_start).days)
        elif ends_on is not None and w.week_start > ends_on:
            now = 0
        revised.append(
            PeriodRevision(w.week_start, end, w.was_pence, now, week_paid(first_day, w.week_start, today))
        )
    return revised


def apply_change(claim: Claim, change: ChangeDetails) -> Claim:
    """The claim with its answers as they are after the change (the monthly run then uses them)."""
    a = dict(claim.answers.sections)
    k = change.kind
    if claim.claim_type != ClaimType.UNIVERSAL_CREDIT:
        work = a.get("income")
        work = work if isinstance(work, WorkIncomeAnswers) else WorkIncomeAnswers()
        if k == ChangeKind.STARTED_WORK:
            work = replace(work, earnings=change.pay, hours_per_week=change.hours_per_week or 0)
        elif k == ChangeKind.STOPPED_WORK:
            work = replace(work, earnings=None, hours_per_week=0)
        elif k == ChangeKind.PENSION_CHANGED:
            assert change.pension is not None
            work = replace(work, pensions=(change.pension,) if change.pension.pence else ())
        elif k == ChangeKind.HEALTH_CONDITION_CHANGED:
            return _with(claim, _esa_health(a, change))
        a["income"] = work
        return _with(claim, a)
    household = a.get("household")
    household = household if isinstance(household, HouseholdAnswers) else HouseholdAnswers(False)
    income = a.get("income")
    income = income if isinstance(income, IncomeAnswers) else IncomeAnswers()
    housing = a.get("housing")
    if k == ChangeKind.MOVING_HOME:
        assert change.tenure is not None
        assert change.bedrooms is not None
        a["housing"] = HousingAnswers(
            tenure=change.tenure, bedrooms=change.bedrooms, rent=change.rent, postcode=change.postcode
        )
    elif k == ChangeKind.RENT_CHANGED:
        if not isinstance(housing, HousingAnswers):
            raise InvalidAnswers([FieldProblem("kind", "Tell us you moved home, with your rent", "kind")])
        a["housing"] = replace(housing, rent=change.rent)
    elif k == ChangeKind.PARTNER_JOINED:
        assert change.date_of_birth is not None
        a["household"] = replace(household, lives_with_partner=True, partner=Partner(change.date_of_birth))
    elif k == ChangeKind.PARTNER_LEFT:
        a["household"] = replace(household, lives_with_partner=False, partner=None)
        a["income"] = replace(
            income,
            employments=tuple(e for e in income.employments if e.whose != "partner"),
            self_employment=tuple(s for s in income.self_employment if s.whose != "partner"),
        )
    elif k == ChangeKind.CHILD_BORN:
        assert change.date_of_birth is not None
        assert change.sex is not None
        child = ChildAnswer(change.date_of_birth, change.sex)
        a["household"] = replace(household, children=(*household.children, child))
    elif k == ChangeKind.CHILD_LEFT:
        kept = [c for c in household.children if c.date_of_birth != change.date_of_birth]
        if len(kept) == len(household.children):
            raise InvalidAnswers(
                [FieldProblem("date_of_birth", "No child on your claim has this date of birth")]
            )
        # One child of that date of birth leaves (twins: the other stays).
        gone = next(c for c in household.children if c.date_of_birth == change.date_of_birth)
        children = list(household.children)
        children.remove(gone)
        a["household"] = replace(household, children=tuple(children))
    elif k == ChangeKind.STARTED_WORK:
        assert change.pay is not None
        assert change.employer is not None
        job = Employment(change.employer, change.happened_on, change.hours_per_week or 0, change.pay)
        a["income"] = replace(income, employments=(*income.employments, job))
    elif k == ChangeKind.STOPPED_WORK:
        kept_jobs = tuple(
            e for e in income.employments if e.employer.casefold() != (change.employer or "").casefold()
        )
        if len(kept_jobs) == len(income.employments):
            raise InvalidAnswers([FieldProblem("employer", "No job on your claim is with this employer")])
        a["income"] = replace(income, employments=kept_jobs)
    elif k == ChangeKind.SAVINGS_CHANGED:
        capital = a.get("capital")
        capital = capital if isinstance(capital, CapitalAnswers) else CapitalAnswers()
        a["capital"] = replace(capital, savings_pence=change.savings_pence or 0)
    elif k == ChangeKind.HEALTH_CONDITION_CHANGED:
        health = a.get("health")
        health = health if isinstance(health, HealthAnswers) else HealthAnswers(PersonHealth(False))
        affects = bool(change.condition_affects_work)
        can_work: CanWork = (change.can_work or "some") if affects else "yes"
        a["health"] = replace(
            health, you=replace(health.you, condition_affects_work=affects, can_work=can_work)
        )
    elif k in (ChangeKind.STARTED_CARING, ChangeKind.STOPPED_CARING):
        caring = a.get("caring")
        caring = caring if isinstance(caring, CaringAnswers) else CaringAnswers()
        others = tuple(c for c in caring.carers if c.whose != change.whose)
        if k == ChangeKind.STARTED_CARING:
            assert change.caring_hours_per_week is not None
            new = Caring(
                change.caring_hours_per_week, bool(change.cared_for_gets_qualifying_benefit), change.whose
            )
            others = (*others, new)
        elif len(others) == len(caring.carers):
            raise InvalidAnswers(
                [FieldProblem("kind", "Your claim does not say you care for anyone", "kind")]
            )
        a["caring"] = replace(caring, carers=others)
    return _with(claim, a)


def _esa_health(a: dict[str, Section], change: ChangeDetails) -> dict[str, Section]:
    """New Style ESA: the condition's answer and, when there is one, the new fit note's period."""
    condition = a.get("condition")
    if isinstance(condition, ConditionAnswers):
        a["condition"] = replace(condition, affects_work=bool(change.condition_affects_work))
    if change.fit_note_until is not None:
        a["fit_note"] = FitNoteAnswers(True, FitNote(change.happened_on, change.fit_note_until))
    return a


def _with(claim: Claim, sections: dict[str, Section]) -> Claim:
    return replace(claim, answers=replace(claim.answers, sections=sections))


@dataclass(frozen=True)
class PeriodRevision:
    """One assessment period's award before and after the change."""

    period_start: date
    period_end: date
    was_pence: int
    now_pence: int
    paid: bool
    """Its payment day has passed: a difference is an overpayment or arrears, not a smaller payment."""


Cause = Literal["claimant", "official_error"]


@dataclass(frozen=True)
class Outcome:
    """What a revision comes to."""

    effective: Effective
    revisions: tuple[PeriodRevision, ...]
    overpayment_pence: int
    arrears_pence: int
    cause: Cause | None
    """Why there is an overpayment: the claimant told DWP late; None when there is none."""


def paid_by(period_end: date, today: date) -> bool:
    return period_end + timedelta(days=PAYMENT_DAYS) <= today


def outcome(effective_: Effective, revisions: list[PeriodRevision]) -> Outcome:
    """Only the periods from the effective day change; of those already paid, what was paid too much is
    an overpayment (the claimant's, since they told DWP after the period) and too little is arrears."""
    kept = tuple(r for r in revisions if r.period_end >= effective_.from_day)
    over = sum(r.was_pence - r.now_pence for r in kept if r.paid and r.was_pence > r.now_pence)
    under = sum(r.now_pence - r.was_pence for r in kept if r.paid and r.now_pence > r.was_pence)
    cause: Cause | None = None
    if over:
        cause = "claimant" if effective_.late else "official_error"
    return Outcome(effective_, kept, over, under, cause)


def explanation(kind: ChangeKind, result: Outcome, *, weekly: bool = False) -> list[str]:
    """What changed and why, in words a citizen reads (English; the SPA has the Welsh by code).
    `weekly`: a New Style JSA or ESA award, revised by benefit week."""
    lines = [
        f"You told us about a change ({kind.value.replace('_', ' ')}).",
        f"It counts from {result.effective.from_day.isoformat()} ({result.effective.rule}).",
    ]
    for r in result.revisions:
        if r.now_pence == r.was_pence and weekly:
            continue  # a week the change leaves as it was (before the day entitlement ends, say)
        lines.append(
            f"{'Benefit week' if weekly else 'Assessment period'} {r.period_start.isoformat()} to "
            f"{r.period_end.isoformat()}: £{r.was_pence / 100:,.2f} is now £{r.now_pence / 100:,.2f}."
        )
    if result.overpayment_pence:
        why = (
            "those weeks were paid before you told us about the change"
            if weekly
            else "the change was reported after the assessment period it happened in"
        )
        lines.append(f"We paid you £{result.overpayment_pence / 100:,.2f} too much because {why}.")
    if result.arrears_pence:
        lines.append(f"We owe you £{result.arrears_pence / 100:,.2f}: it is added to your next payment.")
    return lines
