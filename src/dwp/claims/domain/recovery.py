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
- **How much each period.** By deduction from later awards (s.71ZC; SS (Overpayments and Recovery)
  Regs 2013 regs 10 and 11): at most 15% of the standard allowance an assessment period in the usual
  case, inside the overall cap of 15% from 30 April 2025 (the Fair Repayment Rate).

Worked example (by hand): a single claimant aged 25 or over, standard allowance 400.14 a month in
2025/26: 15% is 60.021, so at most 60.02 (pence rounded down, so the limit is never passed) comes off
each payment for an overpayment and any other deductions together.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).with_name("data") / "deductions.toml"


@cache
def _rates() -> dict[str, Any]:
    with DATA.open("rb") as handle:
        return tomllib.load(handle)


def share(basis_points: int, standard_allowance_pence: int) -> int:
    """A share of the standard allowance in whole pence, rounded down (a limit is never exceeded)."""
    return standard_allowance_pence * basis_points // 10_000


def deduction_cap_pence(standard_allowance_pence: int) -> int:
    """The most that all deductions together may take from one UC payment (Claims and Payments Regs
    2013 Sch 6 para 3, the Fair Repayment Rate): 15% of the standard allowance."""
    return share(int(_rates()["uc"]["overall_cap"]["basis_points"]), standard_allowance_pence)


def recovery_limit_pence(standard_allowance_pence: int, case: str = "standard") -> int:
    """The most of an overpayment recovered from one assessment period's award (O&R Regs 2013 reg 11(2)):
    `standard` (c), `earnings` (b) or `fraud` (a)."""
    rate = _rates()["uc"]["overpayment_recovery"][case]
    return share(int(rate["basis_points"]), standard_allowance_pence)
