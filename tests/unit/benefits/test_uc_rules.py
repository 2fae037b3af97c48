"""Individual UC rules, each with figures worked by hand from the 2025/26 or 2026/27 rates files."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from dwp.benefits.domain import (
    Adult,
    Capability,
    Child,
    Disability,
    Earnings,
    Household,
    Housing,
    InvalidCircumstances,
    NonDependant,
    Tenure,
    calculate_uc,
    one_month_later,
    rates_for,
)
from dwp.benefits.domain import uc_kernel as k

START = date(2025, 6, 1)
START_26 = date(2026, 6, 1)


def household(start: date = START, **kw: object) -> Household:
    base: dict[str, object] = {"adults": (Adult(date(1985, 1, 1)),)}
    base.update(kw)
    return Household(period_start=start, period_end=one_month_later(start), **base)  # type: ignore[arg-type]


def kids(*years: int) -> tuple[Child, ...]:
    return tuple(Child(date(y, 6, 1), "F" if i % 2 else "M") for i, y in enumerate(years))


def test_assessment_period_dates() -> None:
    assert one_month_later(date(2025, 6, 1)) == date(2025, 6, 30)
    # UC Regs 2013 reg 21(2)(a): from the 31st the next period begins on February's last day, the 28th,
    # so the first one ends on the 27th (this test said the 28th, one day too long).
    assert one_month_later(date(2025, 1, 31)) == date(2025, 2, 27)
    assert one_month_later(date(2025, 12, 15)) == date(2026, 1, 14)


def test_two_child_limit_2025_26_and_its_removal_2026_27() -> None:
    three_after_2017 = kids(2018, 2019, 2021)
    a = calculate_uc(household(children=three_after_2017))
    assert a.amounts["children_counted"] == 2
    assert a.amounts["child_element"] == 2 * 29281
    assert "uc.child_limit" in [line.key for line in a.explanation]
    b = calculate_uc(household(START_26, children=three_after_2017))
    assert b.amounts["child_element"] == 3 * 30394


def test_first_child_rate_and_pre_2017_children_always_count() -> None:
    family = kids(2012, 2014, 2016, 2019)  # three born before 6 April 2017, one after
    a = calculate_uc(household(children=family))
    # Three pre-2017 children count; the fourth is third-or-later and born after: not counted.
    assert a.amounts["children_counted"] == 3
    assert a.amounts["child_element"] == 33900 + 2 * 29281


def test_limit_exception_for_a_third_child() -> None:
    family = (*kids(2018, 2019), Child(date(2021, 1, 1), "M", limit_exception=True))
    assert calculate_uc(household(children=family)).amounts["children_counted"] == 3


def test_disabled_child_additions_ignore_the_limit() -> None:
    family = (*kids(2018, 2019), Child(date(2021, 1, 1), "M", disability=Disability.HIGHER))
    assert calculate_uc(household(children=family)).amounts["disabled_child_addition"] == 49587


def test_lcwra_protected_and_new_rates_2026_27() -> None:
    old = Adult(date(1985, 1, 1), capability=Capability.LCWRA, lcwra_since=date(2024, 1, 1))
    new = Adult(date(1985, 1, 1), capability=Capability.LCWRA, lcwra_since=date(2026, 5, 1))
    severe = replace(new, severe_conditions=True)
    assert calculate_uc(household(START_26, adults=(old,))).amounts["lcwra_element"] == 42980
    assert calculate_uc(household(START_26, adults=(new,))).amounts["lcwra_element"] == 21726
    assert calculate_uc(household(START_26, adults=(severe,))).amounts["lcwra_element"] == 42980
    assert calculate_uc(household(adults=(new,))).amounts["lcwra_element"] == 42327


def test_lcwra_and_carer_for_one_person_gives_only_lcwra_but_a_couple_can_have_both() -> None:
    both = Adult(date(1985, 1, 1), capability=Capability.LCWRA, carer=True)
    one = calculate_uc(household(adults=(both,)))
    assert (one.amounts["lcwra_element"], one.amounts["carer_element"]) == (42327, 0)
    assert "uc.lcwra_not_carer" in [line.key for line in one.explanation]
    couple = household(
        couple=True,
        adults=(Adult(date(1985, 1, 1), capability=Capability.LCWRA), Adult(date(1986, 1, 1), carer=True)),
    )
    res = calculate_uc(couple)
    assert (res.amounts["lcwra_element"], res.amounts["carer_element"]) == (42327, 20168)


def test_childcare_85_percent_and_two_child_cap() -> None:
    working = (Adult(date(1985, 1, 1), earnings=Earnings(gross=100000)),)
    one = calculate_uc(
        household(adults=working, children=kids(2020), childcare_costs=50000, childcare_children=1)
    )
    assert one.amounts["childcare_element"] == 42500
    two = calculate_uc(
        household(adults=working, children=kids(2020, 2021), childcare_costs=300000, childcare_children=2)
    )
    assert two.amounts["childcare_element"] == 176894
    idle = calculate_uc(household(children=kids(2020), childcare_costs=50000, childcare_children=1))
    assert idle.amounts["childcare_element"] == 0  # work condition not met (reg 32)


LHA = (35000, 60000, 75000, 90000, 110000)


def test_private_rent_limited_to_lha_for_the_bedroom_entitlement() -> None:
    # Couple, a boy of 12 and a girl of 8: they may not share (different sexes, not both under 10) -> 3.
    h = household(
        couple=True,
        adults=(Adult(date(1985, 1, 1)), Adult(date(1986, 1, 1))),
        children=(Child(date(2013, 1, 1), "M"), Child(date(2017, 1, 1), "F")),
        housing=Housing(Tenure.PRIVATE, monthly_rent=100000, bedrooms=3, lha_rates=LHA),
    )
    res = calculate_uc(h)
    assert res.amounts["bedrooms"] == 3
    assert res.amounts["eligible_rent"] == 90000
    assert (
        res.explanation[[line.key for line in res.explanation].index("uc.housing.private_capped")].amount
        == 90000
    )


def test_two_children_under_10_share_whatever_their_sex() -> None:
    h = household(
        children=(Child(date(2018, 1, 1), "M"), Child(date(2019, 1, 1), "F")),
        housing=Housing(Tenure.PRIVATE, monthly_rent=100000, bedrooms=2, lha_rates=LHA),
    )
    assert calculate_uc(h).amounts["bedrooms"] == 2


def test_shared_accommodation_rate_for_single_under_35() -> None:
    h = household(adults=(Adult(date(1995, 1, 1)),), housing=Housing(Tenure.PRIVATE, 50000, 1, LHA))
    res = calculate_uc(h)
    assert res.amounts["eligible_rent"] == 35000
    assert res.amounts["flags"] & k.F_SHARED_RATE


def test_social_under_occupancy_14_and_25_percent() -> None:
    one_spare = calculate_uc(household(housing=Housing(Tenure.SOCIAL, 50000, 2)))
    assert one_spare.amounts["eligible_rent"] == 43000
    two_spare = calculate_uc(household(housing=Housing(Tenure.SOCIAL, 50000, 3)))
    assert two_spare.amounts["eligible_rent"] == 37500


def test_non_dependant_exemptions() -> None:
    young = NonDependant(date(2006, 1, 1))  # under 21
    exempt = NonDependant(date(1990, 1, 1), exempt=True)
    liable = NonDependant(date(1990, 1, 1))
    h = household(housing=Housing(Tenure.SOCIAL, 60000, 4), non_dependants=(young, exempt, liable))
    assert calculate_uc(h).amounts["non_dependant_contributions"] == 9302
    waived = replace(h, adults=(Adult(date(1985, 1, 1), disability_benefit=True),))
    assert calculate_uc(waived).amounts["non_dependant_contributions"] == 0
    tiny = replace(h, housing=Housing(Tenure.SOCIAL, 5000, 4))
    assert calculate_uc(tiny).amounts["housing_element"] == 0  # never below nil


def test_gross_pay_estimate_rest_of_uk_and_scotland_2025_26() -> None:
    # £2,000 a month: tax (24,000 - 12,570) x 20% / 12 = £190.50; NI (2,000 - 1,048) x 8% = £76.16.
    adult = Adult(date(1985, 1, 1), earnings=Earnings(gross=200000))
    res = calculate_uc(household(adults=(adult,), gross_estimate=True))
    assert (res.amounts["tax"], res.amounts["national_insurance"]) == (19050, 7616)
    assert res.amounts["earned_income"] == 200000 - 19050 - 7616
    # Scotland: 2,827 x 19% + 8,603 x 20% = 537.13 + 1,720.60 = 2,257.73 a year; / 12 = £188.14.
    sco = calculate_uc(household(adults=(adult,), gross_estimate=True, scottish_taxpayer=True))
    assert sco.amounts["tax"] == 18814


def test_scottish_bands_2026_27_starter_band_wider() -> None:
    # 2026/27: starter band 3,967 at 19% = 753.73, then 7,463 at 20% = 1,492.60; 2,246.33 / 12 = £187.19.
    adult = Adult(date(1985, 1, 1), earnings=Earnings(gross=200000))
    res = calculate_uc(household(START_26, adults=(adult,), gross_estimate=True, scottish_taxpayer=True))
    assert res.amounts["tax"] == 18719


def test_minimum_income_floor_2025_26() -> None:
    # 35 x £12.21 x 52 / 12 = £1,851.85; tax (22,222.20 - 12,570) x 20% / 12 = £160.87;
    # Class 4 (22,222.20 - 12,570) x 6% / 12 = £48.26; floor £1,642.72.
    se = Adult(date(1985, 1, 1), self_employed=True, earnings=Earnings(gross=50000))
    res = calculate_uc(household(adults=(se,)))
    assert res.amounts["earned_income"] == 164272
    assert "uc.minimum_income_floor" in [line.key for line in res.explanation]


def test_new_style_benefits_count_in_full_as_unearned_income() -> None:
    res = calculate_uc(household(new_style_jsa_weekly=9205))
    assert res.amounts["unearned_income"] == 39888  # 92.05 x 52 / 12 = 398.883...
    assert res.award == 40014 - 39888


def test_benefit_cap_excess_less_the_childcare_element() -> None:
    """ADM E5002 note: "In childcare cases the excess is minus the childcare costs element" (reg 81(1)(b))."""
    working = (Adult(date(1985, 1, 1), earnings=Earnings(gross=50000)),)
    h = household(
        adults=working,
        children=kids(2010, 2012, 2014, 2015),
        housing=Housing(Tenure.SOCIAL, 140000, 3),
        childcare_costs=20000,
        childcare_children=2,
    )
    res = calculate_uc(h)
    a = res.amounts
    excess = a["award_before_cap"] + a["other_capped_benefits"] - 183500
    assert a["cap_reduction"] == excess - a["childcare_element"] > 0
    grace = calculate_uc(replace(h, cap_grace_period=True))
    assert grace.amounts["cap_reduction"] == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"capital": -1}, "capital"),
        ({"adults": (Adult(date(2015, 1, 1)),)}, "adults[0].date_of_birth"),
        ({"children": (Child(date(1990, 1, 1), "F"),)}, "children[0].date_of_birth"),
        ({"couple": True}, "adults"),
        ({"period_end": date(2025, 7, 15)}, "period_end"),
        ({"adults": (Adult(date(1985, 1, 1), earnings=Earnings(gross=-5)),)}, "adults[0].earnings.gross"),
    ],
)
def test_impossible_circumstances_name_the_field(change: dict[str, object], field: str) -> None:
    h = replace(household(), **change)  # type: ignore[arg-type]
    with pytest.raises(InvalidCircumstances) as err:
        calculate_uc(h)
    assert err.value.field == field


def test_an_18_year_old_bringing_up_a_15_year_old_sibling_is_paid_for_him() -> None:
    """Responsibility, not parenthood (WRA 2012 s.10, UC Regs 2013 reg 4; reg 24B non-parental caring).

    Worked by hand from the 2026/27 rates file, period 1 to 30 June 2026:
      claimant born 1 March 2008, 18 at the period's end: single under 25    £338.58
      brother born 1 February 2011 (15), born before 6 April 2017:
        child element at the first-child rate                                £351.88
      social rent £500.00, 2 bedrooms; size criteria: 1 for her + 1 for him  £500.00
      maximum amount = 338.58 + 351.88 + 500.00                            £1,190.46
      no income, no capital: award before the cap                          £1,190.46
      benefit cap, single with a child outside London: £1,835.00; Child Benefit
        £27.05 a week x 52 / 12 = £117.2166.. = £117.22; 1,190.46 + 117.22 = £1,307.68,
        under the cap: no reduction                                         £1,190.46
    """
    h = household(
        START_26,
        adults=(Adult(date(2008, 3, 1)),),
        children=(Child(date(2011, 2, 1), "M", limit_exception=True),),
        housing=Housing(Tenure.SOCIAL, 50000, 2),
    )
    a = calculate_uc(h).amounts
    assert a["standard_allowance"] == 33858
    assert a["child_element"] == 35188
    assert a["housing_element"] == 50000
    assert a["maximum_amount"] == 119046
    assert a["other_capped_benefits"] == 11722
    assert a["cap_reduction"] == 0
    assert a["award"] == 119046


def test_a_grandmother_of_61_and_a_16_year_old_claimant_with_an_older_ward_are_accepted() -> None:
    # Neither age gap makes the household impossible: a kinship carer of any age, and a 17-year-old
    # responsible for a 16-year-old (reg 8(1)(d) lets a 16- or 17-year-old responsible for a child claim).
    gran = household(START_26, adults=(Adult(date(1965, 1, 1)),), children=(Child(date(2016, 1, 1), "F"),))
    assert calculate_uc(gran).amounts["children_counted"] == 1
    teen = household(START_26, adults=(Adult(date(2009, 1, 1)),), children=(Child(date(2010, 1, 1), "F"),))
    assert calculate_uc(teen).amounts["child_element"] == 35188


@pytest.mark.parametrize(
    ("child", "why"),
    [
        (Child(date(2026, 7, 1), "F"), "is after the assessment period"),  # born after the period ends
        (Child(date(2006, 6, 30), "M"), "a child or young person is under 20"),  # 20 on 30 June 2026
    ],
)
def test_only_a_child_who_cannot_be_one_is_refused(child: Child, why: str) -> None:
    with pytest.raises(InvalidCircumstances) as err:
        calculate_uc(household(START_26, children=(child,)))
    assert err.value.field == "children[0].date_of_birth"
    assert err.value.message == why


def test_explanation_has_english_and_welsh_text_for_every_line() -> None:
    h = household(
        children=kids(2018, 2019, 2021),
        housing=Housing(Tenure.PRIVATE, 120000, 3, LHA),
        capital=700000,
        non_dependants=(NonDependant(date(1990, 1, 1)),),
        adults=(
            Adult(date(1985, 1, 1), carer=True, capability=Capability.LCWRA, earnings=Earnings(gross=90000)),
        ),
    )
    res = calculate_uc(h, rates_for("2025-26"))
    for line in res.explanation:
        en, cy = line.text("en"), line.text("cy")
        assert en
        assert cy
        assert en != cy
        assert line.regulation or line.key.endswith("award")
    assert res.explanation[-1].amount == res.award


def test_a_disabled_child_exempts_the_household_from_the_cap() -> None:
    """UC Regs 2013 reg 82: responsible for a child who gets DLA (the disabled child addition's basis)."""
    family = household(
        children=(*kids(2010, 2012, 2014), Child(date(2015, 1, 1), "F", disability=Disability.LOWER)),
        housing=Housing(Tenure.SOCIAL, 150000, 3),
    )
    res = calculate_uc(family)
    assert res.amounts["cap_reduction"] == 0
    assert res.amounts["flags"] & k.F_CAP_EXEMPT_BENEFIT
    without = replace(family, children=kids(2010, 2012, 2014, 2015))
    assert calculate_uc(without).amounts["cap_reduction"] > 0


def test_childcare_for_a_couple_with_one_partner_unable_to_care() -> None:
    """UC Regs 2013 reg 32(1)(b): one partner in paid work, the other with limited capability for work."""
    couple = household(
        couple=True,
        adults=(
            Adult(date(1985, 1, 1), earnings=Earnings(gross=100000)),
            Adult(date(1986, 1, 1), capability=Capability.LCW),
        ),
        children=kids(2021),
        childcare_costs=40000,
        childcare_children=1,
    )
    assert calculate_uc(couple).amounts["childcare_element"] == 34000
    fit = replace(couple, adults=(couple.adults[0], Adult(date(1986, 1, 1))))
    assert calculate_uc(fit).amounts["childcare_element"] == 0
