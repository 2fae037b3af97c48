"""Properties the UC rules must have for every household, checked with hypothesis."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dwp.benefits.domain import Rates, rates_for
from dwp.benefits.domain.uc import run_kernel
from dwp.benefits.domain.uc_kernel import IN

from .strategies import kernel_inputs

LHA = np.array([[40000, 60000, 75000, 90000, 110000]], dtype=np.int64)
R25 = rates_for("2025-26")
R26 = rates_for("2026-27")
YEARS = st.sampled_from([R25, R26])


def uc(v: dict[str, int], rates: Rates) -> dict[str, int]:
    return run_kernel(v, LHA, rates)


@settings(max_examples=300, deadline=None)
@given(kernel_inputs(), st.integers(1, 300_000), YEARS)
def test_more_earnings_never_give_more_uc(v: dict[str, int], more: int, rates: Rates) -> None:
    # The benefit cap's earnings exemption is a cliff edge in law (reg 82(1)(a), see
    # test_cap_earnings_exemption_is_a_cliff_edge), so the property holds where the cap cannot bite.
    v = {**v, "cap_exempt_benefit": 1}
    richer = {**v, "earnings1": v["earnings1"] + more}
    assert uc(richer, rates)["award"] <= uc(v, rates)["award"]


@settings(max_examples=300, deadline=None)
@given(kernel_inputs(), st.integers(0, 200_000), YEARS)
def test_each_pound_above_the_work_allowance_costs_55p(v: dict[str, int], extra: int, rates: Rates) -> None:
    v = {**v, "cap_exempt_benefit": 1, "gross_estimate": 0, "self_employed1": 0, "self_employed2": 0}
    v = {**v, "tax1": 0, "ni1": 0, "pension1": 0, "earnings2": 0}
    base = uc(v, rates)
    v["earnings1"] = base["work_allowance"] + extra
    before = uc(v, rates)
    v["earnings1"] += 100
    after = uc(v, rates)
    if after["award"] > 0:
        assert before["award"] - after["award"] == 55
    else:
        assert before["award"] <= 55


@settings(max_examples=200, deadline=None)
@given(kernel_inputs(), YEARS)
def test_couple_never_gets_less_standard_allowance_than_a_single_person(
    v: dict[str, int], rates: Rates
) -> None:
    single = uc({**v, "couple": 0, "age2": 0}, rates)["standard_allowance"]
    age2 = v["age2"] or v["age1"]
    couple = uc({**v, "couple": 1, "age2": age2}, rates)["standard_allowance"]
    assert couple >= single


@settings(max_examples=200, deadline=None)
@given(kernel_inputs(), st.integers(1_600_001, 2_000_000_000), YEARS)
def test_capital_above_16000_gives_nothing(v: dict[str, int], capital: int, rates: Rates) -> None:
    assert uc({**v, "capital": capital}, rates)["award"] == 0


def test_capital_of_16000_01_gives_nothing_and_16000_still_can() -> None:
    v = {name: 0 for name in IN}
    v["age1"] = 30
    assert uc({**v, "capital": 1_600_001}, R25)["award"] == 0
    # £16,000 exactly: 40 steps of £250 above £6,000 at £4.35 = £174.00 tariff income.
    assert uc({**v, "capital": 1_600_000}, R25)["award"] == 40014 - 17400


@settings(max_examples=300, deadline=None)
@given(kernel_inputs(), YEARS)
def test_the_cap_never_raises_an_award(v: dict[str, int], rates: Rates) -> None:
    capped = uc({**v, "cap_exempt_benefit": 0, "cap_grace_period": 0}, rates)
    exempt = uc({**v, "cap_exempt_benefit": 1}, rates)
    assert capped["award"] <= capped["award_before_cap"] == exempt["award"]


@settings(max_examples=300, deadline=None)
@given(kernel_inputs())
def test_years_differ_only_where_the_rates_and_rules_say(v: dict[str, int]) -> None:
    a, b = uc(v, R25), uc(v, R26)
    # Unchanged between the years: capital rules, the benefit cap levels, size criteria, LHA (supplied).
    for name in ("tariff_income", "cap_level", "bedrooms"):
        assert a[name] == b[name], name
    if v["tenure"] == 2:
        assert a["eligible_rent"] == b["eligible_rent"]
    # The two-child limit is gone in 2026/27: every child counts.
    assert b["children_counted"] == v["n_children"] >= a["children_counted"]
    # Standard allowance follows each year's table for the same category.
    ratio_key = (
        "SA_"
        + ("COUPLE" if v["couple"] else "SINGLE")
        + ("_25" if max(v["age1"], v["age2"]) >= 25 else "_U25")
    )
    from dwp.benefits.domain import params

    idx = getattr(params, ratio_key)
    assert (a["standard_allowance"], b["standard_allowance"]) == (R25.vector()[idx], R26.vector()[idx])
    # LCWRA: the new-claimant rate exists only from 2026/27; in 2025/26 both categories get one rate.
    if a["lcwra_element"]:
        assert a["lcwra_element"] == 42327
        assert b["lcwra_element"] in (42980, 21726)


def test_the_rates_files_differ_only_in_the_figures_the_sources_change() -> None:
    changed = {dotted for dotted, fig in R25.figures.items() if R26.figures[dotted].value != fig.value}
    unchanged_by_law = {
        "uc.taper",
        "uc.childcare.share",
        "uc.capital.lower_limit",
        "uc.capital.upper_limit",
        "uc.capital.tariff_amount",
        "uc.benefit_cap.single",
        "uc.benefit_cap.family",
        "uc.benefit_cap.single_london",
        "uc.benefit_cap.family_london",
        "income_tax.personal_allowance",
        "income_tax.ruk.basic_band",
        "national_insurance.primary_threshold_monthly",
        "national_insurance.upper_earnings_limit_monthly",
    }
    assert not changed & unchanged_by_law
    assert {"uc.child.limit", "uc.lcwra.new_claimant", "income_tax.scotland.starter_band"} <= changed


def test_cap_earnings_exemption_is_a_cliff_edge() -> None:
    """UC Regs 2013 reg 82(1)(a): earnings of at least 16 hours at the National Living Wage lift the cap
    entirely, so a pound more of earnings can raise the award. The tests above exclude this on purpose."""
    v = {name: 0 for name in IN}
    v.update(age1=30, n_children=4, n_born_before_2017=4, tenure=1, rent=150_000, bedrooms_in_home=3)
    v.update(girls_under_10=4, child_benefit_weekly=2605 + 3 * 1725)
    v["earnings1"] = 84_599
    below = uc(v, R25)
    v["earnings1"] = 84_600
    at = uc(v, R25)
    assert below["cap_reduction"] > 0
    assert at["cap_reduction"] == 0
    assert at["award"] > below["award"]
