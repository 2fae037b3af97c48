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


@pytest.mark.parametrize(
    ("age_related", "weekly"),
    [
        # JSA or ESA at 25 or over, 92.05 a week: 40% is 36.82, up to the next 5p: 36.85.
        (9_205, 3_685),
        # 95.55 a week: 40% is 38.22, up to 38.25.
        (9_555, 3_825),
        # Under 25, 72.90 a week: 40% is 29.16, up to 29.20.
        (7_290, 2_920),
        # 40% of 91.25 is 36.50 exactly: a multiple of 5p stays as it is.
        (9_125, 3_650),
        # 40% of 0.01 is 0.004 of a penny: up to a penny, then up to 5p.
        (1, 5),
    ],
)
def test_new_style_recovery_is_40_percent_of_the_age_related_amount_rounded_up_to_5p(
    age_related: int, weekly: int
) -> None:
    assert recovery.new_style_weekly_recovery_pence(age_related) == weekly


def test_the_age_related_amount_is_the_personal_rate_line_never_a_component() -> None:
    jsa = [{"key": "jsa.contribution_test", "amount_pence": None},
           {"key": "jsa.personal_rate.aged_25_or_over", "amount_pence": 9_555},
           {"key": "jsa.award", "amount_pence": 6_555}]  # fmt: skip
    assert recovery.age_related_amount(jsa) == 9_555
    main_phase = [{"key": "esa.main_phase_basic", "amount_pence": 9_205},
                  {"key": "esa.support_component", "amount_pence": 4_860}]  # fmt: skip
    assert recovery.age_related_amount(main_phase) == 9_205
    assert (
        recovery.age_related_amount([{"key": "esa.assessment_rate.under_25", "amount_pence": 7_290}]) == 7_290
    )
    assert recovery.age_related_amount([{"key": "jsa.award", "amount_pence": 0}, "not a line"]) is None
