"""Assessment periods (UC Regs 2013 reg 21): the benefits engine counts them as the claims service does
(`dwp.claims.domain.dates`, which tests may import; the code may not)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dwp.benefits.domain import Adult, Household, InvalidCircumstances, calculate_uc, one_month_later
from dwp.benefits.domain.household import period_ends
from dwp.claims.domain.dates import assessment_period_end, assessment_period_start


@given(st.dates(date(2020, 1, 1), date(2035, 12, 31)), st.integers(0, 40))
def test_every_period_of_every_award_agrees_with_the_claims_service(first_day: date, n: int) -> None:
    start = assessment_period_start(first_day, n)
    end = assessment_period_end(first_day, n)
    assert one_month_later(start, first_day.day) == end
    assert end in period_ends(start)
    if n == 0:
        assert one_month_later(start) == end


@pytest.mark.parametrize(
    ("first_day", "periods"),
    [
        # reg 21(2)(a): from the 31st, each period begins on the month's last day
        (
            date(2027, 1, 31),
            [
                (date(2027, 1, 31), date(2027, 2, 27)),
                (date(2027, 2, 28), date(2027, 3, 30)),
                (date(2027, 3, 31), date(2027, 4, 29)),
                (date(2027, 4, 30), date(2027, 5, 30)),
            ],
        ),
        # reg 21(2)(b): from the 29th or 30th, that day, but the 27th of February (28th in a leap year)
        (date(2027, 1, 29), [(date(2027, 1, 29), date(2027, 2, 26)), (date(2027, 2, 27), date(2027, 3, 28))]),
        (date(2028, 1, 30), [(date(2028, 1, 30), date(2028, 2, 27)), (date(2028, 2, 28), date(2028, 3, 29))]),
        (
            date(2026, 12, 15),
            [(date(2026, 12, 15), date(2027, 1, 14)), (date(2027, 1, 15), date(2027, 2, 14))],
        ),
    ],
)
def test_periods_of_an_award(first_day: date, periods: list[tuple[date, date]]) -> None:
    for start, end in periods:
        assert one_month_later(start, first_day.day) == end


def test_a_period_beginning_on_28_february_may_end_on_the_27th_or_the_30th_of_march() -> None:
    assert period_ends(date(2027, 2, 28)) == {date(2027, 3, 27), date(2027, 3, 30)}
    assert period_ends(date(2027, 2, 27)) == {date(2027, 3, 26), date(2027, 3, 28), date(2027, 3, 29)}
    assert period_ends(date(2026, 6, 10)) == {date(2026, 7, 9)}


def test_the_period_end_decides_an_age_the_award_turns_on() -> None:
    """Award from 31 January 2027; its second period runs 28 February to 30 March 2027. The claimant,
    born 30 March 2002, is 25 on the period's last day, so the whole period has the 25-or-over standard
    allowance (2026/27: £424.90, against £338.58 under 25). Ending the period on 27 March, as an award
    from the 28th would, pays the under-25 rate, £86.32 less; ending it on 31 March is refused."""
    start = date(2027, 2, 28)
    claimant = (Adult(date(2002, 3, 30)),)
    assert calculate_uc(Household(start, date(2027, 3, 30), claimant)).award == 42490
    assert calculate_uc(Household(start, date(2027, 3, 27), claimant)).award == 33858
    with pytest.raises(InvalidCircumstances) as err:
        calculate_uc(Household(start, date(2027, 3, 31), claimant))
    assert err.value.field == "period_end"
