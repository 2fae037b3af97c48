"""A New Style ESA award with the support component exempts the household from the benefit cap (UC Regs
2013 reg 83(1)(a)); the estimate used to pass UC only the weekly amount, so the household was capped.

Worked by hand, 2026/27, UC period 1 to 30 June 2026, ESA week from 1 June 2026 (17 weeks after the
claim on 2 February 2026, so past the 13-week assessment phase):
  ESA: main phase basic £95.55 + support component £50.35 = £145.90 a week;
       x 52 / 12 = £632.2333.. = £632.23 a month, unearned income in full (reg 66)
  UC: single 25 or over £424.90 + social rent £1,000.00 = £1,424.90 maximum;
      award before the cap = 1,424.90 - 632.23 = £792.67
  cap, single outside London £1,229.42; capped total 792.67 + 632.23 = £1,424.90; excess £195.48:
      capped, the award would be 792.67 - 195.48 = £597.19; exempt, it is £792.67.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from dwp.benefits.domain import (
    Adult,
    ESAGroup,
    Household,
    Housing,
    NIYear,
    Tenure,
    calculate_uc,
    one_month_later,
)
from dwp.benefits.estimates import estimate

START = date(2026, 6, 1)
RECORD = (NIYear("2023-24", paid_earnings=2_000_000), NIYear("2024-25", paid_earnings=2_000_000))
BORN = date(1986, 1, 1)
UC = Household(START, one_month_later(START), (Adult(BORN),), housing=Housing(Tenure.SOCIAL, 100000, 1))


def esa(group: ESAGroup) -> dict[str, object]:
    return {
        "date_of_birth": BORN,
        "claim_date": date(2026, 2, 2),
        "week_start": START,
        "record": RECORD,
        "group": group,
    }


def test_an_esa_support_group_award_exempts_the_estimate_from_the_cap() -> None:
    out = estimate(uc=UC, jsa=None, esa=esa(ESAGroup.SUPPORT))
    assert out["new_style_esa"]["weekly_amount_pence"] == 14590
    uc = out["universal_credit"]
    assert uc["amounts"]["unearned_income"] == 63223
    assert uc["amounts"]["award_before_cap"] == 79267
    assert uc["amounts"]["cap_reduction"] == 0
    assert uc["award_pence"] == 79267
    keys = [line["key"] for line in uc["explanation"]]
    assert "uc.cap.exempt_esa_support" in keys
    assert "uc.cap.exempt_benefit" not in keys


def test_without_the_support_component_the_same_household_is_capped() -> None:
    capped = calculate_uc(replace(UC, new_style_esa_weekly=14590))
    assert capped.amounts["cap_reduction"] == 19548
    assert capped.award == 59719
    exempt = calculate_uc(replace(UC, new_style_esa_weekly=14590, new_style_esa_support_component=True))
    assert exempt.award == 79267


def test_the_work_related_activity_group_is_not_exempt() -> None:
    # WRAG since 2017 has no component: £95.55 a week = £414.05 a month; 1,424.90 - 414.05 = £1,010.85
    # before the cap; total 1,010.85 + 414.05 = 1,424.90, excess £195.48: award £815.37.
    out = estimate(uc=UC, jsa=None, esa=esa(ESAGroup.WORK_RELATED_ACTIVITY))
    assert out["universal_credit"]["amounts"]["cap_reduction"] == 19548
    assert out["universal_credit"]["award_pence"] == 81537
