"""What may be deducted from a Universal Credit award to recover an overpayment, and the overall cap on
deductions: the figures are data (`data/deductions.toml`, each with its source).

- **Recoverable.** An overpayment of Universal Credit, New Style JSA or New Style ESA (an amount "paid in
  excess of entitlement") is recoverable whatever caused it, official error included: Social Security
  Administration Act 1992 s.71ZB(1) (inserted by the Welfare Reform Act 2012 s.105), once the award is
  revised or superseded (s.71ZB(3)). The old rule that an official error the claimant could not
  reasonably have known about is not recoverable is s.71 SSAA 1992 (misrepresentation or failure to
  disclose), which is for the older benefits, not these. The Secretary of State may decide not to
  recover (the power is "may"); claims records the cause (`claimant` or `official_error`) so that a
  decision maker can.
- **How much each period** (s.71ZC; SS (Overpayments and Recovery) Regs 2013, SI 2013/384, regs 10 and
  11; the text as made, legislation.gov.uk: no amendment of reg 11's rates by the 2025 Fair Repayment
  Rate was found, which changed the overall cap below). Reg 11(2) allows in any one assessment period at
  most
  (a) 8 x 5% (40%) of the appropriate standard allowance where reg 11(3) applies: the overpayment is
      one for which the liable person has been found guilty of an offence, made an admission after
      caution of deception or fraud, or agreed to pay a penalty under s.115A SSAA 1992 (not withdrawn),
      or it is a hardship payment recoverable under s.71ZH;
  (b) 5 x 5% (25%) where reg 11(4) applies and (3) does not: amounts are deducted from the claimant's
      (or the couple's) earned income in the award under UC Regs 2013 reg 22(1)(b), that is, earned
      income above the work allowance (any earned income where no work allowance applies);
  (c) 3 x 5% (15%) in any other case.
  `recovery_case` says which, `recovery_limit_pence` how much.
- **The overall cap.** All deductions together come to at most 15% of the standard allowance from 30
  April 2025 (the Fair Repayment Rate, down from 25%; DWP, Autumn Budget 2024, and "LA Welfare Direct
  5/2025": "an overall cap against all deductions which can be taken from a customer's standard
  allowance"). So since then an overpayment is recovered at no more than 15% a period whatever its
  case: the higher rates of reg 11(2)(a) and (b) are maxima of the overpayment's own deduction that the
  overall cap now holds down (as the 25% cap held the fraud rate to 25% before). Payments applies both:
  the recovery at most the reg 11 limit, and at most what the cap leaves after the other deductions.

Worked example (by hand): a single claimant aged 25 or over, standard allowance 400.14 a month in
2025/26: 15% is 60.021, so at most 60.02 (pence rounded down, so the limit is never passed) comes off
each payment for an overpayment and any other deductions together. With earnings above the work
allowance reg 11(2)(b) allows 25%, 100.035, so 100.03 of the overpayment alone; after a conviction reg
11(2)(a) allows 40%, 160.056, so 160.05; the overall cap still holds each payment's deductions to 60.02.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any, Literal

DATA = Path(__file__).with_name("data") / "deductions.toml"
RecoveryCase = Literal["standard", "earnings", "fraud"]
EARNINGS_DEDUCTION = "UC Regs 2013 reg 22(1)(b)"
"""The benefits explanation's regulation of the line that takes earned income off the award."""


@cache
def _rates() -> dict[str, Any]:
    with DATA.open("rb") as handle:
        return tomllib.load(handle)


def share(basis_points: int, standard_allowance_pence: int) -> int:
    """A share of the standard allowance in whole pence, rounded down (a limit is never exceeded)."""
    return standard_allowance_pence * basis_points // 10_000


def deduction_cap_pence(standard_allowance_pence: int) -> int:
    """The most that all deductions together may take from one UC payment: the overall cap, 15% of the
    standard allowance from 30 April 2025 (the Fair Repayment Rate; the data file gives its source)."""
    return share(int(_rates()["uc"]["overall_cap"]["basis_points"]), standard_allowance_pence)


def recovery_limit_pence(standard_allowance_pence: int, case: RecoveryCase = "standard") -> int:
    """The most of an overpayment recovered from one assessment period's award (O&R Regs 2013 reg 11(2)):
    `standard` (c), `earnings` (b) or `fraud` (a)."""
    rate = _rates()["uc"]["overpayment_recovery"][case]
    return share(int(rate["basis_points"]), standard_allowance_pence)


def recovery_case(*, fraud_finding: bool, earnings_deducted: bool) -> RecoveryCase:
    """Which rate of O&R Regs 2013 reg 11(2) applies: (a) `fraud` where reg 11(3) does (a conviction, an
    admission after caution, an agreed s.115A penalty); else (b) `earnings` where reg 11(4) does (earned
    income is deducted from the award under UC Regs reg 22(1)(b)); else (c) `standard`."""
    if fraud_finding:
        return "fraud"
    return "earnings" if earnings_deducted else "standard"


def earnings_deducted(period: dict[str, Any]) -> bool:
    """Whether a stored period's award took earned income off (reg 11(4)): the amounts the benefits
    service worked out (`earnings_deduction`, with a decision) or, for a period the monthly run stored,
    its statement's line under UC Regs 2013 reg 22(1)(b)."""
    amounts = period.get("amounts") or {}
    if isinstance(amounts.get("earnings_deduction"), int):
        return bool(amounts["earnings_deduction"] > 0)
    return any(
        isinstance(line, dict)
        and line.get("regulation") == EARNINGS_DEDUCTION
        and int(line.get("amount_pence") or 0) > 0
        for line in period.get("statement") or []
    )


AGE_RELATED_LINES = ("jsa.personal_rate.", "esa.assessment_rate.", "esa.main_phase_basic")
"""The benefits explanation's keys of a New Style week's age-related amount (JSA Regs 2013 reg 49; ESA
Regs 2013 reg 62(1)): the personal rate, never a component."""


def age_related_amount(explanation: list[Any]) -> int | None:
    """A New Style week's age-related amount in pence, from its explanation lines (None: not there)."""
    for line in explanation:
        if not isinstance(line, dict):
            continue
        key, pence = str(line.get("key", "")), line.get("amount_pence")
        if key.startswith(AGE_RELATED_LINES) and isinstance(pence, int):
            return pence
    return None


def new_style_weekly_recovery_pence(age_related_pence: int) -> int:
    """The most of an overpayment recovered from one benefit week of New Style JSA or ESA: 40% of the
    age-related amount, rounded up to the next 5p (O&R Regs 2013 regs 12(2), 13(2); the data file says
    what was read). Worked example (by hand): JSA at 25 or over, 92.05 a week: 40% is 36.82, rounded up
    to 36.85 a week, so 73.70 from a fortnight's payment."""
    rate = _rates()["new_style"]["overpayment_recovery"]
    step = int(rate["round_up_to_pence"])
    exact = age_related_pence * int(rate["basis_points"])
    pence = -(-exact // 10_000)  # whole pence, up: the regulation rounds up, to 5p below
    return -(-pence // step) * step
