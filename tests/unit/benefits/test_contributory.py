"""New Style JSA and ESA: contribution conditions, rates, limits and deductions."""

from __future__ import annotations

from datetime import date

import pytest

from dwp.benefits.domain import ESAGroup, InvalidCircumstances, NIYear, new_style_esa, new_style_jsa
from dwp.benefits.domain.contributory import benefit_year_start, contribution_conditions, relevant_tax_years

FULL = (NIYear("2023-24", paid_earnings=2_000_000), NIYear("2024-25", paid_earnings=2_000_000))
CLAIM = date(2026, 2, 2)
WEEK = date(2026, 2, 9)
BORN = date(1990, 1, 1)


def test_benefit_year_starts_on_the_first_sunday_in_january() -> None:
    assert benefit_year_start(date(2026, 2, 2)) == date(2026, 1, 4)
    assert benefit_year_start(date(2026, 1, 3)) == date(2025, 1, 5)


def test_the_two_tax_years_before_the_benefit_year() -> None:
    """benefit-rules.md: a claim in 2026 looks at 2023/24 and 2024/25 (LEL £123 in both)."""
    assert relevant_tax_years(date(2026, 2, 2)) == ("2023-24", "2024-25")
    assert relevant_tax_years(date(2026, 1, 3)) == ("2022-23", "2023-24")


def test_contribution_conditions_thresholds() -> None:
    # 26 x £123 = £3,198 paid in one year; 50 x £123 = £6,150 paid or credited in each.
    paid_only_first = (NIYear("2023-24", paid_earnings=319_800), NIYear("2024-25", credited_earnings=615_000))
    test = contribution_conditions(paid_only_first, CLAIM)
    assert not test.met
    assert test.first_condition
    assert not test.second_condition
    enough = (
        NIYear("2023-24", paid_earnings=319_800, credited_earnings=295_200),
        NIYear("2024-25", credited_earnings=615_000),
    )
    assert contribution_conditions(enough, CLAIM).met
    short = (
        NIYear("2023-24", paid_earnings=319_799, credited_earnings=400_000),
        NIYear("2024-25", credited_earnings=615_000),
    )
    assert not contribution_conditions(short, CLAIM).met


def test_jsa_rates_by_age_2025_26() -> None:
    assert (
        new_style_jsa(date_of_birth=BORN, claim_date=CLAIM, week_start=WEEK, record=FULL).weekly_amount
        == 9205
    )
    young = new_style_jsa(date_of_birth=date(2003, 1, 1), claim_date=CLAIM, week_start=WEEK, record=FULL)
    assert young.weekly_amount == 7290


def test_jsa_earnings_pension_and_limits() -> None:
    award = new_style_jsa(
        date_of_birth=BORN,
        claim_date=CLAIM,
        week_start=WEEK,
        record=FULL,
        weekly_earnings=3000,
        weekly_pension=6000,
    )
    # £92.05 - (£30 - £5) - (£60 - £50) = £57.05
    assert award.weekly_amount == 5705
    worked = new_style_jsa(
        date_of_birth=BORN, claim_date=CLAIM, week_start=WEEK, record=FULL, weekly_hours=16
    )
    assert worked.weekly_amount == 0
    spent = new_style_jsa(date_of_birth=BORN, claim_date=CLAIM, week_start=WEEK, record=FULL, days_paid=182)
    assert spent.weekly_amount == 0
    assert spent.days_remaining == 0
    none = new_style_jsa(date_of_birth=BORN, claim_date=CLAIM, week_start=WEEK, record=())
    assert none.weekly_amount == 0
    assert not none.contribution.met


def test_jsa_first_week_mentions_waiting_days() -> None:
    award = new_style_jsa(date_of_birth=BORN, claim_date=CLAIM, week_start=WEEK, record=FULL)
    assert "jsa.waiting_days" in [line.key for line in award.explanation]
    assert award.explanation[-1].text("cy").startswith("JSA Dull Newydd")


def test_esa_phases_and_support_component_2026_27() -> None:
    claim, week = date(2026, 5, 4), date(2026, 9, 7)  # more than 13 weeks on
    record = (NIYear("2023-24", paid_earnings=2_000_000), NIYear("2024-25", paid_earnings=2_000_000))
    support = new_style_esa(
        date_of_birth=BORN, claim_date=claim, week_start=week, record=record, group=ESAGroup.SUPPORT
    )
    assert support.weekly_amount == 9555 + 5035
    wrag = new_style_esa(
        date_of_birth=BORN,
        claim_date=claim,
        week_start=week,
        record=record,
        group=ESAGroup.WORK_RELATED_ACTIVITY,
    )
    assert wrag.weekly_amount == 9555
    early = new_style_esa(
        date_of_birth=date(2004, 1, 1), claim_date=claim, week_start=date(2026, 5, 11), record=record,
        group=ESAGroup.SUPPORT,
    )  # fmt: skip
    assert early.weekly_amount == 7565  # assessment phase, under 25


def test_esa_365_days_permitted_work_and_pension() -> None:
    spent = new_style_esa(
        date_of_birth=BORN, claim_date=date(2025, 1, 6), week_start=WEEK, record=FULL,
        group=ESAGroup.WORK_RELATED_ACTIVITY, days_paid=365,
    )  # fmt: skip
    assert spent.weekly_amount == 0
    within = new_style_esa(
        date_of_birth=BORN,
        claim_date=CLAIM,
        week_start=WEEK,
        record=FULL,
        weekly_earnings=19550,
        weekly_hours=15,
    )
    assert within.weekly_amount == 9205
    over = new_style_esa(
        date_of_birth=BORN,
        claim_date=CLAIM,
        week_start=WEEK,
        record=FULL,
        weekly_earnings=19551,
        weekly_hours=15,
    )
    assert over.weekly_amount == 0
    pension = new_style_esa(
        date_of_birth=BORN, claim_date=CLAIM, week_start=WEEK, record=FULL, weekly_pension=10001
    )
    # Half of (£100.01 - £85) = £7.505, a half penny counting as a penny: £7.51.
    assert pension.weekly_amount == 9205 - 751


def test_bad_input_names_the_field() -> None:
    with pytest.raises(InvalidCircumstances) as err:
        new_style_jsa(date_of_birth=BORN, claim_date=CLAIM, week_start=WEEK, record=FULL, weekly_earnings=-1)
    assert err.value.field == "weekly_earnings"
    with pytest.raises(InvalidCircumstances) as err:
        new_style_esa(date_of_birth=date(1950, 1, 1), claim_date=CLAIM, week_start=WEEK, record=FULL)
    assert err.value.field == "date_of_birth"
