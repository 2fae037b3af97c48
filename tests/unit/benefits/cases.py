"""Worked examples from published guidance, as data: shared by the worked-example tests and the test that
the batch engine agrees with the single-household path on every case in the suite.

Each case quotes its source. Expected figures are copied from the source, never from the engine. Where
the source worked in an earlier year's rates, the case overrides just those rates (`overrides`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from dwp.benefits.domain import (
    Adult,
    Child,
    Earnings,
    Household,
    Housing,
    NonDependant,
    Tenure,
    one_month_later,
)

START = date(2025, 6, 1)
END = one_month_later(START)


@dataclass(frozen=True)
class Case:
    name: str
    source: str
    quote: str
    household: Household
    expected: dict[str, int]
    overrides: dict[str, int] = field(default_factory=dict)


def _single(age_born: date = date(1980, 1, 1), **kw: object) -> Household:
    return Household(period_start=START, period_end=END, adults=(Adult(age_born),), **kw)  # type: ignore[arg-type]


CASES: list[Case] = [
    Case(
        name="shelter_non_dependant_contribution",
        source="Shelter England, 'Universal credit housing cost contributions' (housing advice)",
        quote=(
            "Sara rents her council home for £400 a month. Her adult son lives with her. He counts as a non "
            "dependant. How Sara's UC housing element is worked out: £400 (rent) - £91.47 (deduction) = "
            "£308.53 (Sara's housing element)"
        ),
        household=_single(
            housing=Housing(Tenure.SOCIAL, monthly_rent=40000, bedrooms=2),
            non_dependants=(NonDependant(date(2000, 3, 1)),),
        ),
        expected={"housing_element": 30853, "non_dependant_contributions": 9147},
        overrides={"NONDEP": 9147},  # the 2024/25 contribution the example was written with
    ),
    Case(
        name="litrg_tariff_income_exact_step",
        source="LITRG, revenuebenefits.org.uk 'Universal credit: Capital rules' (UC Regs 2013 reg 72)",
        quote="For example capital of £6,250 gives monthly tariff income of £4.35.",
        household=_single(capital=625000),
        expected={"tariff_income": 435, "award": 40014 - 435},
    ),
    Case(
        name="litrg_tariff_income_part_of_250",
        source="LITRG, revenuebenefits.org.uk 'Universal credit: Capital rules' (UC Regs 2013 reg 72)",
        quote="Capital of £6,250.01 gives a monthly tariff income of £8.70.",
        household=_single(capital=625001),
        expected={"tariff_income": 870},
    ),
    Case(
        name="housing_systems_childcare_cap_one_child",
        source="Housing Systems, 'Child Care Costs Element' (UC Regs 2013 reg 34; 2023/24 limit £950.92)",
        quote=(
            "Deon is a lone parent with one child age 3. He pays £2000 a month to a local nursery who look "
            "after his son whilst he is at work. ... his max UC award will include a Childcare Costs Element "
            "of £950.92."
        ),
        household=Household(
            period_start=START,
            period_end=END,
            adults=(Adult(date(1990, 5, 5), earnings=Earnings(gross=180000)),),
            children=(Child(date(2022, 1, 1), "M"),),
            childcare_costs=200000,
            childcare_children=1,
        ),
        expected={"childcare_element": 95092},
        overrides={"CC_MAX_1": 95092},
    ),
    Case(
        name="housing_systems_taper_63p",
        source="Housing Systems, 'How UC is calculated: Earnings' (UC Regs 2013 reg 22, taper then 63%)",
        quote=(
            "Steve works full time, his net monthly wage is £1200. His work allowance is £293. His earnings "
            "will reduce his Maximum UC award by £1,200 - £293 x 0.63 = £571.41"
        ),
        household=Household(
            period_start=START,
            period_end=END,
            adults=(Adult(date(1985, 2, 2), earnings=Earnings(gross=120000)),),
            children=(Child(date(2015, 1, 1), "F"),),
            housing=Housing(Tenure.SOCIAL, monthly_rent=45000, bedrooms=2),
        ),
        expected={"work_allowance": 29300, "earnings_deduction": 57141},
        overrides={"TAPER_BP": 6300, "WA_HOUSING": 29300},
    ),
    Case(
        name="quids_in_single_parent_work_allowance",
        source="Quids in! magazine, 'How much better off would I be in work?' (figures of 27 October 2022)",
        quote=(
            "With UC, she can earn £335 (the lower work allowance) before her benefit is cut. So subtracting "
            "£335 from her £1,200 pay leaves £865. The taper rate of 55p in the pound is applied to this "
            "(55p x 865), coming to £475.75"
        ),
        household=Household(
            period_start=START,
            period_end=END,
            adults=(Adult(date(1988, 8, 8), earnings=Earnings(gross=120000)),),
            children=(Child(date(2016, 1, 1), "F"), Child(date(2018, 1, 1), "F")),
            housing=Housing(Tenure.SOCIAL, monthly_rent=60000, bedrooms=2),
        ),
        expected={"work_allowance": 33500, "earnings_deduction": 47575},
        overrides={"WA_HOUSING": 33500},
    ),
    Case(
        name="angus_council_single_under_25_maximum",
        source="Angus Council, 'Universal Credit and work' (2019/20 rates)",
        quote=(
            "John is 22 years old ... He lives alone and his rent is £300 per month. ... Standard Allowance "
            "(under 25): £251.77pm Housing Element: £300.00pm Maximum UC Award: £551.77pm"
        ),
        household=Household(
            period_start=START,
            period_end=END,
            adults=(Adult(date(2003, 1, 1)),),
            housing=Housing(Tenure.SOCIAL, monthly_rent=30000, bedrooms=1),
        ),
        expected={"standard_allowance": 25177, "housing_element": 30000, "maximum_amount": 55177},
        overrides={"SA_SINGLE_U25": 25177},
    ),
    Case(
        name="rightsnet_benefit_cap_after_earnings",
        source=(
            "rightsnet forum, 'UC benefit cap calculation and earned income' (adviser's worked figures, "
            "cap applied to the award after income as UC Regs 2013 reg 80A-81 and ADM E5031 say)"
        ),
        quote=(
            "My client's UC award consists of her standard allowance, housing element and child allowance x3 "
            "and her only other benefit income is Child Benefit ... maximum amount (£1623.12) and Child "
            "Benefit (£208.43) ... (£1623.12 - £143.64 = £1479.48) ... Doing things this way leads to a "
            "benefit cap deduction of just £21.24 which leads to a UC entitlement of £1458.24pm."
        ),
        # 2017/18 rates: standard allowance £317.82, child £277.08 / £231.67, lower work allowance £192,
        # taper 63%, cap £1,666.67; Child Benefit £20.70 + 2 x £13.70 a week = £208.43 a month. Rent is
        # the rest of the maximum amount: £1,623.12 - £1,058.24 = £564.88.
        household=Household(
            period_start=START,
            period_end=END,
            adults=(Adult(date(1985, 3, 3), earnings=Earnings(gross=42000)),),
            children=(
                Child(date(2010, 1, 1), "F"),
                Child(date(2012, 1, 1), "F"),
                Child(date(2014, 1, 1), "F"),
            ),
            housing=Housing(Tenure.SOCIAL, monthly_rent=56488, bedrooms=3),
            child_benefit_weekly=4810,
        ),
        expected={
            "maximum_amount": 162312,
            "earnings_deduction": 14364,
            "award_before_cap": 147948,
            "other_capped_benefits": 20843,
            "cap_reduction": 2124,
            "award": 145824,
        },
        overrides={
            "SA_SINGLE_25": 31782,
            "CHILD_FIRST": 27708,
            "CHILD_OTHER": 23167,
            "WA_HOUSING": 19200,
            "TAPER_BP": 6300,
            "BC_FAMILY": 166667,
            "BC_EARNINGS": 54300,
        },
    ),
]
