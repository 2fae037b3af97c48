"""New Style Jobseeker's Allowance and New Style Employment and Support Allowance, for one benefit week.

Both are contributory: entitlement rests on the National Insurance record of the two complete tax years
before the benefit year, not on the household's means. Amounts are weekly, in pence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from dwp.benefits.domain.errors import InvalidCircumstances
from dwp.benefits.domain.explanation import Line
from dwp.benefits.domain.household import age_on
from dwp.benefits.domain.pension_age import state_pension_date
from dwp.benefits.domain.rates import Rates, lower_earnings_limits, rates_on

FIRST_CONDITION_MULTIPLE = 26
SECOND_CONDITION_MULTIPLE = 50


@dataclass(frozen=True)
class NIYear:
    """One tax year of a National Insurance record: earnings (pence, for the year) on which Class 1
    contributions were paid, and earnings credited."""

    tax_year: str
    paid_earnings: int = 0
    credited_earnings: int = 0


@dataclass(frozen=True)
class ContributionTest:
    met: bool
    tax_years: tuple[str, str]
    first_condition: bool
    second_condition: bool


def benefit_year_start(day: date) -> date:
    """A benefit year begins on the first Sunday in January (SSCBA 1992 s.21(6))."""
    jan1 = date(day.year, 1, 1)
    first_sunday = jan1 + timedelta(days=(6 - jan1.weekday()) % 7)
    if day < first_sunday:
        jan1 = date(day.year - 1, 1, 1)
        first_sunday = jan1 + timedelta(days=(6 - jan1.weekday()) % 7)
    return first_sunday


def relevant_tax_years(claim_date: date) -> tuple[str, str]:
    """The last two complete tax years before the benefit year that the claim falls in."""
    start = benefit_year_start(claim_date)
    # The tax year ending in April of the benefit year's calendar year is not complete at its start.
    last_end = start.year - 1
    return (f"{last_end - 2}-{str(last_end - 1)[2:]}", f"{last_end - 1}-{str(last_end)[2:]}")


def contribution_conditions(record: tuple[NIYear, ...], claim_date: date) -> ContributionTest:
    """Jobseekers Act 1995 s.2 and Welfare Reform Act 2007 Schedule 1 paras 1-2: Class 1 paid on
    earnings of at least 26 x the lower earnings limit in one of the two years, and paid or credited on
    at least 50 x the limit in each."""
    years = relevant_tax_years(claim_date)
    limits = lower_earnings_limits()
    by_year = {y.tax_year: y for y in record}
    first = False
    second = True
    for year in years:
        if year not in limits:
            raise InvalidCircumstances("claim_date", f"no lower earnings limit is held for {year}")
        lel = limits[year].value
        entry = by_year.get(year, NIYear(year))
        if entry.paid_earnings >= FIRST_CONDITION_MULTIPLE * lel:
            first = True
        if entry.paid_earnings + entry.credited_earnings < SECOND_CONDITION_MULTIPLE * lel:
            second = False
    return ContributionTest(first and second, years, first, second)


@dataclass(frozen=True)
class WeeklyAward:
    benefit: str
    tax_year: str
    weekly_amount: int
    contribution: ContributionTest
    days_remaining: int | None
    explanation: list[Line] = field(default_factory=list)


def _contribution_line(benefit: str, test: ContributionTest) -> Line:
    key = f"{benefit}.contributions_met" if test.met else f"{benefit}.contributions_not_met"
    reg = "Jobseekers Act 1995 s.2" if benefit == "jsa" else "Welfare Reform Act 2007 Schedule 1 paras 1-2"
    return Line(key, "note", reg, None, {"first_year": test.tax_years[0], "second_year": test.tax_years[1]})


def _validate_common(
    claimant_born: date, claim_date: date, week_start: date, *money: tuple[str, int]
) -> None:
    if age_on(claimant_born, week_start) < 16:
        raise InvalidCircumstances("date_of_birth", "age must be 16 or over")
    # Jobseekers Act 1995 s.1(2)(h); Welfare Reform Act 2007 s.1(3)(c): under pensionable age, which
    # rises by date of birth (`pension_age`: 66 years and some months from 2026, then 67).
    if state_pension_date(claimant_born) <= week_start:
        raise InvalidCircumstances("date_of_birth", "New Style JSA and ESA end at State Pension age")
    if week_start < claim_date:
        raise InvalidCircumstances("week_start", "must not be before the claim date")
    for name, value in money:
        if value < 0:
            raise InvalidCircumstances(name, "must not be negative")


def _first_steps(
    benefit: str,
    date_of_birth: date,
    claim_date: date,
    week_start: date,
    record: tuple[NIYear, ...],
    days_paid: int,
    weekly_earnings: int,
    weekly_pension: int,
    rates: Rates | None,
) -> tuple[Rates, ContributionTest, list[Line]]:
    """What New Style JSA and ESA both do first: check the input, pick the year's rates, and test the
    contribution conditions."""
    _validate_common(
        date_of_birth,
        claim_date,
        week_start,
        ("weekly_earnings", weekly_earnings),
        ("weekly_pension", weekly_pension),
    )
    if days_paid < 0:
        raise InvalidCircumstances("days_paid", "must not be negative")
    test = contribution_conditions(record, claim_date)
    return rates or rates_on(week_start), test, [_contribution_line(benefit, test)]


def new_style_jsa(
    *,
    date_of_birth: date,
    claim_date: date,
    week_start: date,
    record: tuple[NIYear, ...],
    days_paid: int = 0,
    weekly_earnings: int = 0,
    weekly_hours: int = 0,
    weekly_pension: int = 0,
    rates: Rates | None = None,
) -> WeeklyAward:
    """New Style JSA for the benefit week starting `week_start`."""
    rates, test, lines = _first_steps(
        "jsa",
        date_of_birth,
        claim_date,
        week_start,
        record,
        days_paid,
        weekly_earnings,
        weekly_pension,
        rates,
    )
    remaining = max(0, rates["jsa.duration_days"] - days_paid)
    if not test.met:
        return WeeklyAward("jsa", rates.tax_year, 0, test, None, [*lines, Line("jsa.award", "result", "", 0)])
    under_25 = age_on(date_of_birth, week_start) < 25
    personal = rates["jsa.under_25"] if under_25 else rates["jsa.aged_25_or_over"]
    lines.append(
        Line(
            "jsa.personal_rate.under_25" if under_25 else "jsa.personal_rate.aged_25_or_over",
            "element",
            "JSA Regs 2013 reg 49",
            personal,
        )
    )
    amount = personal
    if weekly_hours >= rates["jsa.remunerative_work_hours"]:
        lines.append(
            Line("jsa.remunerative_work", "note", "Jobseekers Act 1995 s.1(2)(e); JSA Regs 2013 reg 42")
        )
        amount = 0
    if remaining == 0:
        lines.append(Line("jsa.duration_exhausted", "note", "Jobseekers Act 1995 s.5(1)"))
        amount = 0
    if amount and weekly_earnings:
        deduction = min(amount, max(0, weekly_earnings - rates["jsa.earnings_disregard"]))
        lines.append(Line("jsa.earnings_deduction", "deduction", "JSA Regs 2013 reg 59-60", deduction))
        amount -= deduction
    if amount and weekly_pension > rates["jsa.pension_threshold"]:
        deduction = min(amount, weekly_pension - rates["jsa.pension_threshold"])
        lines.append(Line("jsa.pension_deduction", "deduction", "Jobseekers Act 1995 s.4(1)(b)", deduction))
        amount -= deduction
    if days_paid == 0 and amount:
        lines.append(
            Line(
                "jsa.waiting_days",
                "note",
                "Jobseekers Act 1995 Schedule 1 para 4",
                None,
                {"days": rates["jsa.waiting_days"]},
            )
        )
    lines.append(Line("jsa.days_remaining", "note", "Jobseekers Act 1995 s.5(1)", None, {"days": remaining}))
    lines.append(Line("jsa.award", "result", "Jobseekers Act 1995 s.4", amount))
    return WeeklyAward("jsa", rates.tax_year, amount, test, remaining, lines)


class ESAGroup(StrEnum):
    ASSESSMENT = "assessment"
    WORK_RELATED_ACTIVITY = "work_related_activity"
    SUPPORT = "support"


def new_style_esa(
    *,
    date_of_birth: date,
    claim_date: date,
    week_start: date,
    record: tuple[NIYear, ...],
    group: ESAGroup = ESAGroup.ASSESSMENT,
    days_paid: int = 0,
    weekly_earnings: int = 0,
    weekly_hours: int = 0,
    weekly_pension: int = 0,
    rates: Rates | None = None,
) -> WeeklyAward:
    """New Style ESA for the benefit week starting `week_start`."""
    rates, test, lines = _first_steps(
        "esa",
        date_of_birth,
        claim_date,
        week_start,
        record,
        days_paid,
        weekly_earnings,
        weekly_pension,
        rates,
    )
    if not test.met:
        return WeeklyAward("esa", rates.tax_year, 0, test, None, [*lines, Line("esa.award", "result", "", 0)])
    in_assessment = (
        group == ESAGroup.ASSESSMENT
        or (week_start - claim_date).days < 7 * rates["esa.assessment_phase_weeks"]
    )
    amount = 0
    if in_assessment:
        under_25 = age_on(date_of_birth, week_start) < 25
        amount = rates["esa.assessment_under_25"] if under_25 else rates["esa.assessment_25_or_over"]
        key = "esa.assessment_rate.under_25" if under_25 else "esa.assessment_rate.aged_25_or_over"
        lines.append(Line(key, "element", "ESA Regs 2013 reg 62(1)(b)", amount))
    else:
        amount = rates["esa.main_phase_basic"]
        lines.append(Line("esa.main_phase_basic", "element", "ESA Regs 2013 reg 62(1)(a)", amount))
        if group == ESAGroup.SUPPORT:
            component = rates["esa.support_component"]
            lines.append(Line("esa.support_component", "element", "ESA Regs 2013 reg 62(2)", component))
            amount += component
    # Welfare Reform Act 2007 s.1A: outside the support group, at most 365 days.
    remaining: int | None = None
    if group != ESAGroup.SUPPORT:
        remaining = max(0, rates["esa.wrag_duration_days"] - days_paid)
        if remaining == 0:
            lines.append(Line("esa.duration_exhausted", "note", "Welfare Reform Act 2007 s.1A"))
            amount = 0
        else:
            lines.append(
                Line("esa.days_remaining", "note", "Welfare Reform Act 2007 s.1A", None, {"days": remaining})
            )
    if amount and weekly_earnings:
        allowed = weekly_earnings <= rates["esa.permitted_work_lower"] or (
            weekly_hours < rates["esa.permitted_work_hours"]
            and weekly_earnings <= rates["esa.permitted_work_higher"]
        )
        if allowed:
            lines.append(Line("esa.permitted_work", "note", "ESA Regs 2013 reg 39", weekly_earnings))
        else:
            lines.append(
                Line(
                    "esa.work_over_limit",
                    "note",
                    "ESA Regs 2013 reg 37 and 39",
                    weekly_earnings,
                    {"limit_pence": rates["esa.permitted_work_higher"]},
                )
            )
            amount = 0
    threshold = rates["esa.pension_threshold"]
    if amount and weekly_pension > threshold:
        # Half the excess, a half penny counting as a penny (ESA Regs 2013 reg 4).
        deduction = min(amount, (weekly_pension - threshold + 1) // 2)
        lines.append(Line("esa.pension_deduction", "deduction", "Welfare Reform Act 2007 s.3", deduction))
        amount -= deduction
    if days_paid == 0 and amount:
        lines.append(
            Line(
                "esa.waiting_days",
                "note",
                "Welfare Reform Act 2007 Schedule 2 para 2",
                None,
                {"days": rates["esa.waiting_days"]},
            )
        )
    lines.append(Line("esa.award", "result", "Welfare Reform Act 2007 s.2", amount))
    return WeeklyAward("esa", rates.tax_year, amount, test, remaining, lines)
