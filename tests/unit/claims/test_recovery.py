"""The rates of recovery of a UC overpayment (SS (Overpayments and Recovery) Regs 2013 reg 11(2)) and the
overall cap on deductions, worked by hand from `dwp/claims/domain/data/deductions.toml`."""

from __future__ import annotations

import pytest

from dwp.claims.domain import recovery


@pytest.mark.parametrize(
    ("allowance", "standard", "earnings", "fraud", "cap"),
    [
        # 2025/26, single 25 or over, £400.14: 15% = 6,002.1p, 25% = 10,003.5p, 40% = 16,005.6p, each
        # rounded down (a limit is never passed).
        (40_014, 6_002, 10_003, 16_005, 6_002),
        # 2026/27, £424.90: 6,373.5p, 10,622.5p, 16,996p.
        (42_490, 6_373, 10_622, 16_996, 6_373),
        # Joint claimants, one or both 25 or over, 2025/26, £628.10: 9,421.5p, 15,702.5p, 25,124p.
        (62_810, 9_421, 15_702, 25_124, 9_421),
    ],
)
def test_each_case_has_its_rate_and_the_overall_cap_is_15_percent(
    allowance: int, standard: int, earnings: int, fraud: int, cap: int
) -> None:
    assert recovery.recovery_limit_pence(allowance, "standard") == standard  # reg 11(2)(c): 3 x 5%
    assert recovery.recovery_limit_pence(allowance, "earnings") == earnings  # reg 11(2)(b): 5 x 5%
    assert recovery.recovery_limit_pence(allowance, "fraud") == fraud  # reg 11(2)(a): 8 x 5%
    assert recovery.deduction_cap_pence(allowance) == cap  # the Fair Repayment Rate, from 30 April 2025


@pytest.mark.parametrize(
    ("fraud_finding", "earnings_deducted", "case"),
    [
        (False, False, "standard"),  # reg 11(2)(c): any other case
        (False, True, "earnings"),  # reg 11(2)(b): reg 11(4) applies
        (True, False, "fraud"),  # reg 11(2)(a): reg 11(3) applies
        (True, True, "fraud"),  # (b) only where (3) does not apply
    ],
)
def test_which_case_applies(fraud_finding: bool, earnings_deducted: bool, case: str) -> None:
    assert recovery.recovery_case(fraud_finding=fraud_finding, earnings_deducted=earnings_deducted) == case


def test_earnings_are_deducted_when_the_award_took_earned_income_off() -> None:
    # A decision's period: the benefits service's amounts. £950 a month earned with a £411 work allowance
    # takes 55% of £539 = £296.45 off (UC Regs 2013 reg 22(1)(b)).
    assert recovery.earnings_deducted({"amounts": {"earnings_deduction": 29_645}})
    # Earned income under the work allowance: nothing taken off, so reg 11(4) does not apply.
    assert not recovery.earnings_deducted({"amounts": {"earnings_deduction": 0, "earned_income": 30_000}})
    # A period the monthly run stored: its statement's line under reg 22(1)(b).
    line = {"kind": "deduction", "regulation": "UC Regs 2013 reg 22(1)(b)", "amount_pence": 29_645}
    assert recovery.earnings_deducted({"statement": [line]})
    assert not recovery.earnings_deducted({"statement": [{**line, "amount_pence": 0}]})
    assert not recovery.earnings_deducted({"statement": [{**line, "regulation": "UC Regs 2013 reg 66"}]})
    assert not recovery.earnings_deducted({})
