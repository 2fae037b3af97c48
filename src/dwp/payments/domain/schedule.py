"""The payment schedule of an award: when each payment is due, the day it is paid, and what it pays.

- **Universal Credit** is paid monthly in arrears, 7 days after each assessment period ends (UC Regs
  2013 reg 21 for the periods; the UC, PIP, JSA and ESA (Claims and Payments) Regulations 2013, Part 4,
  for payment in arrears; GOV.UK "Universal Credit: your first payment" for the 7 days).
- **New Style JSA and ESA** are paid fortnightly in arrears (the same regulations, Part 4):
  fortnights from the first day of the award, each paid the day after it ends.
- A payment whose day is not a payment day (a weekend or bank holiday, `calendar`) is paid on the last
  payment day before it, as DWP does ("if your payment date is on a weekend or bank holiday, you'll
  usually be paid on the working day before").
- **Deductions** the award shows (an advance's recovery, third-party deductions, an overpayment's
  recovery) come off each payment, in order, up to the award's cap (`deduction_cap_pence`, the limit the
  rules issue, such as UC's share of the standard allowance); what the cap leaves of an advance is
  recovered from later payments, so the plan only runs longer.
- **A UC advance** is recovered in equal monthly instalments (the last one what is left) from the first
  payment on, over the months agreed (up to 24 for a new claim advance: GOV.UK "Universal Credit
  advances").

Money is integer pence. Every scheduled payment has a deterministic instruction id (award and number),
so sending it twice is the same instruction, never a second payment.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from dwp.payments.domain import calendar, dates
from dwp.payments.domain.errors import InvalidAward

Benefit = Literal["universal_credit", "new_style_jsa", "new_style_esa"]
UC_PAYMENT_DELAY_DAYS = 7
FORTNIGHT_DAYS = 14
ADVANCE_RECOVERY = "advance-recovery"
_INSTRUCTIONS = uuid.UUID("0a1f3a5e-9b1d-4c1e-8d7a-2f6a0b9d5c11")
"""Namespace of instruction ids (uuid5 of the award id and the payment's number)."""


@dataclass(frozen=True)
class Deduction:
    """An amount the award shows coming off each payment (its `code` names why)."""

    code: str
    pence: int


@dataclass(frozen=True)
class Advance:
    pence: int
    paid_on: date
    instalments: int


@dataclass(frozen=True)
class Award:
    """An award as payments needs it: whose, which benefit, from when, and what each period awards."""

    id: str
    claim_id: str
    citizen_id: str
    benefit: Benefit
    first_day: date
    nation: calendar.Nation
    period_amounts: tuple[int, ...]
    """UC: each assessment period's award; JSA and ESA: each fortnight's (twice the weekly rate)."""
    deductions: tuple[Deduction, ...] = ()
    advance: Advance | None = None
    deduction_cap_pence: int | None = None


@dataclass(frozen=True)
class ScheduledPayment:
    award_id: str
    number: int
    period_start: date
    period_end: date
    due_on: date
    pay_on: date
    moved_because: tuple[str, ...]
    gross_pence: int
    deductions: tuple[Deduction, ...]
    net_pence: int

    @property
    def instruction_id(self) -> str:
        return instruction_id(self.award_id, self.number)


def instruction_id(award_id: str, number: int) -> str:
    return str(uuid.uuid5(_INSTRUCTIONS, f"{award_id}/{number}"))


def check_award(award: Award) -> Award:
    if award.benefit not in ("universal_credit", "new_style_jsa", "new_style_esa"):
        raise InvalidAward("The benefit is universal_credit, new_style_jsa or new_style_esa", field="benefit")
    if any(p < 0 for p in award.period_amounts):
        raise InvalidAward("An award for a period is not negative", field="period_amounts")
    if any(d.pence < 0 for d in award.deductions):
        raise InvalidAward("A deduction is not negative", field="deductions")
    if award.deduction_cap_pence is not None and award.deduction_cap_pence < 0:
        raise InvalidAward("The deduction cap is not negative", field="deduction_cap_pence")
    if award.advance is not None:
        if award.advance.pence <= 0 or not 1 <= award.advance.instalments <= 24:
            raise InvalidAward("An advance is more than 0, recovered over 1 to 24 months", field="advance")
        if award.benefit != "universal_credit":
            raise InvalidAward("Only Universal Credit has advances recovered this way", field="advance")
    try:
        # The last period's payment day must be a date (year 9999 is not a start that can be paid).
        _period(award, len(award.period_amounts))
    except (OverflowError, ValueError) as exc:
        raise InvalidAward(
            "The award's dates are not dates payments can be made on", field="first_day"
        ) from exc
    return award


def _period(award: Award, n: int) -> tuple[date, date, date]:
    """The n-th period's first and last days and the day its payment is due."""
    if award.benefit == "universal_credit":
        start = dates.assessment_period_start(award.first_day, n)
        end = dates.assessment_period_end(award.first_day, n)
        return start, end, end + timedelta(days=UC_PAYMENT_DELAY_DAYS)
    start = award.first_day + timedelta(days=FORTNIGHT_DAYS * n)
    end = start + timedelta(days=FORTNIGHT_DAYS - 1)
    return start, end, end + timedelta(days=1)


def schedule(award: Award) -> list[ScheduledPayment]:
    """Every payment of the award, in order, with its deductions worked out period by period."""
    check_award(award)
    payments = []
    advance_left = award.advance.pence if award.advance else 0
    instalment = -(-award.advance.pence // award.advance.instalments) if award.advance else 0
    for n, gross in enumerate(award.period_amounts):
        start, end, due = _period(award, n)
        pay_on, skipped = calendar.payment_day_on_or_before(due, award.nation)
        room = gross if award.deduction_cap_pence is None else min(gross, award.deduction_cap_pence)
        taken: list[Deduction] = []
        wanted = []
        if advance_left and award.advance and award.advance.paid_on <= pay_on:
            wanted.append(Deduction(ADVANCE_RECOVERY, min(instalment, advance_left)))
        wanted.extend(award.deductions)
        for deduction in wanted:
            amount = min(deduction.pence, room)
            if amount:
                taken.append(Deduction(deduction.code, amount))
                room -= amount
                if deduction.code == ADVANCE_RECOVERY:
                    advance_left -= amount
        payments.append(
            ScheduledPayment(
                award_id=award.id,
                number=n,
                period_start=start,
                period_end=end,
                due_on=due,
                pay_on=pay_on,
                moved_because=tuple(skipped),
                gross_pence=gross,
                deductions=tuple(taken),
                net_pence=gross - sum(d.pence for d in taken),
            )
        )
    return payments


def advance_outstanding(award: Award) -> int:
    """What of the advance the award's periods leave to be recovered from later awards."""
    if award.advance is None:
        return 0
    recovered = sum(d.pence for p in schedule(award) for d in p.deductions if d.code == ADVANCE_RECOVERY)
    return award.advance.pence - recovered
