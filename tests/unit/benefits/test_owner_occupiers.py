"""Owner-occupiers' service charges (UC Regs 2013 reg 26(3) and Schedule 5), worked by hand.

An owner-occupier's housing costs element meets eligible service charges only (Sch 5 para 3; Sch 1
paras 7-8): mortgage interest is a loan outside UC (Loans for Mortgage Interest Regulations 2017). The
charges are met in full (Sch 5 paras 8-9, 13): no Local Housing Allowance, no size criteria, no
under-occupation deduction, and no housing cost contributions for non-dependants (those are in Sch 4
Part 5, the renters' schedule; Sch 5 has none). They are not met in a period in which either partner
has any earned income (para 4), nor until 9 consecutive assessment periods of UC have passed (paras 5-7).

2026/27 rates: standard allowance single 25 or over £424.90; child element (first child born before
6 April 2017) £351.88; work allowance £427 with housing costs, £710 without; taper 55%; housing cost
contribution £96.55. Periods start on the 1st, after the up-rating day.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dwp.benefits.domain import (
    Adult,
    Child,
    Earnings,
    Household,
    Housing,
    NonDependant,
    Tenure,
    calculate_batch,
    calculate_batch_periods,
    calculate_claim,
    calculate_uc,
    one_month_later,
    rates_on,
)
from dwp.benefits.domain import uc_kernel as k
from dwp.benefits.domain.errors import InvalidCircumstances
from dwp.benefits.domain.rates import rates_table
from dwp.benefits.domain.uc import run_kernel, to_inputs

MAY_2026 = date(2026, 5, 1)


def starts(n: int, first: date = MAY_2026) -> list[date]:
    return [
        date(first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1, 1) for i in range(n)
    ]


def owner(
    start: date = MAY_2026, charges: int = 12000, served: int = 9, pay: int = 0, **kw: object
) -> Household:
    return Household(
        start,
        one_month_later(start),
        (Adult(date(1986, 3, 1), earnings=Earnings(gross=pay)),),
        housing=Housing(Tenure.OWNER, 0, 4, service_charges=charges),
        owner_qualifying_months=served,
        **kw,  # type: ignore[arg-type]
    )


def test_service_charges_are_met_in_full_once_the_qualifying_period_is_served() -> None:
    """Single, 40, owns a 4-bedroom flat, service charges £120.00 a month, no income, qualifying period
    served (9 periods): 424.90 + 120.00 = £544.90. Four bedrooms for one person: no under-occupation
    deduction (that is Sch 4 para 36, a social renter's) and no LHA (Sch 4 paras 22-25, a private
    renter's)."""
    r = calculate_uc(owner())
    assert r.amounts["eligible_rent"] == r.amounts["housing_element"] == 12000
    assert r.award == 54490
    assert r.amounts["owner_qualifying_months"] == 9
    assert not r.amounts["flags"] & (k.F_UNDER_OCCUPIED | k.F_LHA_CAPPED)
    line = next(x for x in r.explanation if x.key == "uc.housing.owner_service_charges")
    assert line.amount == 12000
    assert "Schedule 5" in line.regulation


def test_non_dependants_take_nothing_off_an_owners_service_charges() -> None:
    """The same owner with a son of 30 living at home (not exempt): no housing cost contribution, the
    award stays £544.90. A social renter paying the same £120.00 loses £96.55 of it (Sch 4 para 13):
    424.90 + (120.00 - 96.55) = £448.35."""
    son = (NonDependant(date(1996, 1, 1)),)
    assert calculate_uc(owner(non_dependants=son)).award == 54490
    renter = replace(owner(non_dependants=son), housing=Housing(Tenure.SOCIAL, 12000, 2))
    r = calculate_uc(renter)
    assert (r.amounts["non_dependant_contributions"], r.award) == (9655, 44835)


def test_any_earned_income_stops_the_service_charges_that_period() -> None:
    """Lone parent, 40, one child born 1 June 2015 (before 6 April 2017), owner, service charges
    £150.00, qualifying period served, take-home pay £300.00 (RTI, no tax).
    Para 4: any earned income, whatever its amount: no housing costs element. So the higher work
    allowance (£710, no housing costs in the award, reg 22(2)) applies and £300.00 is under it:
    424.90 + 351.88 = £776.78. (With the service charges it would have been 926.78.) The qualifying
    period starts again (para 5(3)): 0 carried."""
    h = owner(charges=15000, pay=30000, children=(Child(date(2015, 6, 1), "F"),))
    r = calculate_uc(h)
    assert r.amounts["housing_element"] == 0
    assert r.amounts["work_allowance"] == 71000
    assert r.amounts["earnings_deduction"] == 0
    assert r.award == 77678
    assert r.amounts["owner_qualifying_months"] == 0
    assert any(x.key == "uc.housing.owner_earned_income" for x in r.explanation)


def test_a_partners_earnings_count_too() -> None:
    """A couple, both 40, owners, service charges £120.00, qualifying period served; the partner earns
    £50.00. Couple rate £666.97, no work allowance (no child, no LCW): 666.97 - 55% x 50.00 (27.50) =
    £639.47, and no service charges (para 4(1)(b))."""
    h = replace(
        owner(),
        couple=True,
        adults=(Adult(date(1986, 3, 1)), Adult(date(1986, 3, 1), earnings=Earnings(gross=5000))),
    )
    r = calculate_uc(h)
    assert (r.amounts["housing_element"], r.award) == (0, 63947)


def test_the_qualifying_period_is_nine_periods_then_the_charges_are_met() -> None:
    """A new claim from May 2026, no income, service charges £120.00. Periods 1 to 9 (May 2026 to
    January 2027) are the qualifying period: £424.90 each, the count carried 1, 2, ... 9. From the
    10th (February 2027) the charges are met: £544.90. The batch path chains to the same figures."""
    periods = [owner(s, served=0) for s in starts(10)]
    results = calculate_claim(periods)
    assert [r.award for r in results] == [42490] * 9 + [54490]
    assert [r.amounts["owner_qualifying_months"] for r in results] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 9]
    assert results[0].amounts["flags"] & k.F_OWNER_QUALIFYING
    note = next(x for x in results[0].explanation if x.key == "uc.housing.owner_qualifying_period")
    assert note.params == {"served": 0}
    assert _batch_chain(periods) == [r.amounts for r in results]


def test_earnings_during_the_qualifying_period_start_it_again() -> None:
    """Four periods with no income (count 4), then a month with £100.00 pay: 424.90 - 55.00 = £369.90,
    no charges, count back to 0 (para 5(3)); the next period starts the count again at 1."""
    pays = [0, 0, 0, 0, 10000, 0]
    periods = [owner(s, served=0, pay=p) for s, p in zip(starts(6), pays, strict=True)]
    results = calculate_claim(periods)
    assert [r.award for r in results] == [42490] * 4 + [36990, 42490]
    assert [r.amounts["owner_qualifying_months"] for r in results] == [1, 2, 3, 4, 0, 1]


def test_a_renters_service_charges_join_the_rent() -> None:
    """Social renter, single, 40, rent £400.00 and eligible service charges £50.00, two bedrooms for
    one person (one spare): the relevant payments are £450.00 (Sch 4 para 3), less 14% for
    under-occupation (para 36): 450.00 - 63.00 = £387.00; award 424.90 + 387.00 = £811.90."""
    h = replace(owner(), housing=Housing(Tenure.SOCIAL, 40000, 2, service_charges=5000))
    r = calculate_uc(h)
    assert (r.amounts["eligible_rent"], r.award) == (38700, 81190)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"housing": Housing(Tenure.NONE, 0, 1, service_charges=5000)}, "housing.service_charges"),
        ({"housing": Housing(Tenure.OWNER, 50000, 1, service_charges=5000)}, "housing.monthly_rent"),
        ({"owner_qualifying_months": 10}, "owner_qualifying_months"),
    ],
)
def test_what_cannot_be_is_refused_naming_the_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidCircumstances) as caught:
        calculate_uc(replace(owner(), **change))  # type: ignore[arg-type]
    assert caught.value.field == field


def test_batch_agrees_with_single_on_each_owner_example() -> None:
    households = [
        owner(),
        owner(served=3),
        owner(pay=20000),
        owner(non_dependants=(NonDependant(date(1996, 1, 1)),)),
    ]
    for h in households:
        rates = rates_on(h.period_start)
        values, lha = to_inputs(h, rates)
        columns = {name: np.array([values[name]], dtype=dtype) for name, dtype, *_ in k.INPUTS}
        names, table = rates_table()
        year = np.array([names.index(rates.tax_year)], dtype=np.int8)
        out = calculate_batch(columns, year, lha, table)
        assert dict(zip(k.OUTPUTS, out[0].tolist(), strict=True)) == run_kernel(values, lha, rates)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.sampled_from([0, 0, 0, 5000, 90000]), min_size=12, max_size=12),
    st.integers(0, 9),
    st.integers(1, 60000),
)
def test_a_12_period_owner_claim_is_12_chained_batch_periods(
    pay: list[int], served: int, charges: int
) -> None:
    periods = [
        owner(s, charges, served if n == 0 else 0, p)
        for n, (s, p) in enumerate(zip(starts(12, date(2025, 6, 1)), pay, strict=True))
    ]
    single = calculate_claim(periods)
    assert _batch_chain(periods) == [r.amounts for r in single]


def _batch_chain(periods: list[Household]) -> list[dict[str, int]]:
    names, table = rates_table()
    columns, years, lha = [], [], None
    for h in periods:
        rates = rates_on(h.period_start)
        values, lha = to_inputs(h, rates)
        columns.append({name: np.array([values[name]], dtype=dtype) for name, dtype, *_ in k.INPUTS})
        years.append(np.array([names.index(rates.tax_year)], dtype=np.int8))
    assert lha is not None
    batch = calculate_batch_periods(columns, years, lha, table)
    return [dict(zip(k.OUTPUTS, b[0].tolist(), strict=True)) for b in batch]
