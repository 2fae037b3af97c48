"""The carer element for couples (UC Regs 2013 reg 29(2)-(4)), worked by hand from the 2025/26 rates:
couple's standard allowance (one or both 25 or over) £628.10, LCWRA element £423.27, carer element
£201.68; no income, so each award is its maximum amount."""

from __future__ import annotations

from datetime import date

import pytest

from dwp.benefits.domain import (
    Adult,
    Capability,
    Household,
    InvalidCircumstances,
    calculate_uc,
    one_month_later,
)
from dwp.benefits.domain import uc_kernel as k

START = date(2025, 6, 1)
LCWRA = Capability.LCWRA


def couple(first: Adult, second: Adult, cared_for: tuple[str, ...] = ()) -> Household:
    return Household(START, one_month_later(START), (first, second), couple=True, people_cared_for=cared_for)


def test_both_partners_with_lcwra_and_one_caring_get_the_carer_element_too() -> None:
    """Reg 29(4) as amended: the carer with LCWRA loses the carer element only if the award's one LCWRA
    element is included in respect of them; with both partners assessed LCWRA it is included in
    respect of the partner who does not care. 628.10 + 423.27 + 201.68 = £1,253.05 (the engine paid
    £1,051.37, leaving the carer element out)."""
    res = calculate_uc(
        couple(
            Adult(date(1985, 1, 1), capability=LCWRA, carer=True), Adult(date(1986, 1, 1), capability=LCWRA)
        )
    )
    a = res.amounts
    assert (a["lcwra_element"], a["carer_element"]) == (42327, 20168)
    assert a["award"] == 125305
    assert not a["flags"] & k.F_LCWRA_NOT_CARER


def test_both_with_lcwra_and_both_caring_get_one_carer_element() -> None:
    """The one LCWRA element is included in respect of one of them, who then gets no carer element; the
    other keeps theirs: 628.10 + 423.27 + 201.68 = £1,253.05."""
    first = Adult(date(1985, 1, 1), capability=LCWRA, carer=True)
    second = Adult(date(1986, 1, 1), capability=LCWRA, carer=True)
    a = calculate_uc(couple(first, second)).amounts
    assert (a["lcwra_element"], a["carer_element"], a["award"]) == (42327, 20168, 125305)
    assert a["flags"] & k.F_LCWRA_NOT_CARER


def test_one_partner_with_lcwra_the_other_caring_gets_both_elements() -> None:
    # 628.10 + 423.27 + 201.68 = £1,253.05, as the law has always paid it.
    a = calculate_uc(
        couple(Adult(date(1985, 1, 1), capability=LCWRA), Adult(date(1986, 1, 1), carer=True))
    ).amounts
    assert a["award"] == 125305


def test_two_carers_of_the_same_person_bring_one_element() -> None:
    """Reg 29(2)-(3): both care for his mother: one carer element, 628.10 + 201.68 = £829.78; caring
    for two different people, one each: 628.10 + 2 x 201.68 = £1,031.46."""
    same = couple(
        Adult(date(1985, 1, 1), carer=True, cares_for="mother"),
        Adult(date(1986, 1, 1), carer=True, cares_for="mother"),
        ("mother", "son"),
    )
    res = calculate_uc(same)
    assert (res.amounts["carer_element"], res.award) == (20168, 82978)
    keys = [line.key for line in res.explanation]
    assert "uc.carer_same_person" in keys
    assert keys[-1] == "uc.award"
    different = couple(
        Adult(date(1985, 1, 1), carer=True, cares_for="mother"),
        Adult(date(1986, 1, 1), carer=True, cares_for="son"),
        ("mother", "son"),
    )
    assert calculate_uc(different).award == 103146


def test_the_couple_elect_the_carer_whose_element_survives_reg_29_4() -> None:
    """Both care for the same person; the first has LCWRA (so reg 29(4) would take his carer element),
    the second does not: the element is hers. 628.10 + 423.27 + 201.68 = £1,253.05."""
    h = couple(
        Adult(date(1985, 1, 1), capability=LCWRA, carer=True, cares_for="mother"),
        Adult(date(1986, 1, 1), carer=True, cares_for="mother"),
        ("mother",),
    )
    assert calculate_uc(h).award == 125305


@pytest.mark.parametrize(
    ("household", "field"),
    [
        (
            couple(
                Adult(date(1985, 1, 1), carer=True, cares_for="aunt"), Adult(date(1986, 1, 1)), ("mother",)
            ),
            "adults[0].cares_for",
        ),
        (
            couple(Adult(date(1985, 1, 1)), Adult(date(1986, 1, 1), cares_for="mother"), ("mother",)),
            "adults[1].cares_for",
        ),
        (couple(Adult(date(1985, 1, 1)), Adult(date(1986, 1, 1)), ("mother", "mother")), "people_cared_for"),
    ],
)
def test_whom_a_carer_cares_for_must_make_sense(household: Household, field: str) -> None:
    with pytest.raises(InvalidCircumstances) as err:
        calculate_uc(household)
    assert err.value.field == field
