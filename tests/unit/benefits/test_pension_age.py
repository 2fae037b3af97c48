"""State Pension age by date of birth (Pensions Act 1995 Sch 4 para 1 as amended in 2007, 2011, 2014),
and its use by UC (WRA 2012 s.4(1)(b), UC Regs 2013 reg 3(2)(a)) and by New Style JSA and ESA."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dwp.benefits.domain import (
    Adult,
    Household,
    InvalidCircumstances,
    NIYear,
    calculate_uc,
    new_style_jsa,
    one_month_later,
)
from dwp.benefits.domain.pension_age import add_years_and_months, rules, state_pension_date


@pytest.mark.parametrize(
    ("born", "sex", "attained", "why"),
    [
        # Issue 13 and the Pensions Act 2014 explanatory notes (para 124), table 3:
        (date(1960, 9, 1), None, date(2027, 2, 1), "6 Aug-5 Sep 1960: 66 years and 5 months"),
        (date(1960, 4, 15), None, date(2026, 5, 15), "66 years and 1 month"),
        (date(1960, 9, 10), None, date(2027, 3, 10), "66 years and 6 months"),
        (date(1961, 1, 22), None, date(2027, 11, 22), "66 years and 10 months"),
        # para 1(7A): no 31 November or 31 September
        (date(1960, 7, 31), None, date(2026, 11, 30), "para 1(7A)(a)"),
        (date(1960, 12, 31), None, date(2027, 9, 30), "para 1(7A)(b)"),
        (date(1961, 1, 31), None, date(2027, 11, 30), "para 1(7A)(c)"),
        # the edges of each rule
        (date(1960, 4, 5), None, date(2026, 4, 5), "para 1(6): 66"),
        (date(1961, 3, 5), None, date(2028, 2, 5), "table 3, last row: 66 years and 11 months"),
        (date(1961, 3, 6), None, date(2028, 3, 6), "para 1(8): 67"),
        (date(1977, 4, 5), None, date(2044, 4, 5), "67"),
        (date(1977, 4, 6), None, date(2044, 5, 6), "table 4, first row"),
        (date(1978, 4, 5), None, date(2046, 3, 6), "table 4, last row"),
        (date(1978, 4, 6), None, date(2046, 4, 6), "68"),
        (date(1954, 10, 5), None, date(2020, 9, 6), "table 2 (2011 Act), last row"),
        (date(1953, 12, 6), None, date(2019, 3, 6), "table 2, first row"),
        # women before equalisation (1995 Act table 1, as the 2011 Act amended it), and men at 65
        (date(1950, 4, 5), "F", date(2010, 4, 5), "para 1(2): 60"),
        (date(1950, 4, 6), "F", date(2010, 5, 6), "table 1, first row"),
        (date(1951, 3, 10), "F", date(2012, 3, 6), "table 1: 6 Mar-5 Apr 1951"),
        (date(1953, 4, 5), "F", date(2016, 3, 6), "table 1 (1995), last row"),
        (date(1953, 4, 6), "F", date(2016, 7, 6), "table 1 as amended in 2011, first row"),
        (date(1953, 12, 5), "F", date(2018, 11, 6), "table 1 as amended, last row"),
        (date(1953, 12, 5), "M", date(2018, 12, 5), "para 1(1): a man born before 6 Dec 1953, 65"),
        (date(1953, 12, 5), None, date(2018, 12, 5), "unknown sex: the later day"),
        (date(1956, 2, 29), None, date(2022, 3, 1), "66th birthday in a common year"),
    ],
)
def test_state_pension_date(born: date, sex: str | None, attained: date, why: str) -> None:
    assert state_pension_date(born, sex) == attained, why  # type: ignore[arg-type]


def test_the_7a_days_are_what_the_corresponding_date_rule_gives() -> None:
    assert add_years_and_months(date(1960, 7, 31), 66, 4) == date(2026, 11, 30)
    assert add_years_and_months(date(1960, 12, 31), 66, 9) == date(2027, 9, 30)
    assert add_years_and_months(date(1961, 1, 31), 66, 10) == date(2027, 11, 30)


@pytest.mark.parametrize("sex", ["F", "M"])
def test_the_rules_cover_every_date_of_birth_once(sex: str) -> None:
    mine = sorted((r for r in rules() if r.sex in (sex, "any")), key=lambda r: r.born_from)
    assert mine[0].born_from == date(1800, 1, 1)
    assert mine[-1].born_to == date(9999, 12, 31)
    for before, after in pairwise(mine):
        assert after.born_from == before.born_to + timedelta(days=1), (before, after)
    assert all(r.source.strip() for r in mine)


@given(st.dates(date(1900, 1, 1), date(2010, 12, 31)), st.integers(1, 400), st.sampled_from(["F", "M"]))
def test_someone_born_later_never_reaches_it_sooner(born: date, days: int, sex: str) -> None:
    later = born + timedelta(days=days)
    assert state_pension_date(later, sex) >= state_pension_date(born, sex)  # type: ignore[arg-type]


def single(born: date, start: date) -> Household:
    return Household(start, one_month_later(start), (Adult(born),))


def test_a_66_year_old_born_in_september_1960_is_still_of_working_age() -> None:
    """Born 1 September 1960: 66 on 1 September 2026, State Pension age (66 years and 5 months) on
    1 February 2027. For 1 to 30 September 2026 the engine refused her (it assumed 66); the law pays:
    single, 25 or over, 2026/27, no income: award = standard allowance £424.90."""
    born = date(1960, 9, 1)
    assert calculate_uc(single(born, date(2026, 9, 1))).award == 42490
    # Reaching it on 1 February 2027, the first day of a period, changes the award from the next one
    # (D&A Regs 2013 Sch 1 para 26): February is paid, March is not.
    assert calculate_uc(single(born, date(2027, 2, 1))).award == 42490
    with pytest.raises(InvalidCircumstances) as err:
        calculate_uc(single(born, date(2027, 3, 1)))
    assert err.value.field == "adults[0].date_of_birth"


def test_new_style_jsa_runs_to_state_pension_age_by_date_of_birth() -> None:
    """Born 1 September 1960, claim on 5 October 2026 (benefit year from 4 January 2026: tax years
    2023-24 and 2024-25): 25 or over, 2026/27, £95.55 a week; at 66 the engine refused it."""
    record = (NIYear("2023-24", paid_earnings=2_000_000), NIYear("2024-25", paid_earnings=2_000_000))
    born = date(1960, 9, 1)
    award = new_style_jsa(
        date_of_birth=born, claim_date=date(2026, 10, 5), week_start=date(2026, 10, 5), record=record
    )
    assert award.weekly_amount == 9555
    with pytest.raises(InvalidCircumstances, match="end at State Pension age"):
        new_style_jsa(
            date_of_birth=born, claim_date=date(2027, 2, 1), week_start=date(2027, 2, 1), record=record
        )
