"""Renters excepted from the shared accommodation rate (UC Regs 2013 Sch 4 paras 27-29), worked by hand
from the 2026/27 rates file for 1 to 30 June 2026: a single renter, private rent £700.00 a month, the
area's LHA £400.00 shared and £600.00 for one bedroom; no income."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from dwp.benefits.domain import (
    Adult,
    Household,
    Housing,
    InvalidCircumstances,
    Tenure,
    calculate_batch,
    calculate_uc,
    one_month_later,
)
from dwp.benefits.domain import uc_kernel as k
from dwp.benefits.domain.household import shared_accommodation_grounds
from dwp.benefits.domain.uc import run_kernel, to_inputs

START = date(2026, 6, 1)
LHA = (40000, 60000, 75000, 90000, 110000)
HOME = Housing(Tenure.PRIVATE, 70000, 1, LHA)


def renter(adult: Adult, start: date = START) -> Household:
    return Household(start, one_month_later(start), (adult,), housing=HOME)


def test_a_care_leaver_of_23_gets_the_one_bedroom_rate() -> None:
    """Para 29(2): 18 to 24 and a care leaver before 18. Born 1 March 2003 (23):
    standard allowance, single under 25                                  £338.58
    housing: rent £700.00 within the one-bedroom LHA £600.00             £600.00
    award = 338.58 + 600.00                                              £938.58
    (at the shared rate, £400.00: £738.58). Cap, single outside London £1,229.42: not reached."""
    young = Adult(date(2003, 3, 1))
    assert calculate_uc(renter(young)).award == 73858
    res = calculate_uc(renter(replace(young, shared_accommodation_exemption="care_leaver")))
    assert res.amounts["eligible_rent"] == 60000
    assert res.award == 93858
    assert "uc.housing.shared_rate_exempt" in [line.key for line in res.explanation]


def test_a_30_year_old_with_pip_daily_living_gets_the_one_bedroom_rate() -> None:
    """Para 29(5); born 1 January 1996 (30): 424.90 + 600.00 = £1,024.90."""
    a = Adult(date(1996, 1, 1), shared_accommodation_exemption="disability", disability_benefit=True)
    assert calculate_uc(renter(a)).award == 102490


@pytest.mark.parametrize("ground", ["hostel", "mappa", "domestic_abuse", "modern_slavery"])
def test_the_other_grounds_under_35(ground: str) -> None:
    # born 1 January 1996 (30): 424.90 + 600.00 = £1,024.90
    assert (
        calculate_uc(renter(Adult(date(1996, 1, 1), shared_accommodation_exemption=ground))).award == 102490
    )


@pytest.mark.parametrize(
    ("born", "ground", "start"),
    [
        (date(2001, 6, 1), "care_leaver", START),  # 25 on 1 June 2026: para 29(2) stops at 25
        (date(2009, 1, 1), "care_leaver", START),  # 17: para 29(2) starts at 18
        (date(1996, 1, 1), "astrology", START),
    ],
)
def test_a_ground_outside_its_conditions_is_refused_naming_the_field(
    born: date, ground: str, start: date
) -> None:
    h = renter(Adult(born, shared_accommodation_exemption=ground), start)
    with pytest.raises(InvalidCircumstances) as err:
        calculate_uc(h)
    assert err.value.field == "adults[0].shared_accommodation_exemption"


def test_every_ground_cites_its_source_and_is_known_to_the_api() -> None:
    import typing

    from dwp.benefits.schemas import AdultIn

    grounds = shared_accommodation_grounds()
    assert all("Sch 4 para 29" in g.source for g in grounds.values())
    literal = AdultIn.model_fields["shared_accommodation_exemption"].annotation
    assert set(typing.get_args(typing.get_args(literal)[0])) == set(grounds)


def test_batch_agrees_with_single_on_the_exemption() -> None:
    from dwp.benefits.domain import rates_for

    rates = rates_for("2026-27")
    h = renter(Adult(date(2003, 3, 1), shared_accommodation_exemption="care_leaver"))
    values, lha = to_inputs(h, rates)
    single = run_kernel(values, lha, rates)
    columns = {name: np.array([values[name]], dtype=dtype) for name, dtype, *_ in k.INPUTS}
    out = calculate_batch(columns, np.zeros(1, np.int8), lha, rates.vector()[None, :])
    assert dict(zip(k.OUTPUTS, out[0].tolist(), strict=True)) == single
    assert single["flags"] & k.F_SHARED_RATE_EXEMPT


def test_a_ground_counts_only_from_the_day_it_came_into_force() -> None:
    # SI 2022/942: domestic abuse and modern slavery from 1 October 2022. No rates are held for 2022,
    # so the check is on the circumstances alone.
    from dwp.benefits.domain.household import validate

    a = Adult(date(1996, 1, 1), shared_accommodation_exemption="modern_slavery")
    with pytest.raises(InvalidCircumstances, match="in force from 2022-10-01"):
        validate(renter(a, date(2022, 9, 1)))
    validate(renter(a, date(2022, 10, 1)))
