"""Worked examples from published guidance; see `cases.py` for each source and the words quoted."""

from __future__ import annotations

import pytest

from dwp.benefits.domain import calculate_uc, rates_for

from .cases import CASES, Case


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_worked_example(case: Case) -> None:
    rates = rates_for("2025-26").with_overrides(**case.overrides)
    result = calculate_uc(case.household, rates)
    got = {name: result.amounts[name] for name in case.expected}
    assert got == case.expected, f"{case.source}: {case.quote}"


def test_work_allowance_amounts_from_gov_uk() -> None:
    """gov.uk 'Universal Credit: how your wages affect your payments' (2025/26): "You can earn up to £411 a
    month before your payment starts to reduce if ... you get help with housing costs through Universal
    Credit ... If neither of these circumstances apply to you, you can earn up to £684 a month"."""
    from dataclasses import replace

    from dwp.benefits.domain import Housing

    base = CASES[4].household  # a parent in work
    with_housing = calculate_uc(base, rates_for("2025-26"))
    without = calculate_uc(replace(base, housing=Housing()), rates_for("2025-26"))
    assert with_housing.amounts["work_allowance"] == 41100
    assert without.amounts["work_allowance"] == 68400
