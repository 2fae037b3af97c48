"""A page of households through the batch engine (`calculate_page`, the batch route's) gives what the
single path gives each household: the award, every output, the explanation, to the penny and the word."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from dwp.benefits.domain import InvalidCircumstances, UnknownTaxYear, calculate_claim, calculate_uc
from dwp.benefits.domain import uc_kernel as k
from dwp.benefits.domain.household import one_month_later
from dwp.benefits.domain.pages import PageItem, calculate_page, carried_state
from dwp.benefits.domain.rates import rates_on
from dwp.benefits.domain.uc import to_inputs

from .cases import CASES


def test_a_page_of_every_worked_example_agrees_with_one_by_one() -> None:
    # Over two tax years in one page (each household's own row of the rates table), and each case's
    # LHA rates (the page's table has a row per distinct set).
    households = [c.household for c in CASES]
    later = date(2026, 5, 1)
    households += [replace(h, period_start=later, period_end=one_month_later(later)) for h in households]
    page = calculate_page([PageItem(h) for h in households])
    assert len(page) == len(households)
    for n, (h, done) in enumerate(zip(households, page, strict=True)):
        single = calculate_uc(h)
        assert done.result == single, (n, h)
        assert done.kernel_inputs == to_inputs(h, rates_on(h.period_start))[0]
    assert {done.result.tax_year for done in page} == {"2025-26", "2026-27"}


def test_the_carried_state_continues_a_claim_as_calculate_claim_does() -> None:
    """Period 2 of a claim worked out as a page item with period 1's carried state is period 2 of
    `calculate_claim` (the benefit cap's grace period of UC Regs 2013 reg 82 counting down)."""
    over_the_cap = next(c.household for c in CASES if calculate_uc(c.household).amounts["cap_reduction"])
    capped = replace(over_the_cap, cap_grace_period=True, grace_months_left=6)
    first = calculate_uc(capped)
    start = date.fromordinal(capped.period_end.toordinal() + 1)
    period_2 = replace(capped, period_start=start, period_end=one_month_later(start))
    expected = calculate_claim([capped, period_2])[1]
    [done] = calculate_page([PageItem(period_2, carried_state(first.amounts))])
    assert done.result == expected
    assert set(carried_state(first.amounts)) == set(k.CARRIED)
    assert carried_state(done.result.amounts)["grace_months_left"] == 4  # 6, 5 after period 1, 4 now


@pytest.mark.parametrize(
    ("carried", "field"),
    [
        ({"no_such_state": 1}, "items[1].carried_state.no_such_state"),
        ({"grace_months_left": 10}, "items[1].carried_state.grace_months_left"),
        ({"grace_months_left": True}, "items[1].carried_state.grace_months_left"),
    ],
)
def test_carried_state_the_rules_do_not_carry_is_refused_naming_the_item(
    carried: dict[str, int], field: str
) -> None:
    h = CASES[0].household
    with pytest.raises(InvalidCircumstances) as refused:
        calculate_page([PageItem(h), PageItem(h, carried)])
    assert refused.value.field == field


def test_a_household_the_rules_refuse_is_named_by_its_item() -> None:
    h = CASES[0].household
    wrong = replace(h, period_end=date.fromordinal(h.period_start.toordinal() + 9))
    with pytest.raises(InvalidCircumstances) as refused:
        calculate_page([PageItem(h), PageItem(h), PageItem(wrong)])
    assert refused.value.field == "items[2].period_end"
    far_off = replace(h, period_start=date(2045, 1, 1), period_end=one_month_later(date(2045, 1, 1)))
    with pytest.raises(UnknownTaxYear) as unknown:
        calculate_page([PageItem(far_off)])
    assert unknown.value.field == "items[0].period_start"


def test_an_empty_page_is_nothing() -> None:
    assert calculate_page([]) == []
