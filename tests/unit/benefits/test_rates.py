"""The rates files: every figure cited, the right year chosen, official figures copied correctly."""

from __future__ import annotations

import ast
import inspect
import textwrap
from datetime import date

import pytest

from dwp.benefits.domain import UnknownTaxYear, all_rates, rates_for, rates_on
from dwp.benefits.domain import uc_kernel as k
from dwp.benefits.domain.params import PARAMS
from dwp.benefits.domain.rates import lower_earnings_limits, parse_rates


def test_every_figure_cites_a_source() -> None:
    for rates in all_rates().values():
        assert rates.sources
        for name, figure in rates.figures.items():
            assert len(figure.source) > 10, name


def test_a_figure_without_a_source_is_refused() -> None:
    text = '[meta]\ntax_year = "x"\ntax_year_start = 2025-04-06\nuprating_day = 2025-04-07\nsources = []\n'
    with pytest.raises(ValueError, match="source"):
        parse_rates(text + '[uc.carer]\npence = 1\nsource = ""\n')


def test_both_years_have_every_kernel_parameter() -> None:
    assert set(all_rates()) >= {"2025-26", "2026-27"}
    for rates in all_rates().values():
        assert len(rates.vector()) == len(PARAMS)


@pytest.mark.parametrize(
    ("start", "year"),
    [
        (date(2025, 4, 7), "2025-26"),
        (date(2026, 3, 31), "2025-26"),
        (date(2026, 4, 5), "2025-26"),
        (date(2026, 4, 6), "2026-27"),
        (date(2027, 1, 15), "2026-27"),
    ],
)
def test_the_year_is_chosen_by_the_assessment_period_start(start: date, year: str) -> None:
    assert rates_on(start).tax_year == year


def test_unknown_years_are_refused() -> None:
    with pytest.raises(UnknownTaxYear):
        rates_for("2019-20")
    with pytest.raises(UnknownTaxYear):
        rates_on(date(2024, 5, 1))
    with pytest.raises(UnknownTaxYear):
        rates_on(date(2027, 4, 6))  # the 2027/28 rates are not held yet
    with pytest.raises(UnknownTaxYear):
        rates_on(date(2025, 4, 6))  # before the 2025 up-rating day: 2024/25 rates, not held


def test_benefit_cap_matches_the_gov_uk_policy_papers() -> None:
    """'Benefit and pension rates 2025 to 2026' and 'Proposed benefit and pension rates 2026 to 2027'
    (gov.uk), Benefit Cap, monthly equivalent: Greater London 2110.25 and 1413.92; rest of Great Britain
    1835.00 and 1229.42, in both years."""
    for year in ("2025-26", "2026-27"):
        r = rates_for(year)
        assert r["uc.benefit_cap.family_london"] == 211025
        assert r["uc.benefit_cap.single_london"] == 141392
        assert r["uc.benefit_cap.family"] == 183500
        assert r["uc.benefit_cap.single"] == 122942


def test_2026_27_universal_credit_figures_match_the_proposed_rates_paper() -> None:
    """Proposed benefit and pension rates 2026 to 2027: single 25 or over £424.90, under 25 £338.58, couple
    £666.97 / £528.34; LCWRA £429.80 existing and £217.26 new claimants; first child £351.88, others
    £303.94; work allowances £427 and £710; New Style ESA 25 or over £95.55, support component £50.35."""
    r = rates_for("2026-27")
    assert r["uc.standard_allowance.single_25_or_over"] == 42490
    assert r["uc.standard_allowance.single_under_25"] == 33858
    assert r["uc.standard_allowance.couple_one_or_both_25_or_over"] == 66697
    assert r["uc.standard_allowance.couple_both_under_25"] == 52834
    assert (r["uc.lcwra.protected"], r["uc.lcwra.new_claimant"]) == (42980, 21726)
    assert (r["uc.child.first_child_born_before_6_april_2017"], r["uc.child.other_child"]) == (35188, 30394)
    assert (r["uc.work_allowance.with_housing"], r["uc.work_allowance.without_housing"]) == (42700, 71000)
    assert (r["esa.assessment_25_or_over"], r["esa.support_component"]) == (9555, 5035)
    assert r["child_benefit.eldest"] == 2705


def test_lower_earnings_limits_cover_the_contribution_years() -> None:
    limits = lower_earnings_limits()
    assert limits["2023-24"].value == 12300
    assert limits["2025-26"].value == 12500


def test_kernel_signature_matches_the_declared_inputs() -> None:
    assert list(inspect.signature(k.uc_calc.py_func).parameters) == ["x", "lha", "r"]
    # `x` is unpacked into the inputs' names, in `INPUTS` order, by the first statement after the
    # docstring.
    tree = ast.parse(textwrap.dedent(inspect.getsource(k.uc_calc.py_func)))
    function = tree.body[0]
    assert isinstance(function, ast.FunctionDef)
    unpack = function.body[1]
    assert isinstance(unpack, ast.Assign)
    assert isinstance(unpack.value, ast.Name)
    assert unpack.value.id == "x"
    target = unpack.targets[0]
    assert isinstance(target, ast.Tuple)
    names = [t.id.removeprefix("_") for t in target.elts if isinstance(t, ast.Name)]
    assert names == [name for name, *_ in k.INPUTS]
    assert len(PARAMS) == k.N_RATES  # the rates tuple written out in uc_single and uc_batch
