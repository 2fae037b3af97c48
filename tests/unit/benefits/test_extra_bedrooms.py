"""Additional bedrooms under the size criteria (UC Regs 2013 Sch 4 paras 10-12 and 16(2)(j)), for the
LHA category and for the social-sector under-occupation deduction alike. Worked by hand from the 2026/27
rates file, period 1 to 30 June 2026; no income unless said."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from dwp.benefits.domain import (
    Adult,
    Child,
    Disability,
    Household,
    Housing,
    InvalidCircumstances,
    NonDependant,
    Tenure,
    calculate_batch,
    calculate_uc,
    one_month_later,
    rates_for,
)
from dwp.benefits.domain import uc_kernel as k
from dwp.benefits.domain.uc import run_kernel, to_inputs

START = date(2026, 6, 1)
LHA = (40000, 60000, 75000, 90000, 110000)


def home(*adults: Adult, **kw: object) -> Household:
    base: dict[str, object] = {"housing": Housing(Tenure.SOCIAL, 60000, 2)}
    base.update(kw)
    return Household(START, one_month_later(START), adults or (Adult(date(1986, 1, 1)),), **base)  # type: ignore[arg-type]


def test_an_overnight_carer_keeps_the_second_bedroom_from_the_deduction() -> None:
    """Single, 40, gets PIP daily living, a carer stays overnight (para 12(A1), (3)); social rent £600.00
    for 2 bedrooms. Entitled to 1 + 1 = 2: no deduction; award 424.90 + 600.00 = £1,024.90.
    Before, 1 bedroom: 14% of £600.00 = £84.00 off, £940.90."""
    adult = Adult(date(1986, 1, 1), disability_benefit=True)
    assert calculate_uc(home(adult)).award == 94090
    res = calculate_uc(home(adult, overnight_care=True))
    assert (res.amounts["bedrooms"], res.amounts["housing_element"], res.award) == (2, 60000, 102490)


def test_a_disabled_child_who_cannot_share_has_a_room_of_her_own() -> None:
    """A couple (25 or over) with two girls, 12 (born 2014, before 6 April 2017) and 8 (born 2018, DLA,
    cannot share: para 12(6)), private rent £950.00, LHA £750.00 for 2 bedrooms and £900.00 for 3.
    couple £666.97 + first child £351.88 + second child £303.94 + disabled child (lower) £164.79
    + housing min(950.00, 900.00) = £900.00 -> £2,387.58; sharing, 2 bedrooms at £750.00: £2,237.58.
    Exempt from the cap: the disabled child's benefit (reg 83(1)(f))."""
    girls = (Child(date(2014, 1, 1), "F"), Child(date(2018, 1, 1), "F", Disability.LOWER))
    h = Household(
        START,
        one_month_later(START),
        (Adult(date(1986, 1, 1)), Adult(date(1987, 1, 1))),
        couple=True,
        children=girls,
        housing=Housing(Tenure.PRIVATE, 95000, 3, LHA),
    )
    assert calculate_uc(h).award == 223758
    apart = replace(h, children=(girls[0], replace(girls[1], cannot_share_bedroom=True)))
    a = calculate_uc(apart).amounts
    assert (a["bedrooms"], a["eligible_rent"], a["award"]) == (3, 90000, 238758)


def test_a_foster_parent_between_placements_keeps_a_bedroom() -> None:
    """Para 12(1)(b), (4)-(5); single, 40, social rent £500.00 for 2 bedrooms: 424.90 + 500.00 = £924.90
    (without: 14% of £500.00 = £70.00 off, £854.90)."""
    h = home(housing=Housing(Tenure.SOCIAL, 50000, 2))
    assert calculate_uc(h).award == 85490
    assert calculate_uc(replace(h, foster_parent=True)).award == 92490


def test_a_son_away_on_operations_keeps_his_room_and_pays_nothing() -> None:
    """Single, 40, son born 2000 in the armed forces away on operations; social rent £500.00, 2 bedrooms.
    His room counts and no contribution is taken (para 16(2)(j)): 424.90 + 500.00 = £924.90. Living at
    home he would pay £96.55: £828.35."""
    son = NonDependant(date(2000, 1, 1))
    h = home(
        housing=Housing(Tenure.SOCIAL, 50000, 2), non_dependants=(replace(son, away_on_operations=True),)
    )
    a = calculate_uc(h).amounts
    assert (a["bedrooms"], a["non_dependant_contributions"], a["award"]) == (2, 0, 92490)
    assert calculate_uc(replace(h, non_dependants=(son,))).award == 82835


def test_a_couple_who_cannot_share_get_a_room_each() -> None:
    """Para 12(1)(d), (6A): joint renters, one with PIP; social rent £600.00 for 2 bedrooms: couple
    £666.97 + £600.00 = £1,266.97 (sharing: 14% off, £84.00: £1,182.97)."""
    couple = home(Adult(date(1986, 1, 1), disability_benefit=True), Adult(date(1987, 1, 1)), couple=True)
    assert calculate_uc(couple).award == 118297
    assert calculate_uc(replace(couple, couple_cannot_share=True)).award == 126697


@pytest.mark.parametrize(
    ("household", "field"),
    [
        (home(overnight_care=True), "overnight_care"),
        (home(couple_cannot_share=True), "couple_cannot_share"),
        (
            home(children=(Child(date(2018, 1, 1), "F", cannot_share_bedroom=True),)),
            "children[0].cannot_share_bedroom",
        ),
    ],
)
def test_a_condition_that_cannot_hold_is_refused_naming_the_field(household: Household, field: str) -> None:
    with pytest.raises(InvalidCircumstances) as err:
        calculate_uc(household)
    assert err.value.field == field


def test_batch_agrees_with_single_on_the_extra_bedrooms() -> None:
    rates = rates_for("2026-27")
    h = home(Adult(date(1986, 1, 1), disability_benefit=True), overnight_care=True, foster_parent=True)
    values, lha = to_inputs(h, rates)
    assert values["extra_bedrooms"] == 2
    single = run_kernel(values, lha, rates)
    columns = {name: np.array([values[name]], dtype=dtype) for name, dtype, *_ in k.INPUTS}
    out = calculate_batch(columns, np.zeros(1, np.int8), lha, rates.vector()[None, :])
    assert dict(zip(k.OUTPUTS, out[0].tolist(), strict=True)) == single
