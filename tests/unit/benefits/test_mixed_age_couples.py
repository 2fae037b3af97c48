"""Mixed-age couples: one partner over State Pension age, the other under it (UC Regs 2013 reg 3(2)(a)).

Every figure is worked by hand from the 2026/27 rates file for the period 1 to 30 June 2026. The
claimant is born 1 January 1985 (41); the partner is born 1 January 1955 and reached State Pension age
(66) on 1 January 2021. The partner's State Pension is £200.00 a week: x 52 / 12 = £866.666.. = £866.67
a month, counted in full as unearned income (regs 66(1)(a), 67, 73).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from dwp.benefits.domain import (
    Adult,
    Capability,
    Child,
    Earnings,
    Household,
    Housing,
    InvalidCircumstances,
    Tenure,
    calculate_batch,
    calculate_uc,
    one_month_later,
    rates_for,
)
from dwp.benefits.domain import uc_kernel as k
from dwp.benefits.domain.uc import run_kernel, to_inputs

START = date(2026, 6, 1)
CLAIMANT = Adult(date(1985, 1, 1))
PARTNER = Adult(date(1955, 1, 1))
STATE_PENSION = 86667


def couple(*adults: Adult, **kw: object) -> Household:
    base: dict[str, object] = {
        "housing": Housing(Tenure.SOCIAL, 60000, 1),
        "other_unearned_income": STATE_PENSION,
    }
    base.update(kw)
    return Household(START, one_month_later(START), adults or (CLAIMANT, PARTNER), couple=True, **base)  # type: ignore[arg-type]


def test_a_mixed_age_couple_is_paid_as_joint_claimants() -> None:
    """couple's standard allowance, one or both 25 or over (reg 36)        £666.97
    social rent £600.00, one bedroom needed and held                       £600.00
    maximum amount                                                        £1,266.97
    less the State Pension, in full                                        £866.67
    award = 1,266.97 - 866.67                                              £400.30
    cap: couple outside London £1,835.00; the State Pension is not a welfare benefit the cap counts,
    so the total is £400.30 and nothing is taken off."""
    res = calculate_uc(couple())
    a = res.amounts
    assert a["standard_allowance"] == 66697
    assert a["housing_element"] == 60000
    assert a["maximum_amount"] == 126697
    assert a["unearned_income"] == 86667
    assert a["other_capped_benefits"] == 0
    assert a["cap_reduction"] == 0
    assert a["award"] == 40030
    assert [line.key for line in res.explanation][:2] == [
        "uc.standard_allowance.couple_25",
        "uc.mixed_age_couple",
    ]
    assert "reg 3(2)(a)" in res.explanation[1].regulation


def test_the_size_criteria_apply_to_a_mixed_age_couple() -> None:
    """Two bedrooms where one is needed: 14% of £600.00 = £84.00 off the rent (Sch 4 para 36), which
    Housing Benefit's pension-age rules would not take.
    housing element 600.00 - 84.00 = £516.00; maximum 666.97 + 516.00 = £1,182.97;
    award 1,182.97 - 866.67 = £316.30."""
    a = calculate_uc(couple(housing=Housing(Tenure.SOCIAL, 60000, 2))).amounts
    assert a["housing_element"] == 51600
    assert a["award"] == 31630


def test_a_pension_age_partner_treated_as_having_lcwra_brings_the_element() -> None:
    """The partner gets Attendance Allowance, so is treated as having LCWRA (UC Regs 2013 Sch 9 para 5;
    the decision arrives as capability "lcwra"); the claimant earns £500.00 take-home pay.
    LCWRA element, new-claimant rate from 6 April 2026 (no earlier LCWRA)  £217.26
    maximum = 666.97 + 217.26 + 600.00                                   £1,484.23
    work allowance with housing costs (reg 22(2)): LCWRA in the award     £427.00
    earnings deduction: 55% of (500.00 - 427.00) = 55% of 73.00             £40.15
    award = 1,484.23 - 40.15 - 866.67                                      £577.41
    exempt from the cap: the LCWRA element (reg 83(1)(a)) and Attendance Allowance (reg 83(1)(c))."""
    partner = replace(PARTNER, capability=Capability.LCWRA, disability_benefit=True)
    claimant = replace(CLAIMANT, earnings=Earnings(gross=50000))
    a = calculate_uc(couple(claimant, partner)).amounts
    assert a["lcwra_element"] == 21726
    assert a["maximum_amount"] == 148423
    assert a["work_allowance"] == 42700
    assert a["earnings_deduction"] == 4015
    assert a["award"] == 57741
    assert a["flags"] & k.F_CAP_EXEMPT_ELEMENT


def test_the_benefit_cap_applies_to_a_mixed_age_couple_and_ignores_the_state_pension() -> None:
    """Three children born 2012 (boy), 2014 (girl), 2016 (boy), all before 6 April 2017; social rent
    £1,400.00 for the three bedrooms the size criteria give (the boys share).
    child elements: 351.88 + 2 x 303.94                                    £959.76
    maximum = 666.97 + 959.76 + 1,400.00                                 £3,026.73
    less the State Pension: award before the cap = 3,026.73 - 866.67     £2,160.06
    Child Benefit: 27.05 + 2 x 17.90 = £62.85 a week x 52 / 12             £272.35
    cap £1,835.00: excess = 2,160.06 + 272.35 - 1,835.00                   £597.41
    award = 2,160.06 - 597.41                                            £1,562.65
    No exemption for age (reg 83 lists none); were the State Pension a capped benefit the award would
    be £866.67 lower still."""
    kids = (Child(date(2012, 6, 1), "M"), Child(date(2014, 6, 1), "F"), Child(date(2016, 6, 1), "M"))
    a = calculate_uc(couple(children=kids, housing=Housing(Tenure.SOCIAL, 140000, 3))).amounts
    assert a["child_element"] == 95976
    assert a["maximum_amount"] == 302673
    assert a["award_before_cap"] == 216006
    assert a["other_capped_benefits"] == 27235
    assert a["cap_reduction"] == 59741
    assert a["award"] == 156265


@pytest.mark.parametrize(
    ("household", "field"),
    [
        (couple(Adult(date(1950, 1, 1)), PARTNER), "adults"),
        (Household(START, one_month_later(START), (PARTNER,)), "adults[0].date_of_birth"),
    ],
)
def test_nobody_under_state_pension_age_is_refused(household: Household, field: str) -> None:
    # WRA 2012 s.4(1)(b): they claim Pension Credit.
    with pytest.raises(InvalidCircumstances) as err:
        calculate_uc(household)
    assert err.value.field == field


def test_reaching_state_pension_age_counts_from_the_next_period() -> None:
    # D&A Regs 2013 Sch 1 para 26: born 1 March 1960, 66 on 1 March 2026; a single claimant is still
    # paid for the period that begins that day, and not for the next.
    born = Adult(date(1960, 3, 1))
    march = date(2026, 3, 1)
    calculate_uc(Household(march, one_month_later(march), (born,)))
    april = date(2026, 4, 1)
    with pytest.raises(InvalidCircumstances):
        calculate_uc(Household(april, one_month_later(april), (born,)))


def test_batch_agrees_with_single_for_a_partner_of_any_age() -> None:
    rates = rates_for("2026-27")
    for born in (date(1955, 1, 1), date(1930, 5, 5), date(1900, 1, 1)):
        values, lha = to_inputs(couple(CLAIMANT, Adult(born)), rates)
        single = run_kernel(values, lha, rates)
        columns = {name: np.array([values[name]], dtype=dtype) for name, dtype, *_ in k.INPUTS}
        out = calculate_batch(columns, np.zeros(1, np.int8), lha, rates.vector()[None, :])
        assert dict(zip(k.OUTPUTS, out[0].tolist(), strict=True)) == single
        assert single["award"] == 40030
