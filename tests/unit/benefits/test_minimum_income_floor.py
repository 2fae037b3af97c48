"""The minimum income floor (UC Regs 2013 reg 62, 90), worked by hand from the 2026/27 rates file.

Individual threshold for 35 expected hours: 35 x £12.71 x 52 / 12 = £1,927.6833.. = £1,927.68 gross.
Notional deductions (reg 62(4)): income tax on £1,927.68 x 12 = £23,132.16 a year, less the £12,570
allowance = £10,562.16 at 20% = £2,112.43, a twelfth £176.03 (to the penny below); Class 4 NI 6% of the
same £10,562.16 = £633.72, a twelfth £52.81. Net threshold 1,927.68 - 176.03 - 52.81 = £1,698.84.
A couple's threshold (reg 90(3)(a)) is the sum of both partners' thresholds: £3,397.68.

The family: two children born 2015 (boy) and 2016 (girl), both before 6 April 2017, social rent £900.00
for the 3 bedrooms they need. Couple (25 or over) £666.97 + £351.88 + £303.94 + £900.00 = £2,222.79
maximum; the work allowance with housing costs is £427.00; 55% of earned income above it is taken off.
"""

from __future__ import annotations

from datetime import date

from dwp.benefits.domain import (
    Adult,
    Child,
    Earnings,
    Household,
    Housing,
    Tenure,
    calculate_uc,
    one_month_later,
)
from dwp.benefits.domain import uc_kernel as k

START = date(2026, 6, 1)
KIDS = (Child(date(2015, 1, 1), "M"), Child(date(2016, 1, 1), "F"))
RENT = Housing(Tenure.SOCIAL, 90000, 3)
SELF_EMPLOYED = Adult(date(1985, 1, 1), self_employed=True, earnings=Earnings(gross=50000))


def couple(partner_net: int) -> Household:
    partner = Adult(date(1986, 1, 1), earnings=Earnings(gross=partner_net))
    return Household(
        START, one_month_later(START), (SELF_EMPLOYED, partner), couple=True, children=KIDS, housing=RENT
    )


def test_the_floor_in_a_couple_is_reduced_by_the_other_partners_earnings() -> None:
    """He is self-employed with £500.00 profit; she is employed with £2,000.00 take-home pay. Combined
    £2,500.00 is under the couple threshold £3,397.68, so his floor applies, less what it plus her pay
    would exceed that threshold by: 1,698.84 - (1,698.84 + 2,000.00 - 3,397.68 = 301.16) = £1,397.68.
    Earned income 1,397.68 + 2,000.00 = £3,397.68; taken off 55% x (3,397.68 - 427.00) = 55% x 2,970.68
    = £1,633.874 = £1,633.87; award 2,222.79 - 1,633.87 = £588.92. (The engine used his full floor:
    earned £3,698.84, £1,799.51 off, award £423.28.)"""
    a = calculate_uc(couple(200000)).amounts
    assert a["earned_income"] == 339768
    assert a["earnings_deduction"] == 163387
    assert a["award"] == 58892
    assert a["flags"] & k.F_MIF1
    assert not a["flags"] & k.F_MIF2  # the floor is the self-employed partner's alone


def test_with_the_partner_earning_less_than_her_own_threshold_the_full_floor_applies() -> None:
    """She earns £1,000.00: 1,698.84 + 1,000.00 = 2,698.84 does not exceed £3,397.68, so his floor is
    the full £1,698.84; earned £2,698.84; 55% x 2,271.84 = £1,249.512 = £1,249.51; award £973.28."""
    a = calculate_uc(couple(100000)).amounts
    assert (a["earned_income"], a["award"]) == (269884, 97328)


def test_no_floor_once_the_couple_earn_the_couple_threshold() -> None:
    """She earns £3,000.00: combined £3,500.00 is not under £3,397.68, so his actual £500.00 counts:
    earned £3,500.00; 55% x 3,073.00 = £1,690.15; award 2,222.79 - 1,690.15 = £532.64."""
    a = calculate_uc(couple(300000)).amounts
    assert (a["earned_income"], a["award"]) == (350000, 53264)
    assert not a["flags"] & (k.F_MIF1 | k.F_MIF2)


def test_self_employment_beside_employment_is_floored_as_one_earned_income() -> None:
    """A lone parent with one child (born 2016), social rent £700.00 for 2 bedrooms: £424.90 + £351.88
    + £700.00 = £1,476.78. She has £600.00 take-home pay from a job and £400.00 profit: £1,000.00 earned
    income in all (reg 52), under her £1,698.84 threshold, so treated as £1,698.84 (reg 62(2));
    55% x (1,698.84 - 427.00) = 55% x 1,271.84 = £699.512 = £699.51; award £777.27."""
    h = Household(
        START,
        one_month_later(START),
        (Adult(date(1990, 1, 1), self_employed=True, earnings=Earnings(gross=100000)),),
        children=(Child(date(2016, 1, 1), "F"),),
        housing=Housing(Tenure.SOCIAL, 70000, 2),
    )
    a = calculate_uc(h).amounts
    assert (a["earned_income"], a["earnings_deduction"], a["award"]) == (169884, 69951, 77727)


def test_the_floor_is_not_earnings_for_the_benefit_cap() -> None:
    """Reg 82(4): a self-employed lone parent with no profit this month is floored at £1,698.84, but
    that notional income does not exempt her from the cap. Three children born 2012, 2014, 2016 (all
    before 6 April 2017), social rent £1,400.00: maximum 424.90 + 351.88 + 2 x 303.94 + 1,400.00 =
    £2,784.66; 55% x (1,698.84 - 427.00) = £699.51 off: £2,085.15 before the cap; Child Benefit
    (27.05 + 2 x 17.90) x 52 / 12 = £272.35; excess 2,085.15 + 272.35 - 1,835.00 = £522.50; award
    £1,562.65 (the engine counted the floor as earnings and paid £2,085.15)."""
    h = Household(
        START,
        one_month_later(START),
        (Adult(date(1990, 1, 1), self_employed=True),),
        children=(Child(date(2012, 6, 1), "M"), Child(date(2014, 6, 1), "F"), Child(date(2016, 6, 1), "M")),
        housing=Housing(Tenure.SOCIAL, 140000, 3),
    )
    a = calculate_uc(h).amounts
    assert (a["earned_income"], a["award_before_cap"], a["cap_reduction"], a["award"]) == (
        169884,
        208515,
        52250,
        156265,
    )
    assert not a["flags"] & k.F_CAP_EXEMPT_EARNINGS
